import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions, DetailedPeerCertificate, PeerCertificate } from 'node:tls'
import { errnoOf } from './errno.ts'
import { GlusterError } from './errors.ts'

/**
 * TLS as GlusterFS's socket transport speaks it (rpc/rpc-transport/socket/src/socket.c): started
 * right after the TCP connect, RPC record marking unchanged inside; both sides present a
 * certificate and verify the peer's against their CA list; no host name check (certificate CNs are
 * arbitrary names, matched by the brick against auth.ssl-allow).
 */

/** glusterd's marker for management TLS (libglusterfs glusterfs.h SECURE_ACCESS_FILE). */
export const SECURE_ACCESS_FILE = '/var/lib/glusterd/secure-access'

/**
 * Where the distributions' GlusterFS builds look for glusterfs.pem/.key/.ca: the OpenSSL directory
 * of the build (configure.ac: `openssl version -d`), /usr/lib/ssl on Debian and Ubuntu,
 * /etc/pki/tls on Fedora and RHEL; /etc/ssl is what the documentation names.
 */
export const DEFAULT_TLS_DIRS: readonly string[] = ['/usr/lib/ssl', '/etc/pki/tls', '/etc/ssl']

/** socket.c DEFAULT_CIPHER_LIST (10.x), which puts AES128 first on CPUs with AES instructions. */
export const DEFAULT_CIPHER_LIST = 'EECDH:EDH:HIGH:!3DES:!RC4:!DES:!MD5:!aNULL:!eNULL'

let defaultCiphers: string | undefined
/** socket.c: "AES128:" before the default list when /proc/cpuinfo's flags name `aes` (ssl_check_aes_bit). */
export function defaultCipherList(): string {
  if (defaultCiphers === undefined) {
    let aes = false
    try {
      aes = /^flags\s*:.* aes( |$)/m.test(readFileSync('/proc/cpuinfo', 'latin1'))
    } catch {
      // No /proc: the list without the preference.
    }
    defaultCiphers = aes ? `AES128:${DEFAULT_CIPHER_LIST}` : DEFAULT_CIPHER_LIST
  }
  return defaultCiphers
}
/** socket.c DEFAULT_VERIFY_DEPTH, and glusterfs_read_secure_access_file's default. */
export const DEFAULT_CERT_DEPTH = 1
/** socket.c DEFAULT_EC_CURVE: SSL_CTX_set_tmp_ecdh makes it the only ECDHE group offered. */
export const DEFAULT_EC_CURVE = 'prime256v1'

/** PEM material: a string is a file path, a Buffer the PEM text itself. */
export type PemSource = string | Buffer

/** Certificates chosen by the user (`GlfsOptions.tls`): each one unset falls back to the defaults. */
export interface TlsFiles {
  /** Own certificate (chain), PEM. */
  readonly cert?: PemSource | undefined
  /** Private key of `cert`, PEM. */
  readonly key?: PemSource | undefined
  /** CA certificates the peer's certificate must chain to, PEM. */
  readonly ca?: PemSource | undefined
}

export interface TlsProfileInit extends TlsFiles {
  /** Largest number of intermediate CA certificates between the peer's and the CA's. */
  readonly certDepth?: number | undefined
  /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites stay OpenSSL's). */
  readonly ciphers?: string | undefined
  /** ECDHE group (`transport.socket.ssl-ec-curve`). */
  readonly ecCurve?: string | undefined
  /**
   * `transport.socket.ssl-crl-path`: an OpenSSL hashed directory. socket.c loads it as a CA path
   * and, on the client side, clears the CRL check flags (ssl_clear_crl_verify_flags): CA
   * certificates found there are trusted, revocation lists are not consulted. Same here.
   */
  readonly crlPath?: string | undefined
  /** What the settings are for, in messages, e.g. `client.ssl of volume v`. */
  readonly purpose: string
  /** Folders searched for glusterfs.pem/.key/.ca; defaults to {@link DEFAULT_TLS_DIRS}. */
  readonly searchDirs?: readonly string[] | undefined
}

