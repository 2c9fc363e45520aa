import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import { probe } from './listen.js';

/**
 * The gateway's own redis-server, for when no REDIS_URL is given: data under DATA_DIR/redis with
 * the append-only file on (fsync every second) and eviction off, because BullMQ loses jobs under
 * eviction. A crashed server is restarted on the same port, so the clients reconnect by themselves;
 * one that keeps crashing is given up on, loudly.
 */

export interface SupervisedRedisOptions {
  dataDir: string;
  bin?: string;
  /** restarts allowed within restartWindowMs before the supervisor gives up */
  maxRestarts?: number;
  restartWindowMs?: number;
  logger?: Logger;
  /**
   * when the append-only file is flushed to disk: everysec (default) loses up to the last second or
   * two of acknowledged writes when redis-server is killed while the disk is slow; always loses none,
   * at the cost of an fsync per round of commands (`npm run chaos` runs with always)
   */
  appendfsync?: 'everysec' | 'always';
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over a plain socket; resolves true on +PONG. */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return probe(port, host, timeoutMs, 'PING\r\n', (d) => d.toString().startsWith('+PONG'));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class SupervisedRedis extends EventEmitter {
  readonly host = '127.0.0.1';
  port = 0;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts: number[] = [];
  private readonly dir: string;
  private readonly pidFile: string;
  private readonly bin: string;
  private readonly recentOutput: string[] = [];

  constructor(private readonly options: SupervisedRedisOptions) {
    super();
    this.dir = path.resolve(options.dataDir, 'redis');
    this.pidFile = path.join(this.dir, 'redis.pid');
    this.bin = options.bin ?? 'redis-server';
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await this.endOrphan();
    this.port = await freePort(this.host);
    await this.spawnOnce();
  }

  /** A gateway killed without shutdown leaves its redis-server running on the same files: end it first. */
  private async endOrphan(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!pid || !isAlive(pid)) return;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      /* not on Linux: trust the pid file */
    }
    if (cmdline && !cmdline.includes('redis')) return;
    this.options.logger?.warn({ pid }, 'ending the redis-server a previous gateway left running');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  /** kill -9 at once, synchronously: for a process exiting on an error that must not leave its redis-server behind. */
  abandon(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private async spawnOnce(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      this.host,
      '--dir',
      this.dir,
      '--pidfile',
      this.pidFile,
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--appendonly',
      'yes',
      '--appendfsync',
      this.options.appendfsync ?? 'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
    ];
    const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.recentOutput.push(...d.toString().split('\n').filter(Boolean));
      this.recentOutput.splice(0, Math.max(0, this.recentOutput.length - 20));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawnError) {
      this.child = undefined;
      if (spawnError.code === 'ENOENT') throw new GatewayError('REDIS_NOT_FOUND', `(${this.bin} is not on PATH)`);
      throw spawnError;
    }
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    for (let i = 0; i < 100; i++) {
      if (await pingRedis(this.port, this.host)) return;
      if (child.exitCode !== null) break;
      await sleep(100);
    }
    throw new GatewayError('REDIS_NOT_FOUND', `(redis-server did not start: ${this.recentOutput.slice(-3).join(' | ')})`);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    const now = Date.now();
    const window = this.options.restartWindowMs ?? 60_000;
    this.restarts = this.restarts.filter((t) => now - t < window);
    this.options.logger?.error({ code, signal }, 'the supervised redis-server stopped unexpectedly');
    if (this.restarts.length >= (this.options.maxRestarts ?? 5)) {
      this.child = undefined;
      this.emit('failed', new Error(`redis-server stopped ${this.restarts.length + 1} times within ${window} ms`));
      return;
    }
    this.restarts.push(now);
    const delay = 200 * 2 ** (this.restarts.length - 1);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnOnce().then(
        () => {
          this.options.logger?.warn({ port: this.port }, 'the supervised redis-server was restarted');
          this.emit('restarted');
        },
        (err: unknown) => this.emit('failed', err),
      );
    }, delay).unref();
  }

  /** SIGTERM lets redis flush the append-only file; SIGKILL only if it will not go. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    rmSync(this.pidFile, { force: true });
  }
}
