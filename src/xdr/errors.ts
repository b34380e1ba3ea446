/** Stable codes for XDR decoding failures; callers branch on `code`, never on the message. */
export type XdrErrorCode =
  | 'ERR_XDR_SHORT' // fewer bytes present than the encoding needs
  | 'ERR_XDR_LENGTH' // a length field above its declared or configured maximum
  | 'ERR_XDR_VALUE' // a value outside its domain (bool not 0/1, hyper beyond 2^53, bad discriminant)

/** A malformed or oversized XDR encoding (RFC 4506). */
export class XdrError extends Error {
  readonly code: XdrErrorCode
  constructor(code: XdrErrorCode, message: string) {
    super(message)
    this.name = 'XdrError'
    this.code = code
  }
}
