export { XdrReader, XDR_DEFAULT_MAX_LENGTH } from './reader.ts'
export { XdrWriter } from './writer.ts'
export { XdrError, type XdrErrorCode } from './errors.ts'
