import type { XlatorDescriptor } from '../xlator.ts'
import { STRIDE_AHEAD_OPTIONS, StrideAhead, type StrideAheadConfig } from './stride-ahead.ts'

/** performance/stride-ahead: never in a glusterd volfile; Glfs puts its section on top when asked. */
export const strideAhead: XlatorDescriptor<StrideAheadConfig> = {
  type: StrideAhead.type,
  options: STRIDE_AHEAD_OPTIONS,
  create(init) {
    return new StrideAhead(init)
  },
}
