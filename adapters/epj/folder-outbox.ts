import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GatewayError, isGatewayError } from '../../src/errors.js';
import { isRedisDown } from '../../src/http/error-handler.js';
import type { Poller } from '../../src/lifecycle.js';
import type { Logger } from '../../src/logging.js';
import { writeFileAtomic } from './folder-inbox.js';

/**
 * Picks up the answers an EPJ drops into its outbox folder (`*.xml`, complete KITH documents).
 * An accepted file moves to `done/`; a refused one to `error/` with `<name>.reason.json` saying
 * why. A `<name>.json` beside `<name>.xml` (written first) may carry `{"confidentialToChild": true}`;
 * it moves with its file. A file that cannot be taken now — its service is closed, Redis is down — stays where it is
 * and is tried again: nothing is lost. So does one taken that cannot be moved to done/ now (the
 * folder unwritable or full): taken again, it is the same MsgId, never a second message. Several
 * replicas may watch one folder: a file another took first is left to it. Files starting with a dot
 * are still being written.
 */

/** What an EPJ may say beside an XML file, in `<name>.json` next to `<name>.xml` (written before it). */
export interface OutboxSidecar {
  /** the clinic's mark that the answer is for the child alone (docs/representation.md) */
  confidentialToChild?: boolean;
}

export type SubmitXml = (xml: string, origin: string, sidecar?: OutboxSidecar) => Promise<unknown>;

/** Faults that a later try can get past; the file stays in the outbox. */
const TRANSIENT = new Set(['GATE_CLOSED', 'REDIS_UNAVAILABLE', 'SHUTTING_DOWN']);

export class FolderOutbox implements Poller {
  readonly name = 'epj-outbox-folder';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private paused = true;

  constructor(
    private readonly dir: string,
    private readonly submit: SubmitXml,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.paused = false;
    const tick = () => {
      if (this.paused) return;
      this.running = this.scanOnce()
        .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'outbox scan failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.paused) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    tick();
  }

  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the folder; returns what became of each file. */
  async scanOnce(): Promise<Record<string, 'done' | 'error' | 'waiting'>> {
    await mkdir(this.dir, { recursive: true });
    const outcome: Record<string, 'done' | 'error' | 'waiting'> = {};
    const files = (await readdir(this.dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.xml') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const file = path.join(this.dir, name);
      let xml: string;
      try {
        xml = await readFile(file, 'utf8');
      } catch (err) {
        // another replica watching the same folder took it first
        if (isGone(err)) continue;
        throw err;
      }
      const sidecarName = `${name.slice(0, -'.xml'.length)}.json`;
      try {
        await this.submit(xml, 'folder', await readSidecar(path.join(this.dir, sidecarName)));
      } catch (err) {
        if ((isGatewayError(err) && TRANSIENT.has(err.code)) || isRedisDown(err)) {
          outcome[name] = 'waiting';
          continue;
        }
        const reason = isGatewayError(err)
          ? { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }
          : { code: 'INTERNAL', message: 'The file could not be processed; operations can find the cause in the log.' };
        if (!isGatewayError(err)) this.logger.error({ file: name, err: String(err) }, 'outbox file failed');
        if (await this.moved('error', name)) {
          await this.moved('error', sidecarName, true);
          await writeFileAtomic(path.join(this.dir, 'error', `${name}.reason.json`), `${JSON.stringify(reason, null, 2)}\n`);
        }
        outcome[name] = 'error';
        continue;
      }
      // Taken: a file that cannot be moved to done/ now (the folder unwritable, full) stays, and is
      // taken again next time under the same MsgId, which the gateway already has: never a second message.
      const done = await this.moved('done', name);
      if (done) await this.moved('done', sidecarName, true);
      outcome[name] = done ? 'done' : 'waiting';
    }
    return outcome;
  }

  /** Moves a file to done/ or error/; false when it cannot be moved now (logged), or another replica moved it first. */
  private async moved(sub: 'done' | 'error', name: string, optional = false): Promise<boolean> {
    if (optional && !existsSync(path.join(this.dir, name))) return false;
    try {
      await mkdir(path.join(this.dir, sub), { recursive: true });
      await rename(path.join(this.dir, name), path.join(this.dir, sub, name));
      return true;
    } catch (err) {
      if (!isGone(err))
        this.logger.warn({ file: name, err: String(err) }, `outbox file taken, but it cannot be moved to ${sub}/ now: it stays and is tried again`);
      return false;
    }
  }
}

function isGone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The sidecar beside an outbox file, if there is one; one that is not the expected JSON refuses the file. */
async function readSidecar(file: string): Promise<OutboxSidecar | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError('EPJ_MESSAGE_INVALID', `(the sidecar ${path.basename(file)} is not JSON)`);
  }
  const mark = (parsed as { confidentialToChild?: unknown } | null)?.confidentialToChild;
  if (typeof parsed !== 'object' || parsed === null || (mark !== undefined && typeof mark !== 'boolean'))
    throw new GatewayError('EPJ_MESSAGE_INVALID', `(the sidecar ${path.basename(file)} must be {"confidentialToChild": true|false})`);
  return mark === undefined ? {} : { confidentialToChild: mark };
}
