/**
 * Writes docs/API.md: the public surface (every export of src/api/index.ts), generated from the
 * declarations and their doc comments with the TypeScript compiler API, so the reference cannot
 * drift from the code (test/unit/api/api-reference.test.ts fails when the file is stale).
 *
 *   npx tsx docs/api-reference.ts          write docs/API.md
 */
import { writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const ENTRY = join(ROOT, 'src/api/index.ts')
export const API_MD = join(ROOT, 'docs/API.md')

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType

interface Entry {
  readonly name: string
  readonly kind: 'class' | 'interface' | 'type' | 'function' | 'constant'
  readonly text: string
}

/** The reference as Markdown. */
export function apiReference(): string {
  const program = ts.createProgram([ENTRY], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, allowImportingTsExtensions: true, noEmit: true, types: ['node'], skipLibCheck: true,
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(ENTRY)
  if (source === undefined) throw new Error(`cannot read ${ENTRY}`)
  const moduleSymbol = checker.getSymbolAtLocation(source)!
  const entries: Entry[] = []
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const decl = symbol.declarations?.[0]
    if (decl === undefined) continue
    const name = exported.name
    if (ts.isClassDeclaration(decl)) entries.push({ name, kind: 'class', text: classText(checker, name, symbol, decl) })
    else if (ts.isInterfaceDeclaration(decl)) entries.push({ name, kind: 'interface', text: interfaceText(checker, name, symbol, decl) })
    else if (ts.isTypeAliasDeclaration(decl)) entries.push({ name, kind: 'type', text: typeAliasText(checker, name, symbol, decl) })
    else if (ts.isFunctionDeclaration(decl)) entries.push({ name, kind: 'function', text: functionText(checker, name, symbol, decl) })
    else if (ts.isVariableDeclaration(decl)) entries.push({ name, kind: 'constant', text: constantRow(checker, name, symbol, decl) })
  }
  entries.sort((a, b) => a.name.localeCompare(b.name, 'en'))
  const of = (kind: Entry['kind']): Entry[] => entries.filter((e) => e.kind === kind)
  const lines = [
    '# gfapi-ts API reference',
    '',
    `Every export of the package (\`${relative(ROOT, ENTRY)}\`), generated from the declarations and their doc comments by`,
    '`docs/api-reference.ts` (`npx tsx docs/api-reference.ts`); do not edit by hand. The README shows how the pieces fit together.',
    '',
    '## Classes',
    '',
    ...of('class').map((e) => e.text),
    '## Functions',
    '',
    ...of('function').map((e) => e.text),
    '## Interfaces',
    '',
    ...of('interface').map((e) => e.text),
    '## Types',
    '',
    ...of('type').map((e) => e.text),
    '## Constants',
    '',
    '| name | type | description |',
    '|---|---|---|',
    ...of('constant').map((e) => e.text),
    '',
  ]
  return lines.join('\n')
}

function doc(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): string {
  if (symbol === undefined) return ''
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
}

/** The first paragraph of a doc comment on one line, for tables. */
function summary(text: string): string {
  return cell(text.split(/\n\s*\n/)[0] ?? '')
}

function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')
}

function code(text: string): string {
  return `\`${text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')}\``
}

function isPublic(member: ts.ClassElement | ts.TypeElement): boolean {
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false
  const flags = ts.getCombinedModifierFlags(member as unknown as ts.Declaration)
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0
}

function memberName(member: ts.ClassElement | ts.TypeElement): string {
  const n = member.name
  if (n === undefined) return ''
  if (ts.isComputedPropertyName(n)) return `[${n.expression.getText()}]`
  return n.getText()
}

function signatures(checker: ts.TypeChecker, decls: readonly ts.SignatureDeclaration[], prefix: string): string[] {
  // With overloads, the implementation's own signature is not callable from outside.
  const visible = decls.length > 1 ? decls.filter((d) => (d as ts.FunctionLikeDeclaration).body === undefined) : decls
  return visible.map((d) => `${prefix}${checker.signatureToString(checker.getSignatureFromDeclaration(d)!, undefined, FORMAT)}`)
}