/** The loaded material of one connection attempt. */
export interface TlsMaterial {
  readonly options: ConnectionOptions
  /** CN of our certificate: the brick matches it against auth.ssl-allow. */
  readonly commonName: string
  /** Where the certificate came from (path or 'a buffer'), for messages. */
  readonly certFrom: string
}

/**
 * The TLS settings of one kind of connection (brick or management). Files are read again at every
 * connect, as socket.c builds its SSL context per connection: certificates renewed on disk are
 * picked up at the next reconnect.
 */
export class TlsProfile {
  readonly purpose: string
  readonly certDepth: number
  readonly #init: TlsProfileInit

  constructor(init: TlsProfileInit) {
    this.#init = init
    this.purpose = init.purpose
    this.certDepth = init.certDepth ?? DEFAULT_CERT_DEPTH
  }

  /** Read the certificate, key and CA list; throws GlusterError ENOENT/EACCES/EKEYEXPIRED naming the file. */
  load(where: ErrorContext): TlsMaterial {
    const init = this.#init
    const defaults = init.cert === undefined || init.key === undefined || init.ca === undefined
      ? defaultDir(init.searchDirs ?? DEFAULT_TLS_DIRS, this.purpose, where)
      : undefined
    const pick = (given: PemSource | undefined, name: string): PemSource => given ?? join(defaults ?? '', name)
    const certSource = pick(init.cert, 'glusterfs.pem')
    const cert = readPem(certSource, 'certificate', this.purpose, where)
    const key = readPem(pick(init.key, 'glusterfs.key'), 'private key', this.purpose, where)
    let ca = readPem(pick(init.ca, 'glusterfs.ca'), 'CA list', this.purpose, where)
    if (init.crlPath !== undefined && init.crlPath !== '' && init.crlPath.toUpperCase() !== 'NULL') {
      ca = Buffer.concat([ca, Buffer.from('\n'), ...hashedCaCertificates(init.crlPath, this.purpose, where)])
    }
    const certFrom = typeof certSource === 'string' ? certSource : 'the certificate buffer'
    let own: X509Certificate
    try {
      own = new X509Certificate(cert)
    } catch (err) {
      throw tlsSetupError('EINVAL', where, `${this.purpose}: ${certFrom} holds no PEM certificate (${(err as Error).message})`, err)
    }
    // The brick would refuse it in the handshake (its SSL_VERIFY_PEER checks dates); saying so
    // here names the file and the date instead of a TLS alert.
    const validTo = Date.parse(own.validTo)
    if (validTo < Date.now()) {
      throw tlsSetupError('EKEYEXPIRED', where, `${this.purpose}: our certificate ${certFrom} (CN '${commonNameOf(own.subject)}') expired on ${own.validTo}; bricks and glusterd refuse it`)
    }
    const depth = this.certDepth
    return {
      commonName: commonNameOf(own.subject),
      certFrom,
      options: {
        cert, key, ca,
        ciphers: init.ciphers ?? defaultCipherList(),
        ecdhCurve: init.ecCurve ?? DEFAULT_EC_CURVE,
        rejectUnauthorized: true,
        // In TLS 1.3 the server checks our certificate after our side has finished: a refusal
        // then races our first calls (the brick closes with them unread, a reset that hides its
        // alert), and waiting for the brick's session ticket made it fail to decrypt our records.
        // In TLS 1.2 the brick has accepted our certificate when the handshake ends.
        maxVersion: 'TLSv1.2',
        // GlusterFS checks no host name; it limits the chain length (SSL_CTX_set_verify_depth).
        checkServerIdentity: (_host: string, peer: PeerCertificate) => checkDepth(peer as DetailedPeerCertificate, depth),
      },
    }
  }
}

/** Host, port, volume and brick of the connection, copied into errors. */
export interface ErrorContext {
  readonly host: string
  readonly port: number
  readonly volume?: string | undefined
  readonly brick?: string | undefined
}

