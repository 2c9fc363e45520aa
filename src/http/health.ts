import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

/** What /readyz reports besides Redis; later parts (service gate, schemas) plug in here. */
export interface ReadinessReport {
  ready: boolean;
  [part: string]: unknown;
}

export interface ReadinessSource {
  name: string;
  report(): Promise<ReadinessReport> | ReadinessReport;
}

export interface HealthDeps {
  redis: Redis;
  registry: Registry;
  sources: ReadinessSource[];
  isShuttingDown: () => boolean;
}

async function redisReport(redis: Redis): Promise<ReadinessReport> {
  try {
    const started = Date.now();
    await redis.ping();
    return { ready: true, status: redis.status, latencyMs: Date.now() - started };
  } catch {
    return { ready: false, status: redis.status };
  }
}

/** /healthz: the process answers. /readyz: it can do its work. /metrics: Prometheus text. */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, ReadinessReport> = { redis: await redisReport(deps.redis) };
    for (const source of deps.sources) checks[source.name] = await source.report();
    const shuttingDown = deps.isShuttingDown();
    const ready = !shuttingDown && Object.values(checks).every((c) => c.ready);
    res.status(ready ? 200 : 503).json({ ready, ...(shuttingDown ? { shuttingDown } : {}), checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
