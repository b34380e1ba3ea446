import { describe, expect, it } from 'vitest'
import { decodeOldDict, encodeOldDict } from '../../../../src/rpc/programs/old-dict.ts'
import {
  CLIENT_MAX_OP_VERSION, CLIENT_MIN_OP_VERSION, GETSPEC_FLAG_SERVERS_LIST, HANDSHAKE_PROGRAM, HandshakeProc,
  readGfGetspecRsp, readGfSetvolumeRsp, writeGfGetspecReq, writeGfSetvolumeReq,
} from '../../../../src/rpc/programs/handshake.ts'
import { DUMP_PROGRAM, DumpProc, readGfCommonRsp, readGfDumpRsp, writeGfDumpReq } from '../../../../src/rpc/programs/dump.ts'
import { PORTMAP_PROGRAM, PortmapProc, readPmapPortByBrickRsp, writePmapPortByBrickReq } from '../../../../src/rpc/programs/portmap.ts'
import { CALLBACK_PROGRAM_NUMBER, CallbackProc } from '../../../../src/rpc/programs/callback.ts'
import { XdrReader } from '../../../../src/xdr/reader.ts'
import { XdrWriter } from '../../../../src/xdr/writer.ts'
import { XdrError, type XdrErrorCode } from '../../../../src/xdr/errors.ts'
import { xdr } from '../../../helpers/xdr-bytes.ts'

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex')
}
function ascii(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex')
}

function encoded(fn: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter()
  fn(w)
  return Buffer.from(w.finish())
}

function expectXdrCode(fn: () => unknown, code: XdrErrorCode): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(XdrError)
  expect((caught as XdrError).code).toBe(code)
}

// gluster-wire.md §9
const REFERENCE_DICT = hex(`00000002 | 0000000c 00000008 ${ascii('fops-version\0')} ${ascii('1298437\0')}
  | 00000010 00000003 ${ascii('remote-subvolume\0')} ${ascii('/b\0')}`)
const REFERENCE_GETSPEC_ARGS = hex(`00000001 | 00000007 ${ascii('testvol')} 00 | 0000003b
  | 00000002 0000000e 00000007 ${ascii('max-op-version\0')} ${ascii('100000\0')}
  0000000e 00000002 ${ascii('min-op-version\0')} ${ascii('1\0')} | 00`)

/** An old dict built from the format description, independently of encodeOldDict. */
function oldDict(pairs: Array<[string, string]>): Buffer {
  const b = xdr().u32(pairs.length)
  for (const [k, v] of pairs) {
    b.u32(Buffer.byteLength(k)).u32(Buffer.byteLength(v) + 1).raw(Buffer.from(k + '\0')).raw(Buffer.from(v + '\0'))
  }
  return b.bytes()
}

