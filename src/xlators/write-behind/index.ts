import { OptionError } from '../options.ts'
import { Xlator, type XlatorDescriptor } from '../xlator.ts'
import { WRITE_BEHIND_OPTIONS, WriteBehind, type WriteBehindConfig } from './write-behind.ts'

/**
 * performance/write-behind; with `pass-through` on, a plain pass-through xlator. Throws
 * OptionError when aggregate-size exceeds the window.
 */
export const writeBehind: XlatorDescriptor<WriteBehindConfig> = {
  type: WriteBehind.type,
  options: WRITE_BEHIND_OPTIONS,
  create(init) {
    const config = init.options
    if (config.aggregateBytes > config.windowBytes) {
      throw new OptionError(init.name, 'aggregate-size', `${config.aggregateBytes} bytes is more than the window (cache-size ${config.windowBytes})`)
    }
    return config.passThrough ? new Xlator(init) : new WriteBehind(init)
  },
}