/**
 * Management TLS: on iff {@link SECURE_ACCESS_FILE} exists (api/src/glfs.c), with the certificate
 * depth of its `option transport.socket.ssl-cert-depth N` line (libglusterfs graph.c
 * glusterfs_read_secure_access_file: 0 or unreadable means 1). Undefined when the file is absent.
 */
export function readSecureAccess(file = SECURE_ACCESS_FILE): { certDepth: number } | undefined {
  if (!existsSync(file)) return undefined
  let text = ''
  try {
    text = readFileSync(file, 'latin1')
  } catch {
    return { certDepth: DEFAULT_CERT_DEPTH }
  }
  const m = /^option transport\.socket\.ssl-cert-depth\s*(-?\d+)/m.exec(text)
  const depth = m === null ? 0 : Number.parseInt(m[1]!, 10)
  return { certDepth: depth === 0 || Number.isNaN(depth) ? DEFAULT_CERT_DEPTH : depth }
}

/**
 * The Linux errno name and an explanation for a TLS failure Node reported as `code`, or undefined
 * when `code` is no TLS failure. Expiry gives EKEYEXPIRED, a certificate either side does not
 * accept EKEYREJECTED, any other handshake failure EPROTO.
 */
export function describeTlsFailure(code: string): { errno: string, reason: string } | undefined {
  if (code === 'CERT_HAS_EXPIRED') return { errno: 'EKEYEXPIRED', reason: "the peer's certificate has expired" }
  if (code === 'CERT_NOT_YET_VALID') return { errno: 'EKEYREJECTED', reason: "the peer's certificate is not valid yet (check the clocks)" }
  if (/ALERT_CERTIFICATE_EXPIRED$/.test(code)) return { errno: 'EKEYEXPIRED', reason: 'the peer refused our certificate as expired' }
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_REQUIRED|DECRYPT_ERROR|ACCESS_DENIED)$/.test(code)) {
    return { errno: 'EKEYREJECTED', reason: "the peer refused our certificate (is it signed by a CA in the peer's glusterfs.ca?)" }
  }
  if (VERIFY_FAILURES.has(code)) {
    return { errno: 'EKEYREJECTED', reason: "the peer's certificate does not verify against our CA list" }
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    return { errno: 'EPROTO', reason: 'the TLS handshake failed (does the peer speak TLS? server.ssl / secure-access decide)' }
  }
  return undefined
}

/** OpenSSL X509_V_ERR_* names, as Node reports a failed verification of the peer's chain. */
const VERIFY_FAILURES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
])

/** OpenSSL verify depth: `depth` intermediates at most between the peer and the trust anchor. */
function checkDepth(peer: DetailedPeerCertificate, depth: number): Error | undefined {
  let certificates = 1
  let c = peer
  while (c.issuerCertificate !== undefined && c.issuerCertificate !== c && c.issuerCertificate.raw !== undefined && !c.issuerCertificate.raw.equals(c.raw)) {
    certificates++
    c = c.issuerCertificate
  }
  if (certificates <= depth + 2) return undefined
  const err = new Error(`the peer's certificate chain has ${certificates - 2} intermediate CA certificate(s); certificate depth ${depth} allows ${depth}`) as NodeJS.ErrnoException
  err.code = 'CERT_CHAIN_TOO_LONG'
  return err
}

function defaultDir(dirs: readonly string[], purpose: string, where: ErrorContext): string {
  for (const dir of dirs) {
    if (existsSync(join(dir, 'glusterfs.pem'))) return dir
  }
  throw tlsSetupError('ENOENT', where, `${purpose}: no certificate given and no glusterfs.pem in ${dirs.join(', ')} ` +
    '(install glusterfs.pem, glusterfs.key and glusterfs.ca there as for the C client, or pass GlfsOptions.tls { cert, key, ca })')
}

function readPem(source: PemSource, what: string, purpose: string, where: ErrorContext): Buffer {
  if (typeof source !== 'string') return source
  try {
    return readFileSync(source)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw tlsSetupError(code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? code : 'EIO', where,
      `${purpose}: cannot read the ${what} ${source} (${code})`, err)
  }
}

