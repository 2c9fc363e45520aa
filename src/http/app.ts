import express, { Router, type Express } from 'express';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import { bearerAuth, type ClientToken } from './auth.js';
import { opsAuth } from './ops-auth.js';
import type { OperatorDirectory } from '../operators/operator-directory.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRouter, type HealthDeps } from './health.js';
import { requestContext } from './request-context.js';
import { openApiRouter } from './openapi.js';
import { PRODUCT_VERSION } from '../version.js';

export interface AppDeps extends HealthDeps {
  config: Pick<Config, 'OPS_TOKEN' | 'HTTP_MAX_BODY_BYTES'>;
  /** every EPJ client's token, each with the clinic it belongs to */
  epjTokens: readonly ClientToken[] | (() => readonly ClientToken[]);
  logger: Logger;
  /** the operator accounts the operations API and dashboard authenticate against */
  operators: OperatorDirectory;
  /** routers mounted under /v1 behind the EPJ token */
  epjRoutes?: Router[];
  /** routers mounted under /ops behind an operator account; each declares the role it needs */
  opsRoutes?: Router[];
  /** routers mounted under /ops before authentication (the dashboard's login page and assets) */
  opsPublicRoutes?: Router[];
}

/**
 * The gateway's HTTP face: open health endpoints, the EPJ API under /v1 (a bearer token per EPJ
 * client) and the operations API under /ops (named operator accounts, each route its role). Nothing else is reachable.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext(deps.logger));
  app.use(healthRouter(deps));
  app.use(openApiRouter(PRODUCT_VERSION));
  app.use((_req, res, next) => {
    if (!deps.isShuttingDown()) return next();
    res.setHeader('Connection', 'close');
    next(new GatewayError('SHUTTING_DOWN'));
  });

  const limit = deps.config.HTTP_MAX_BODY_BYTES;
  const epj = Router();
  epj.use(bearerAuth(deps.epjTokens));
  epj.use(express.json({ limit }));
  epj.use(express.text({ type: ['application/xml', 'text/xml'], limit }));
  epj.get('/whoami', (_req, res) => {
    res.json({ client: res.locals.client as unknown });
  });
  for (const r of deps.epjRoutes ?? []) epj.use(r);
  app.use('/v1', epj);

  const ops = Router();
  for (const r of deps.opsPublicRoutes ?? []) ops.use(r);
  ops.use(opsAuth(deps.operators, deps.config.OPS_TOKEN));
  ops.use(express.json({ limit: '1mb' }));
  for (const r of deps.opsRoutes ?? []) ops.use(r);
  app.use('/ops', ops);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
