import type { XlatorDescriptor } from '../xlator.ts'
import { CLIENT_OPTIONS, type ClientOptions, ProtocolClient } from './client.ts'

/** protocol/client: one brick connection. */
export const client: XlatorDescriptor<ClientOptions> = {
  type: ProtocolClient.type,
  options: CLIENT_OPTIONS,
  create(init) {
    return new ProtocolClient(init)
  },
}