/** CA certificates of an OpenSSL hashed directory (`<hash>.<n>` links; `.r<n>` are CRLs). */
function hashedCaCertificates(dir: string, purpose: string, where: ErrorContext): Buffer[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw tlsSetupError(code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' ? code : 'EIO', where,
      `${purpose}: cannot read the CRL path ${dir} (${code})`, err)
  }
  return names.filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).sort().map((n) => readPem(join(dir, n), 'CA certificate', purpose, where))
}

function commonNameOf(subject: string): string {
  const m = /^CN=(.*)$/m.exec(subject)
  return m === null ? '' : m[1]!
}

function tlsSetupError(code: string, where: ErrorContext, detail: string, cause?: unknown): GlusterError {
  return new GlusterError({ errno: errnoOf(code), syscall: 'connect', host: where.host, port: where.port, volume: where.volume, brick: where.brick, detail, cause })
}

/** TLS of one mount, shared by its graphs (GraphContext.tls). */
export interface MountTls {
  /** User-chosen certificates (`GlfsOptions.tls`), below the volfile's in precedence. */
  readonly files: TlsFiles
  /** Cert depth of management TLS (from secure-access), or undefined when management TLS is off. */
  readonly managementDepth: number | undefined
}

const TRUE = /^(on|yes|true|enable|1)$/i

/**
 * The TLS profiles of one protocol/client from its volfile section (socket.c
 * ssl_setup_connection_params): `brick` when `transport.socket.ssl-enabled` is on, `glusterd` (the
 * PORTBYBRICK connection, port 24007) when management TLS is on. Both take the section's
 * ssl-own-cert/-private-key/-ca-list/-cipher-list/-ec-curve/-crl-path first, as the C transport
 * does for both; the depth is the section's ssl-cert-depth for the brick and secure-access's for
 * glusterd (socket.c uses ctx->ssl_cert_depth whenever management TLS is on).
 */
export function clientTlsProfiles(name: string, options: ReadonlyMap<string, string>, mount: MountTls | undefined): { brick: TlsProfile | undefined, glusterd: TlsProfile | undefined } {
  const opt = (key: string): string | undefined => {
    const v = options.get(`transport.socket.${key}`)
    return v === undefined || v === '' ? undefined : v
  }
  const files = mount?.files ?? {}
  const base = {
    cert: opt('ssl-own-cert') ?? files.cert,
    key: opt('ssl-private-key') ?? files.key,
    ca: opt('ssl-ca-list') ?? files.ca,
    ciphers: opt('ssl-cipher-list'),
    ecCurve: opt('ssl-ec-curve'),
    crlPath: opt('ssl-crl-path'),
  }
  const enabled = TRUE.test(opt('ssl-enabled') ?? '')
  const depthText = opt('ssl-cert-depth')
  const depth = depthText === undefined ? undefined : Number.parseInt(depthText, 10)
  return {
    brick: enabled
      ? new TlsProfile({ ...base, certDepth: depth === undefined || Number.isNaN(depth) ? undefined : depth, purpose: `client.ssl of ${name}` })
      : undefined,
    glusterd: mount?.managementDepth !== undefined
      ? new TlsProfile({ ...base, certDepth: mount.managementDepth, purpose: `management TLS (secure-access) of ${name}` })
      : undefined,
  }
}

/**
 * Makes every write on `socket` its own SSL_write, so that no TLS record carries bytes of two RPC
 * records. The GlusterFS socket transport reads one RPC record per poll event and never asks
 * OpenSSL for bytes it already decrypted (socket.c has no SSL_pending): the rest of a TLS record
 * holding the end of one call and the start of the next stays stuck until more bytes arrive
 * (measured: SETVOLUME pipelined after DUMP waited for the next PING). The C transport writes
 * one SSL_write per iovec. Node's stream joins buffered writes into one `_writev`, which TLSSocket
 * turns into one SSL_write; without it, buffered writes go out one by one.
 */
export function writeRecordsSeparately(socket: { _writev?: unknown }): void {
  socket._writev = null
}

