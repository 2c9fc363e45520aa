import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain, one per clinic: every entry carries `prev`, the hash of the entry
 * before it, and `hash`, SHA-256 over `prev` and its own fields as stored. Changing an entry breaks
 * its own hash; removing or inserting one breaks the next entry's `prev`; removing the newest ones
 * leaves the last entry short of the head the log keeps beside the stream. Pure, so a SIEM or the
 * command line checks an export the same way the gateway would.
 */

/** `prev` of the first entry ever written. */
export const GENESIS = '0'.repeat(64);

/** The fields an entry is stored with, as strings, the same ones the hash covers. */
export interface ChainedFields {
  at: string;
  actor: string;
  action: string;
  msgId?: string | undefined;
  service?: string | undefined;
  outcome?: string | undefined;
  /** `details` as the JSON text stored */
  details?: string | undefined;
}

export function entryHash(prev: string, f: ChainedFields): string {
  const body = JSON.stringify([f.at, f.actor, f.action, f.msgId ?? '', f.service ?? '', f.outcome ?? '', f.details ?? '']);
  return createHash('sha256').update(`${prev}\n${body}`).digest('hex');
}

/** An exported entry as the chain check reads it (details as the object the export shows). */
export interface ExportedEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  msgId?: string;
  service?: string;
  outcome?: string;
  details?: Record<string, unknown>;
  prev?: string;
  hash?: string;
}

export type BrokenLinkReason = 'entry-changed' | 'entry-missing-before' | 'unchained' | 'newest-missing';

export interface ChainReport {
  ok: boolean;
  /** entries checked, entries before the chain began (written before the upgrade) */
  checked: number;
  unchained: number;
  first?: string;
  last?: string;
  brokenAt?: { id: string; at: string; action: string; reason: BrokenLinkReason; message: string };
}

const WORDS: Record<BrokenLinkReason, string> = {
  'entry-changed': "the entry's fields do not give its hash: it was changed after it was written",
  'entry-missing-before': 'its prev is not the hash of the entry before it: an entry before it was removed or inserted',
  unchained: 'an entry without a hash after the chain began: written or replaced outside the gateway',
  'newest-missing': 'the last entry is not the head the gateway recorded: the newest entries were removed',
};

/**
 * Checks entries in stream order, one at a time (an export of a year need not be held at once).
 * The first chained entry is taken on trust for its `prev` (older entries may have gone by
 * retention, or the check starts at `--since`); every later link must hold. `finish(head)`: the
 * last entry must be the head the gateway recorded.
 */
export class ChainCheck {
  private readonly report: ChainReport = { ok: true, checked: 0, unchained: 0 };
  private previous: string | undefined;
  private lastEntry: ExportedEntry | undefined;

  /** Takes the next entry; false once a link is broken (the report names it). */
  add(e: ExportedEntry): boolean {
    if (!this.report.ok) return false;
    this.lastEntry = e;
    if (!e.hash || !e.prev) {
      if (this.previous !== undefined) return this.broken(e, 'unchained');
      this.report.unchained++;
      return true;
    }
    const fields: ChainedFields = {
      at: e.at,
      actor: e.actor,
      action: e.action,
      msgId: e.msgId,
      service: e.service,
      outcome: e.outcome,
      details: e.details ? JSON.stringify(e.details) : undefined,
    };
    if (entryHash(e.prev, fields) !== e.hash) return this.broken(e, 'entry-changed');
    if (this.previous !== undefined && e.prev !== this.previous) return this.broken(e, 'entry-missing-before');
    this.previous = e.hash;
    this.report.first ??= e.id;
    this.report.checked++;
    this.report.last = e.id;
    return true;
  }

  finish(head?: string): ChainReport {
    if (this.report.ok && head && head !== GENESIS && this.lastEntry && this.previous !== head) this.broken(this.lastEntry, 'newest-missing');
    return this.report;
  }

  private broken(e: ExportedEntry, reason: BrokenLinkReason): false {
    this.report.ok = false;
    this.report.brokenAt = { id: e.id, at: e.at, action: e.action, reason, message: WORDS[reason] };
    return false;
  }
}

export function verifyChain(entries: Iterable<ExportedEntry>, head?: string): ChainReport {
  const check = new ChainCheck();
  for (const e of entries) if (!check.add(e)) break;
  return check.finish(head);
}
