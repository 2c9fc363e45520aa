import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisTarget } from '../../src/infra/redis.js';
import { freePort, pingRedis } from '../../src/infra/supervised-redis.js';
import { eventually } from './eventually.js';

/**
 * A throwaway Sentinel-monitored Redis: one primary, one replica and three sentinels (quorum 2),
 * each on a free loopback port, all under one temp dir. Debian's `redis-sentinel` runs the
 * sentinels. Failure detection is cut to about a second so a fail-over fits in a test; every
 * process is SIGKILLed by stop(), and by the process exit hook if a test dies before its `after`.
 */

export const SENTINEL_BIN = 'redis-sentinel';

export function sentinelAvailable(): boolean {
  return spawnSync(SENTINEL_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

interface Node {
  name: string;
  port: number;
  child: ChildProcess;
  output: string[];
}

export interface SentinelGroup {
  name: string;
  target: Extract<RedisTarget, { kind: 'sentinel' }>;
  primaryPort: number;
  replicaPort: number;
  /** the primary's address as the first sentinel that answers names it */
  currentPrimaryPort(): Promise<number | undefined>;
  /** SIGKILL: no shutdown, no last write to the replica */
  killPrimary(): void;
  /** the last lines every process printed, for a failure message */
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function launch(name: string, port: number, bin: string, args: string[]): Node {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const output: string[] = [];
  const keep = (d: Buffer) => {
    output.push(...d.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 15));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, port, child, output };
}

async function ask<T>(port: number, command: (r: Redis) => Promise<T>): Promise<T | undefined> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await command(r);
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

export async function startSentinelGroup(options: { name?: string; downAfterMs?: number; failoverTimeoutMs?: number } = {}): Promise<SentinelGroup> {
  const name = options.name ?? 'mymaster';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-test-sentinel-'));
  const nodes: Node[] = [];
  const stop = async () => {
    await Promise.all(
      nodes.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  const output = () => nodes.map((n) => `--- ${n.name} (${n.port})\n${n.output.join('\n')}`).join('\n');

  try {
    const server = async (role: string, extra: string[]) => {
      const port = await freePort();
      const home = path.join(dir, role);
      mkdirSync(home);
      const node = launch(role, port, 'redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        home,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extra,
      ]);
      nodes.push(node);
      await eventually(() => pingRedis(port), 5_000, `the ${role} redis-server to start`);
      return port;
    };
    const primaryPort = await server('primary', []);
    const replicaPort = await server('replica', ['--replicaof', '127.0.0.1', String(primaryPort)]);
    await eventually(
      () => ask(replicaPort, async (r) => (await r.info('replication')).includes('master_link_status:up')),
      10_000,
      'the replica to sync with the primary',
    );

    const sentinels: { host: string; port: number }[] = [];
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      const home = path.join(dir, `sentinel-${i}`);
      mkdirSync(home);
      const conf = path.join(home, 'sentinel.conf');
      // Sentinel rewrites its own file (known peers, the new primary after a fail-over): one each.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${home}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5_000}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      nodes.push(launch(`sentinel-${i}`, port, SENTINEL_BIN, [conf]));
      sentinels.push({ host: '127.0.0.1', port });
    }
    // A fail-over needs each sentinel to know the replica and its two peers (hello messages every 2 s).
    for (const s of sentinels) {
      await eventually(
        () =>
          ask(s.port, async (r) => {
            const replicas = (await r.call('SENTINEL', 'REPLICAS', name)) as unknown[];
            const peers = (await r.call('SENTINEL', 'SENTINELS', name)) as unknown[];
            return replicas.length === 1 && peers.length === 2;
          }),
        15_000,
        () => `sentinel ${s.port} to know the replica and its two peers\n${output()}`,
        100,
      );
    }

    return {
      name,
      target: { kind: 'sentinel', sentinels, name },
      primaryPort,
      replicaPort,
      async currentPrimaryPort() {
        for (const s of sentinels) {
          const addr = await ask(s.port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as Promise<[string, string] | null>);
          if (addr) return Number(addr[1]);
        }
        return undefined;
      },
      killPrimary() {
        nodes.find((n) => n.name === 'primary')!.child.kill('SIGKILL');
      },
      output,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
