import type { RequestHandler } from 'express';
import { bearerAuth } from './auth.js';

/** Authentication of the operations API and dashboard: the operator token as a bearer header. */
export function opsAuth(opsToken: string): RequestHandler {
  return bearerAuth([{ client: 'operator', token: opsToken }]);
}