function classText(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, decl: ts.ClassDeclaration): string {
  const out = [`### class ${name}`, '']
  const heritage = decl.heritageClauses?.map((h) => h.getText()).join(' ')
  if (heritage) out.push(`\`class ${name} ${heritage}\``, '')
  const text = doc(checker, symbol)
  if (text) out.push(text, '')
  const rows: string[] = []
  const seen = new Set<string>()
  for (const member of decl.members) {
    if (!isPublic(member)) continue
    const mname = memberName(member)
    const isStatic = (ts.getCombinedModifierFlags(member as unknown as ts.Declaration) & ts.ModifierFlags.Static) !== 0
    const label = `${isStatic ? 'static ' : ''}${mname}`
    const msym = member.name === undefined ? undefined : checker.getSymbolAtLocation(member.name)
    if (ts.isConstructorDeclaration(member)) {
      if (seen.has('constructor')) continue
      seen.add('constructor')
      const ctors = decl.members.filter(ts.isConstructorDeclaration)
      for (const s of signatures(checker, ctors, '')) rows.push(`| ${code(`new ${name}${s}`)} | ${summary(doc(checker, checker.getSymbolAtLocation(ctors[0]!)) || '')} |`)
    } else if (ts.isMethodDeclaration(member)) {
      if (seen.has(label)) continue
      seen.add(label)
      const overloads = decl.members.filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && memberName(m) === mname)
      // Each overload may carry its own comment; the first one found describes the method.
      const described = overloads.map((o) => o.name && checker.getSymbolAtLocation(o.name)).find((s) => s !== undefined)
      const sigs = signatures(checker, overloads, label)
      rows.push(`| ${sigs.map(code).join('<br>')} | ${summary(doc(checker, described ?? msym))} |`)
    } else if (ts.isGetAccessorDeclaration(member) || ts.isPropertyDeclaration(member)) {
      if (seen.has(label)) continue
      seen.add(label)
      const readonly = ts.isGetAccessorDeclaration(member)
        ? !decl.members.some((m) => ts.isSetAccessorDeclaration(m) && memberName(m) === mname)
        : (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Readonly) !== 0
      const type = checker.typeToString(checker.getTypeAtLocation(member), undefined, FORMAT)
      rows.push(`| ${code(`${readonly ? 'readonly ' : ''}${label}: ${type}`)} | ${summary(doc(checker, msym))} |`)
    }
  }
  if (rows.length > 0) out.push('| member | description |', '|---|---|', ...rows, '')
  return out.join('\n')
}

function interfaceText(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, decl: ts.InterfaceDeclaration): string {
  const typeParams = decl.typeParameters === undefined ? '' : `<${decl.typeParameters.map((t) => t.getText()).join(', ')}>`
  const out = [`### interface ${name}${typeParams}`, '']
  const heritage = decl.heritageClauses?.map((h) => h.getText()).join(' ')
  if (heritage) out.push(`\`interface ${name}${typeParams} ${heritage}\``, '')
  const text = doc(checker, symbol)
  if (text) out.push(text, '')
  // Every property, inherited ones included: what a caller may pass or read.
  const type = checker.getDeclaredTypeOfSymbol(symbol)
  const rows = checker.getPropertiesOfType(type).map((p) => {
    const pdecl = p.valueDeclaration ?? p.declarations?.[0]
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0
    const readonly = pdecl !== undefined && (ts.getCombinedModifierFlags(pdecl) & ts.ModifierFlags.Readonly) !== 0
    const ptype = pdecl === undefined ? 'unknown' : checker.typeToString(checker.getTypeOfSymbolAtLocation(p, pdecl), undefined, FORMAT)
    return `| ${code(`${readonly ? 'readonly ' : ''}${p.name}${optional ? '?' : ''}: ${ptype}`)} | ${summary(doc(checker, p))} |`
  })
  if (rows.length > 0) out.push('| property | description |', '|---|---|', ...rows, '')
  return out.join('\n')
}

function typeAliasText(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, decl: ts.TypeAliasDeclaration): string {
  const typeParams = decl.typeParameters === undefined ? '' : `<${decl.typeParameters.map((t) => t.getText()).join(', ')}>`
  const out = [`### type ${name}${typeParams}`, '', '```ts', `type ${name}${typeParams} = ${decl.type.getText()}`, '```', '']
  const text = doc(checker, symbol)
  if (text) out.push(text, '')
  return out.join('\n')
}

function functionText(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, decl: ts.FunctionDeclaration): string {
  const decls = (symbol.declarations ?? [decl]).filter(ts.isFunctionDeclaration)
  const out = [`### ${name}()`, '', '```ts', ...signatures(checker, decls, `function ${name}`), '```', '']
  const text = doc(checker, symbol)
  if (text) out.push(text, '')
  return out.join('\n')
}

function constantRow(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, decl: ts.VariableDeclaration): string {
  const type = checker.typeToString(checker.getTypeAtLocation(decl), undefined, FORMAT)
  return `| ${code(name)} | ${code(type)} | ${summary(doc(checker, symbol))} |`
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(API_MD, apiReference())
  process.stdout.write(`wrote ${relative(process.cwd(), API_MD)}\n`)
}