describe('old serialized dict', () => {
  it('encodes the reference example byte for byte', () => {
    expect(encodeOldDict([['fops-version', '1298437'], ['remote-subvolume', '/b']])).toEqual(REFERENCE_DICT)
  })

  it('decodes the reference example, values without their NUL', () => {
    expect(decodeOldDict(REFERENCE_DICT)).toEqual(new Map([['fops-version', '1298437'], ['remote-subvolume', '/b']]))
  })

  it('encodes an empty dict as a zero count and decodes empty input as an empty dict', () => {
    expect(encodeOldDict([])).toEqual(hex('00000000'))
    expect(decodeOldDict(hex('00000000')).size).toBe(0)
    expect(decodeOldDict(Buffer.alloc(0)).size).toBe(0)
  })

  it('round-trips UTF-8 keys and values, empty values included', () => {
    const pairs: Array<[string, string]> = [['ERROR', 'Success'], ['clé', 'välue'], ['empty', ''], ['process-uuid', 'CTX_ID:a-b-c']]
    expect(encodeOldDict(pairs)).toEqual(oldDict(pairs))
    expect(decodeOldDict(oldDict(pairs))).toEqual(new Map(pairs))
  })

  it('keeps a value that has no trailing NUL whole', () => {
    const bytes = xdr().u32(1).u32(1).u32(2).raw(Buffer.from('k\0ab')).bytes()
    expect(decodeOldDict(bytes).get('k')).toBe('ab')
    const zero = xdr().u32(1).u32(1).u32(0).raw(Buffer.from('k\0')).bytes()
    expect(decodeOldDict(zero).get('k')).toBe('')
  })

  it('rejects input shorter than its count', () => {
    for (const n of [1, 2, 3]) expectXdrCode(() => decodeOldDict(Buffer.alloc(n)), 'ERR_XDR_SHORT')
  })

  it('rejects a count with fewer pairs present, without looping on the count', () => {
    expectXdrCode(() => decodeOldDict(hex('ffffffff')), 'ERR_XDR_SHORT')
    expectXdrCode(() => decodeOldDict(Buffer.concat([hex('00000003'), REFERENCE_DICT.subarray(4)])), 'ERR_XDR_SHORT')
  })

  it('rejects key or value lengths past the end', () => {
    expectXdrCode(() => decodeOldDict(xdr().u32(1).u32(0xffffffff).u32(0).raw(Buffer.from('k\0')).bytes()), 'ERR_XDR_LENGTH')
    expectXdrCode(() => decodeOldDict(xdr().u32(1).u32(1).u32(0xffffffff).raw(Buffer.from('k\0v\0')).bytes()), 'ERR_XDR_LENGTH')
    // one byte past the end: the value claims its NUL, which is missing
    expectXdrCode(() => decodeOldDict(xdr().u32(1).u32(1).u32(3).raw(Buffer.from('k\0ab')).bytes()), 'ERR_XDR_LENGTH')
    // the key's NUL is missing
    expectXdrCode(() => decodeOldDict(xdr().u32(1).u32(2).u32(0).raw(Buffer.from('ke')).bytes()), 'ERR_XDR_LENGTH')
  })

  it('rejects every truncation of a valid dict', () => {
    for (let cut = 1; cut < REFERENCE_DICT.length; cut++) {
      let caught: unknown
      try {
        decodeOldDict(REFERENCE_DICT.subarray(0, cut))
      } catch (err) {
        caught = err
      }
      expect(caught, `cut at ${cut}`).toBeInstanceOf(XdrError)
    }
  })
})

