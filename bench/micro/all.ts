/**
 * Every micro benchmark, one after another: npx tsx bench/micro/all.ts
 * (Each file also runs alone. Imports are awaited in turn so runs never overlap.)
 */
const FILES = [
  'xdr-write-gfx-write-req.ts', 'xdr-read-gfx-read-rsp.ts', 'rpc-record-decoder.ts', 'rpc-round-trip.ts', 'engine-slot-loop.ts',
]

console.log(`Node ${process.version}; median time per operation over timed batches after warm-up`)
for (const f of FILES) await import(`./${f}`)
