import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../errors.js';

/**
 * BullMQ stores job data in Redis in clear text, and messages carry patient data. Every job field
 * that holds a business document or patient fields is sealed with AES-256-GCM before it reaches
 * Redis. The envelope names its key, so keys can be rotated: the first key seals, every listed key
 * opens. The MsgId is bound as additional data, so a sealed payload cannot be moved to another
 * message unnoticed.
 */

export interface JobKey {
  id: string;
  key: Buffer;
}

export interface SealedPayload {
  /** envelope version */
  v: 1;
  /** key id */
  k: string;
  iv: string;
  ct: string;
  tag: string;
}

export class JobCrypto {
  private readonly byId: Map<string, Buffer>;
  private readonly current: JobKey;

  constructor(keys: JobKey[]) {
    if (keys.length === 0) throw new GatewayError('JOB_KEY_INVALID', '(no key given)');
    for (const k of keys) {
      if (k.key.length !== 32) throw new GatewayError('JOB_KEY_INVALID', `(key ${k.id} is not 32 bytes)`);
    }
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(value: unknown, msgId: string): SealedPayload {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(msgId, 'utf8'));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { v: 1, k: this.current.id, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  /**
   * A keyed hash that stands for a person in Redis (to order their messages) without naming them.
   * It follows the current key, so after a rotation only messages already in flight lose their order.
   */
  pseudonym(value: string): string {
    return createHmac('sha256', this.current.key).update(`pseudonym:${value}`).digest('base64url').slice(0, 22);
  }

  /** The pseudonym under every key this gateway holds: a person's messages from before a key rotation are found too. */
  pseudonyms(value: string): string[] {
    return [...new Set([...this.byId.values()].map((key) => createHmac('sha256', key).update(`pseudonym:${value}`).digest('base64url').slice(0, 22)))];
  }

  open<T>(sealed: SealedPayload, msgId: string): T {
    const key = this.byId.get(sealed.k);
    if (!key) throw new GatewayError('JOB_KEY_UNKNOWN', `(key id ${sealed.k})`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(msgId, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const clear = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
      return JSON.parse(clear.toString('utf8')) as T;
    } catch {
      throw new GatewayError('JOB_PAYLOAD_TAMPERED');
    }
  }
}

/** `id:base64key,id:base64key` — the first seals, all open. */
export function parseJobKeys(setting: string): JobKey[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf(':');
      const id = pair.slice(0, i);
      const key = Buffer.from(pair.slice(i + 1), 'base64');
      if (i <= 0 || key.length !== 32) throw new GatewayError('JOB_KEY_INVALID', '(expected id:base64 of 32 bytes)');
      return { id, key };
    });
}

/** The demo makes its own key once, under DATA_DIR, readable by the gateway's user only. */
export function demoJobKeys(dataDir: string): JobKey[] {
  const file = path.resolve(dataDir, 'keys', 'job-keys');
  const read = () => parseJobKeys(readFileSync(file, 'utf8'));
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const setting = `demo-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}`;
  try {
    writeFileSync(file, setting, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // another gateway process of this demo made it first
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return read();
  }
  return parseJobKeys(setting);
}