describe('Handshake program', () => {
  it('has the GlusterFS numbers', () => {
    expect(HANDSHAKE_PROGRAM.number).toBe(14398633)
    expect(HANDSHAKE_PROGRAM.version).toBe(2)
    expect(HANDSHAKE_PROGRAM.procedures[HandshakeProc.SETVOLUME]).toBe('SETVOLUME')
    expect(HANDSHAKE_PROGRAM.procedures[HandshakeProc.GETSPEC]).toBe('GETSPEC')
    expect(HandshakeProc).toMatchObject({ SETVOLUME: 1, GETSPEC: 2, PING: 3 })
    expect(GETSPEC_FLAG_SERVERS_LIST).toBe(1)
    expect([CLIENT_MIN_OP_VERSION, CLIENT_MAX_OP_VERSION]).toEqual(['1', '100000'])
  })

  it('writes GETSPEC args exactly as libgfapi sends them for "testvol"', () => {
    expect(encoded((w) => writeGfGetspecReq(w, 'testvol'))).toEqual(REFERENCE_GETSPEC_ARGS)
  })

  it('reads a successful GETSPEC reply', () => {
    const spec = 'volume testvol\n    type debug/io-stats\nend-volume\n'
    const reply = xdr().i32(spec.length).i32(0).string(spec).opaque(oldDict([['cluster.brick-vol-servers', 'h1:24007 h2:24007 ']])).bytes()
    const r = new XdrReader(reply)
    const res = readGfGetspecRsp(r)
    expect(res.opRet).toBe(spec.length)
    expect(res.opErrno).toBe(0)
    expect(res.spec).toBe(spec)
    expect(res.xdata.get('cluster.brick-vol-servers')).toBe('h1:24007 h2:24007 ')
    expect(r.remaining).toBe(0)
  })

  it('reads a failed GETSPEC reply with an empty spec and an empty xdata', () => {
    const res = readGfGetspecRsp(new XdrReader(xdr().i32(-1).i32(2).string('').opaque(Buffer.alloc(0)).bytes()))
    expect(res).toEqual({ opRet: -1, opErrno: 2, spec: '', xdata: new Map() })
  })

  it('rejects a GETSPEC reply whose xdata dict is malformed', () => {
    expectXdrCode(() => readGfGetspecRsp(new XdrReader(xdr().i32(1).i32(0).string('x').opaque(hex('00000001 00000009')).bytes())), 'ERR_XDR_SHORT')
  })

  it('writes SETVOLUME args as one opaque old dict', () => {
    const pairs: Array<[string, string]> = [['process-uuid', 'CTX_ID:x'], ['fops-version', '1298437'], ['remote-subvolume', '/b']]
    expect(encoded((w) => writeGfSetvolumeReq(w, pairs))).toEqual(xdr().opaque(oldDict(pairs)).bytes())
  })

  it('reads SETVOLUME replies', () => {
    const ok = xdr().i32(0).i32(22).opaque(oldDict([['ERROR', 'Success'], ['child_up', '1'], ['volume-id', '80dcc1c4']])).bytes()
    const res = readGfSetvolumeRsp(new XdrReader(ok))
    expect(res.opRet).toBe(0)
    expect(res.opErrno).toBe(22)
    expect(res.dict.get('ERROR')).toBe('Success')
    expect(res.dict.get('child_up')).toBe('1')
    const bad = readGfSetvolumeRsp(new XdrReader(xdr().i32(-1).i32(13).opaque(oldDict([['ERROR', 'Authentication failed']])).bytes()))
    expect(bad.opRet).toBe(-1)
    expect(bad.opErrno).toBe(13)
    expect(bad.dict.get('ERROR')).toBe('Authentication failed')
  })

  it('rejects a SETVOLUME reply whose dict claims more than it holds', () => {
    const body = xdr().u32(1).u32(5).u32(100).raw(Buffer.from('ERROR\0x\0')).bytes()
    expectXdrCode(() => readGfSetvolumeRsp(new XdrReader(xdr().i32(-1).i32(5).opaque(body).bytes())), 'ERR_XDR_LENGTH')
  })
})

