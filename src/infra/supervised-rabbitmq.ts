import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Logger } from '../logging.js';
import { probe } from './listen.js';
import { freePort, isAlive } from './supervised-redis.js';

const run = promisify(execFile);

/**
 * A RabbitMQ broker (Debian's rabbitmq-server with the AMQP 1.0 plugin) of the gateway's own, for
 * the demo on the service bus (TRANSPORT=amqp without AMQP_URL) and for the tests: everything under
 * one directory (its database, logs, plugin list, configuration and Erlang cookie), on free ports
 * only (AMQP, Erlang distribution, and an epmd of its own), reachable on 127.0.0.1 only. Stopped
 * in order; a broker left by a killed process in the same directory is stopped before a new start.
 */

export interface SupervisedRabbitMqOptions {
  dir: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** rabbitmq-server's start script; default: Debian's under /usr/lib/rabbitmq/bin */
  bin?: string;
  startTimeoutMs?: number;
}

/** What NHN declares for each party on its bus: the four queues, bound by name to the exchange v1 addresses publish to. */
export interface Provisioning {
  exchange: string;
  parties: readonly number[];
}

const KINDS = ['async', 'sync', 'syncreply', 'error', 'dl'] as const;

interface State {
  node: string;
  amqpPort: number;
  distPort: number;
  epmdPort: number;
  user: string;
  password: string;
}

function binDir(bin: string | undefined): string {
  if (bin) return path.dirname(bin);
  return existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin' : '';
}

/** Whether an AMQP 1.0 listener answers the protocol header (SASL layer) on the port. */
export function amqpAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return probe(port, host, timeoutMs, Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]), (d) => d.subarray(0, 4).toString('latin1') === 'AMQP');
}

export class SupervisedRabbitMq {
  readonly host = '127.0.0.1';
  private child: ChildProcess | undefined;
  private state: State | undefined;
  private readonly dir: string;
  private readonly bins: string;
  private readonly recentOutput: string[] = [];

  constructor(private readonly options: SupervisedRabbitMqOptions) {
    this.dir = path.resolve(options.dir);
    this.bins = binDir(options.bin);
  }

  get port(): number {
    return this.state?.amqpPort ?? 0;
  }

  get url(): string {
    if (!this.state) throw new Error('the broker is not started');
    return `amqp://${this.state.user}:${this.state.password}@${this.host}:${this.state.amqpPort}`;
  }

  private command(name: string): string {
    return this.bins ? path.join(this.bins, name) : name;
  }

