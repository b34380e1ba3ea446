// features/shard's on-disk layout (xlators/features/shard/src/shard.[ch]): names, fixed gfids and
// the two xattrs every sharded file carries. Pure functions; the xlator is shard.ts.

/** shard.h GF_XATTR_SHARD_BLOCK_SIZE: one big-endian uint64 on the base file. */
export const BLOCK_SIZE_KEY = 'trusted.glusterfs.shard.block-size'
/** shard.h GF_XATTR_SHARD_FILE_SIZE: 4 × int64 big-endian [size, 0, 512-byte blocks, 0]. */
export const FILE_SIZE_KEY = 'trusted.glusterfs.shard.file-size'
/** shard.h SHARD_XATTR_PREFIX: what the application may neither read, set nor remove. */
export const SHARD_XATTR_PREFIX = 'trusted.glusterfs.shard.'
/** glusterfs.h GF_GET_FILE_BLOCK_COUNT: asks posix to report an unlinked file's blocks. */
export const FILE_BLOCK_COUNT_KEY = 'gf_get_file_block_count'
/** glusterfs.h GLUSTERFS_WRITE_UPDATE_ATOMIC: posix returns pre/post iatts taken under its lock. */
export const WRITE_UPDATE_ATOMIC_KEY = 'glusterfs.write-update-atomic'
/** glusterfs.h GLUSTERFS_INTERNAL_FOP_KEY: the marker may use the reserved space. */
export const INTERNAL_FOP_KEY = 'glusterfs-internal-fop'
/** glusterfs.h GF_UNLINKED_LOOKUP: a nameless lookup that does not see unlinked-but-open inodes. */
export const UNLINKED_LOOKUP_KEY = 'unlinked-lookup'

export const DOT_SHARD = '.shard'
export const REMOVE_ME = '.remove_me'
/** common-utils.h DOT_SHARD_GFID. */
export const DOT_SHARD_GFID: Buffer = Buffer.from('be318638e8a04c6d977d7a937aa84806', 'hex')
/** common-utils.h DOT_SHARD_REMOVE_ME_GFID. */
export const REMOVE_ME_GFID: Buffer = Buffer.from('77dd5a45dbf54592b31bb440382302e9', 'hex')

/** gf_xattrop_flags_t GF_XATTROP_ADD_ARRAY64: element-wise int64 add. */
export const XATTROP_ADD_ARRAY64 = 1

/** shard.h get_lowest_block. */
export function lowestBlock(offset: number, blockSize: number): number {
  return Math.floor(offset / blockSize)
}

/** shard.h get_highest_block: the block holding the last byte of [offset, offset + len). */
export function highestBlock(offset: number, len: number, blockSize: number): number {
  const end = offset + len
  return Math.floor((end === 0 ? 0 : end - 1) / blockSize)
}

/** shard_make_block_bname: `<base gfid>.<N>`, N >= 1. */
export function shardName(baseGfid: string, block: number): string {
  return `${baseGfid}.${block}`
}

/** shard_set_size_attrs: the 32-byte value of FILE_SIZE_KEY (absolute at create, deltas in xattrops). */
export function sizeAttr(size: number, blocks: number): Buffer {
  const b = Buffer.alloc(32)
  b.writeBigInt64BE(BigInt(size), 0)
  b.writeBigInt64BE(BigInt(blocks), 16)
  return b
}

/** shard_modify_size_and_block_count: [size, blocks] from a FILE_SIZE_KEY value. */
export function readSizeAttr(value: Buffer): { size: number; blocks: number } | undefined {
  if (value.length < 32) return undefined
  return { size: Number(value.readBigInt64BE(0)), blocks: Number(value.readBigInt64BE(16)) }
}

/** BLOCK_SIZE_KEY's value. */
export function blockSizeAttr(blockSize: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(blockSize))
  return b
}

export function readBlockSizeAttr(value: Buffer): number | undefined {
  return value.length >= 8 ? Number(value.readBigUInt64BE(0)) : undefined
}

/** One block's part of a byte range: which block, where in it, how long, where in the caller's buffer. */
export interface BlockPiece {
  readonly block: number
  readonly offsetInBlock: number
  readonly length: number
  readonly bufferOffset: number
}

/** Split [offset, offset + len) at block boundaries (shard_common_inode_write_do's loop). */
export function splitRange(offset: number, len: number, blockSize: number): BlockPiece[] {
  const pieces: BlockPiece[] = []
  let at = offset
  let done = 0
  while (done < len || (len === 0 && pieces.length === 0)) {
    const block = Math.floor(at / blockSize)
    const inBlock = at % blockSize
    const n = Math.min(blockSize - inBlock, len - done)
    pieces.push({ block, offsetInBlock: inBlock, length: n, bufferOffset: done })
    if (n === 0) break
    at += n
    done += n
  }
  return pieces
}

/** How many blocks beyond block 0 a file of `size` bytes has (__shard_delete_shards_of_entry). */
export function shardCount(size: number, blockSize: number): number {
  if (size <= blockSize) return 0
  return Math.ceil(size / blockSize) - 1
}