describe('GF-DUMP program', () => {
  it('has the GlusterFS numbers', () => {
    expect(DUMP_PROGRAM).toMatchObject({ number: 123451501, version: 1 })
    expect(DUMP_PROGRAM.procedures[DumpProc.PING]).toBe('PING')
    expect(DumpProc).toEqual({ NULL: 0, DUMP: 1, PING: 2 })
  })

  it('writes the DUMP request with gfs_id 0xcaed', () => {
    expect(encoded(writeGfDumpReq)).toEqual(hex('00000000 0000caed'))
  })

  it('reads the program list of a DUMP reply', () => {
    const reply = xdr().u64(0xcaed).i32(0).i32(0)
      .bool(true).string('GlusterFS 4.x v1').u64(1298437).u64(400)
      .bool(true).string('GlusterFS Handshake').u64(14398633).u64(2)
      .bool(true).string('GF-DUMP').u64(123451501).u64(1)
      .bool(false)
      .bytes()
    const r = new XdrReader(reply)
    expect(readGfDumpRsp(r)).toEqual({
      opRet: 0, opErrno: 0, programs: [
        { name: 'GlusterFS 4.x v1', number: 1298437, version: 400 },
        { name: 'GlusterFS Handshake', number: 14398633, version: 2 },
        { name: 'GF-DUMP', number: 123451501, version: 1 },
      ],
    })
    expect(r.remaining).toBe(0)
  })

  it('reads an empty program list', () => {
    expect(readGfDumpRsp(new XdrReader(xdr().u64(0).i32(-1).i32(107).bool(false).bytes()))).toEqual({ opRet: -1, opErrno: 107, programs: [] })
  })

  it('stops after 256 programs', () => {
    const b = xdr().u64(0).i32(0).i32(0)
    for (let i = 0; i < 300; i++) b.bool(true).string(`p${i}`).u64(i).u64(1)
    b.bool(false)
    const res = readGfDumpRsp(new XdrReader(b.bytes()))
    expect(res.programs).toHaveLength(256)
    expect(res.programs[255]).toEqual({ name: 'p255', number: 255, version: 1 })
  })

  it('rejects a truncated list, an unsafe program number and a bad list discriminant', () => {
    const good = xdr().u64(0).i32(0).i32(0).bool(true).string('x').u64(1).u64(1).bool(false).bytes()
    for (let cut = 0; cut < good.length; cut++) {
      expectXdrCode(() => readGfDumpRsp(new XdrReader(good.subarray(0, cut))), 'ERR_XDR_SHORT')
    }
    expectXdrCode(() => readGfDumpRsp(new XdrReader(xdr().u64(0).i32(0).i32(0).bool(true).string('x').u64(2n ** 60n).u64(1).bool(false).bytes())), 'ERR_XDR_VALUE')
    expectXdrCode(() => readGfDumpRsp(new XdrReader(xdr().u64(0).i32(0).i32(0).u32(2).bytes())), 'ERR_XDR_VALUE')
    expectXdrCode(() => readGfDumpRsp(new XdrReader(xdr().u64(0).i32(0).i32(0).bool(true).u32(2000).zeros(2000).u64(1).u64(1).bool(false).bytes())), 'ERR_XDR_LENGTH')
  })

  it('reads the PING reply (gf_common_rsp)', () => {
    const r = new XdrReader(Buffer.alloc(12))
    expect(readGfCommonRsp(r)).toEqual({ opRet: 0, opErrno: 0 })
    expect(r.remaining).toBe(0)
    expect(readGfCommonRsp(new XdrReader(xdr().i32(-1).i32(116).opaque(Buffer.alloc(5)).bytes()))).toEqual({ opRet: -1, opErrno: 116 })
  })
})

describe('Portmap program', () => {
  it('has the GlusterFS numbers', () => {
    expect(PORTMAP_PROGRAM).toMatchObject({ number: 34123456, version: 1 })
    expect(PORTMAP_PROGRAM.procedures[PortmapProc.PORTBYBRICK]).toBe('PORTBYBRICK')
  })

  it('writes PORTBYBRICK with the brick path as a string', () => {
    expect(encoded((w) => writePmapPortByBrickReq(w, '/bricks/b1'))).toEqual(hex(`0000000a ${ascii('/bricks/b1')} 0000`))
  })

  it('reads PORTBYBRICK replies, found and not running', () => {
    expect(readPmapPortByBrickRsp(new XdrReader(xdr().i32(0).i32(0).i32(0).i32(49152).bytes()))).toEqual({ opRet: 0, opErrno: 0, status: 0, port: 49152 })
    expect(readPmapPortByBrickRsp(new XdrReader(xdr().i32(-1).i32(0).i32(0).i32(0).bytes()))).toEqual({ opRet: -1, opErrno: 0, status: 0, port: 0 })
    expectXdrCode(() => readPmapPortByBrickRsp(new XdrReader(xdr().i32(0).i32(0).i32(0).bytes())), 'ERR_XDR_SHORT')
  })
})

describe('Callback program', () => {
  it('has the GlusterFS numbers', () => {
    expect(CALLBACK_PROGRAM_NUMBER).toBe(52743234)
    expect(CallbackProc).toMatchObject({ FETCHSPEC: 1, CACHE_INVALIDATION: 5, CHILD_UP: 6, CHILD_DOWN: 7 })
  })
})
