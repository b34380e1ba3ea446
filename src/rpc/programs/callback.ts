/** GlusterFS Callback program: CALLs the server sends to the client (protocol-common.h gf_cbk_procnum). */
export const CALLBACK_PROGRAM_NUMBER = 52743234
export const CallbackProc = {
  NULL: 0,
  FETCHSPEC: 1,
  INO_FLUSH: 2,
  EVENT_NOTIFY: 3,
  GET_SNAPS: 4,
  CACHE_INVALIDATION: 5,
  CHILD_UP: 6,
  CHILD_DOWN: 7,
  RECALL_LEASE: 8,
  STATEDUMP: 9,
  INODELK_CONTENTION: 10,
  ENTRYLK_CONTENTION: 11,
} as const
