#!/usr/bin/env node
// The `bench` command: loads tsx (a devDependency) so bench/cli.ts runs from source, no build.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./cli.ts')
process.exitCode = await main(process.argv.slice(2))