  private env(s: State): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: path.join(this.dir, 'home'),
      RABBITMQ_NODENAME: s.node,
      RABBITMQ_NODE_IP_ADDRESS: this.host,
      RABBITMQ_NODE_PORT: String(s.amqpPort),
      RABBITMQ_DIST_PORT: String(s.distPort),
      ERL_EPMD_PORT: String(s.epmdPort),
      ERL_EPMD_ADDRESS: this.host,
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq'),
      RABBITMQ_PID_FILE: path.join(this.dir, 'rabbitmq.pid'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(this.dir, 'advanced.config'),
    };
  }

  /** Starts the broker (on the ports of an earlier start in this directory when it has one) and waits for AMQP 1.0. */
  async start(): Promise<void> {
    for (const sub of ['home', 'mnesia', 'log']) mkdirSync(path.join(this.dir, sub), { recursive: true });
    await this.stopLeftover();
    const stateFile = path.join(this.dir, 'broker.json');
    // the node name keeps its database (queues and their messages) from an earlier start in this directory
    const earlier = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : undefined;
    const s: State = this.state ?? {
      node: earlier?.node ?? `epjgw-${randomBytes(4).toString('hex')}@localhost`,
      amqpPort: await freePort(this.host),
      distPort: await freePort(this.host),
      epmdPort: await freePort(this.host),
      user: 'epj-gateway',
      password: earlier?.password ?? randomBytes(12).toString('hex'),
    };
    this.state = s;
    writeFileSync(stateFile, JSON.stringify(s), { mode: 0o600 });
    writeFileSync(path.join(this.dir, 'enabled_plugins'), '[rabbitmq_amqp1_0].\n');
    writeFileSync(
      path.join(this.dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.default = ${this.host}:${s.amqpPort}`,
        `default_user = ${s.user}`,
        `default_pass = ${s.password}`,
        `amqp1_0.default_user = ${s.user}`,
        'loopback_users = none',
        'log.file.level = warning',
        'log.console = false',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(path.join(this.dir, 'advanced.config'), '[].\n');

    const child = spawn(this.command('rabbitmq-server'), [], { env: this.env(s), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.recentOutput.push(...d.toString().split('\n').filter(Boolean));
      if (this.recentOutput.length > 40) this.recentOutput.splice(0, this.recentOutput.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (!(await amqpAnswers(s.amqpPort, this.host))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(`rabbitmq-server did not start (node ${s.node}, port ${s.amqpPort}): ${this.recentOutput.slice(-8).join(' | ')}`);
      }
      await sleep(200);
    }
    this.options.logger?.info({ port: s.amqpPort, dir: this.dir }, 'supervised rabbitmq-server started');
  }

  private async ctl(args: string[]): Promise<string> {
    const s = this.state!;
    const { stdout } = await run(this.command('rabbitmqctl'), ['-n', s.node, ...args], { env: this.env(s), timeout: 60_000 });
    return stdout;
  }

  /**
   * Declares each party's queues (`<HER-id>_async`, `_sync`, `_syncreply`, `_error`, `_dl`), durable, and the
   * exchange v1 addresses publish to, each queue bound to it by its own name; waits until they exist.
   */
  async provision(p: Provisioning): Promise<void> {
    const queues = [...new Set(p.parties)].flatMap((herId) => KINDS.map((k) => `${herId}_${k}`));
    const definitions = {
      exchanges: [{ name: p.exchange, vhost: '/', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} }],
      queues: queues.map((name) => ({ name, vhost: '/', durable: true, auto_delete: false, arguments: {} })),
      bindings: queues.map((name) => ({ source: p.exchange, vhost: '/', destination: name, destination_type: 'queue', routing_key: name, arguments: {} })),
    };
    const file = path.join(this.dir, `definitions-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(definitions));
    await this.ctl(['import_definitions', file]);
    // the import runs on after the command returns
    const deadline = Date.now() + 30_000;
    for (;;) {
      const listed = new Set((await this.ctl(['list_queues', '-q', 'name'])).split('\n').map((l) => l.trim()));
      if (queues.every((q) => listed.has(q))) return;
      if (Date.now() > deadline) throw new Error(`the broker did not declare the queues within 30 s (${queues.find((q) => !listed.has(q))} missing)`);
      await sleep(200);
    }
  }

  /** Deletes a queue with what it holds (its consumers are cancelled): a queue taken away under the gateway, for tests. */
  async deleteQueue(name: string): Promise<void> {
    await this.ctl(['delete_queue', name]);
  }

  /** Stops the broker in order (rabbitmqctl stop), then its epmd; forced after a deadline. */
  async stop(): Promise<void> {
    const s = this.state;
    if (!s) return;
    const child = this.child;
    await this.ctl(['stop']).catch(() => undefined);
    if (child && child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) this.killGroup(child.pid, 'SIGKILL');
    }
    this.child = undefined;
    await run('epmd', ['-kill'], { env: this.env(s), timeout: 5_000 }).catch(() => undefined);
  }

  /** kill -9 of the broker (its data stays); start() again brings it back on the same port. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const exited = new Promise((r) => child.once('exit', r));
    this.killGroup(child.pid, 'SIGKILL');
    await exited;
    this.child = undefined;
  }

  /**
   * kill -9 of the broker and its epmd at once, synchronously: for a process that is exiting on an
   * error (a benchmark, a test run) and must not leave a detached broker behind.
   */
  abandon(): void {
    const s = this.state;
    if (this.child?.pid && this.child.exitCode === null) this.killGroup(this.child.pid, 'SIGKILL');
    this.child = undefined;
    if (s) spawnSync('epmd', ['-kill'], { env: this.env(s), timeout: 2_000, stdio: 'ignore' });
  }

  private killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** A broker another process started in this directory and did not stop. */
  private async stopLeftover(): Promise<void> {
    if (this.state || this.child) return;
    const stateFile = path.join(this.dir, 'broker.json');
    const pidFile = path.join(this.dir, 'rabbitmq.pid');
    if (!existsSync(stateFile)) return;
    const left = JSON.parse(readFileSync(stateFile, 'utf8')) as State;
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      this.options.logger?.warn({ pid, dir: this.dir }, 'stopping a rabbitmq-server left running in this directory');
      this.state = left;
      await this.stop();
      this.state = undefined;
    }
    // its ports may have gone to others since: a new start takes new ones
  }
}
