import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { freePort, pingRedis } from '../../src/infra/supervised-redis.js';
import { connectRedis, workerConnectionOptions } from '../../src/infra/redis.js';
import { eventually } from './eventually.js';

/**
 * A throwaway redis-server for one test file: its own free port and temp dir, never the demo's.
 * restart() brings it back on the same port, as a Redis failover or crash would look to clients.
 */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startTestRedis(extraArgs: string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-test-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extraArgs], {
      stdio: 'ignore',
    });
    await eventually(() => pingRedis(port), 5_000, 'the test redis-server to start (is redis-server installed?)');
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    kill: () => end('SIGKILL'),
    stop: async () => {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/**
 * Registers before/after hooks for a throwaway Redis and one worker-style connection to it;
 * the returned object is filled in once the hooks have run.
 */
export function useTestRedis(): { server: TestRedis; redis: Redis } {
  const ctx = {} as { server: TestRedis; redis: Redis };
  before(async () => {
    ctx.server = await startTestRedis();
    ctx.redis = await connectRedis(ctx.server.url, workerConnectionOptions());
  });
  after(async () => {
    ctx.redis.disconnect();
    await ctx.server.stop();
  });
  return ctx;
}
