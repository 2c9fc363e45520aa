import { MshClient } from '../../adapters/transport/msh-client.js';
import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import type { TokenSource } from './helseid.js';

/** NHN's message service as the settings describe it, reached with the clinic's HelseID tokens; it moves bytes only. */
export function buildTransport(deps: { config: Config; mshUrl: string; tokens: TokenSource; logger: Logger }): MshClient {
  return new MshClient({ baseUrl: deps.mshUrl, timeoutMs: deps.config.MSH_TIMEOUT_MS, auth: deps.tokens, logger: deps.logger });
}
