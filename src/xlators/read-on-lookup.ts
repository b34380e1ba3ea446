// Read on lookup: features/shard reaches a block it has not resolved yet with a LOOKUP of
// /.shard/<gfid>.<N> and then a READ. cluster/replicate can send that READ as soon as the first
// copy answers the LOOKUP (the answer names the gfid), to the child the READ would go to anyway,
// and hand its data back with the lookup once every copy has answered and that child proved
// readable. The READ then overlaps the lookup's slowest answer instead of following it; the bricks
// see the same calls. The request and the answer travel in the lookup's xdata under keys that
// never leave the process: protocol/client drops the request where no replicate took it, and
// distribute drops an answer from a file whose migration finished under it.

import { Dict } from '../rpc/programs/fops/dict.ts'
import type { ReadResult } from './types.ts'

/** Asks for a READ with the lookup: offset (uint64), size and flags (uint32 each), big-endian. */
const REQUEST_KEY = 'gfapi-ts.read-on-lookup'
/** The READ's data, and its reply's mode (for distribute's migration check). */
const DATA_KEY = 'gfapi-ts.read-on-lookup.data'
const MODE_KEY = 'gfapi-ts.read-on-lookup.mode'

/** The READ a lookup may carry: what readv would be asked on the file it finds. */
export interface ReadOnLookup {
  readonly offset: number
  readonly size: number
  readonly flags: number
}

/** The data a lookup brought back, with the mode of the READ's post-op iatt. */
export interface EarlyRead {
  readonly data: Buffer
  readonly mode: number
}

/** Lookup xdata asking for `read` of the file found. */
export function askReadOnLookup(read: ReadOnLookup): Dict {
  const value = Buffer.allocUnsafe(16)
  value.writeBigUInt64BE(BigInt(read.offset), 0)
  value.writeUInt32BE(read.size, 8)
  value.writeUInt32BE(read.flags >>> 0, 12)
  return new Dict().setPtr(REQUEST_KEY, value)
}

/** The READ `xdata` asks for, if it asks for one. */
export function readOnLookupOf(xdata: Dict | undefined): ReadOnLookup | undefined {
  const value = xdata?.getPtr(REQUEST_KEY)
  if (value === undefined || value.length !== 16) return undefined
  return { offset: Number(value.readBigUInt64BE(0)), size: value.readUInt32BE(8), flags: value.readUInt32BE(12) }
}

/** `xdata` without the request (a copy when it has one): what goes to the bricks. */
export function withoutReadOnLookup(xdata: Dict): Dict {
  if (!xdata.has(REQUEST_KEY)) return xdata
  const out = new Dict()
  for (const [k, v] of xdata) if (k !== REQUEST_KEY) out.set(k, v)
  return out
}

/** A lookup answer's xdata carrying `r`'s data. */
export function withEarlyRead(xdata: Dict | undefined, r: ReadResult): Dict {
  return (xdata ?? new Dict()).setPtr(DATA_KEY, r.data).setUint(MODE_KEY, r.stat.mode)
}

/** The data a lookup answer carries, if any. */
export function earlyReadOf(xdata: Dict | undefined): EarlyRead | undefined {
  const data = xdata?.getPtr(DATA_KEY)
  const mode = xdata?.getInt(MODE_KEY)
  return data === undefined || mode === undefined ? undefined : { data, mode: Number(mode) }
}

/** Remove the data from a lookup answer (it must not be used). */
export function dropEarlyRead(xdata: Dict): void {
  xdata.delete(DATA_KEY)
  xdata.delete(MODE_KEY)
}
