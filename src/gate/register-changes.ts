import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { nhnNoticeOfRegisterChange } from '../notify/templates.js';
import type { RegisterChange, RegisterEntry } from '../registry/own-entry-audit.js';
import { NHN_CUSTOMER_CENTRE } from './announce.js';
import type { Notifier } from './notifier.js';

/**
 * The clinic's own address-register entry changed (HER-id, organisation number, name, contact
 * person, certificates, services): its people are told once per change, and a notice for NHN's
 * customer centre goes to the IT operations provider, who forwards it (NHN's terms: the office tells
 * NHN when it updates its entry, through its provider). The entry last seen is kept per clinic in
 * Redis and swapped atomically, so one process tells each change, and a restart tells nothing anew;
 * the first entry seen is only recorded.
 */

const FIELDS: (keyof RegisterEntry)[] = ['herId', 'orgNumber', 'name', 'contactPerson', 'signingCertificate', 'encryptionCertificate', 'services'];

export function changesOf(before: Partial<RegisterEntry>, after: RegisterEntry): RegisterChange[] {
  return FIELDS.filter((f) => before[f] !== after[f]).map((field) => ({ field, before: before[field] ?? 'none', after: after[field] }));
}

export async function announceRegisterChange(
  deps: {
    redis: Redis;
    /** where the entry last seen is kept (redisKeys(prefix).registerEntrySeen) */
    key: string;
    notifier: Pick<Notifier, 'notify'>;
    clinic: { herId: string; orgNumber: string; name: string };
    now?: () => Date;
  },
  entry: RegisterEntry,
): Promise<RegisterChange[]> {
  const json = JSON.stringify(entry);
  const previous = await deps.redis.set(deps.key, json, 'GET');
  if (previous === null || previous === json) return [];
  const changes = changesOf(JSON.parse(previous) as Partial<RegisterEntry>, entry);
  if (changes.length === 0) return [];
  const at = (deps.now?.() ?? new Date()).toISOString();
  const id = `${createHash('sha256').update(`${previous}>${json}`).digest('hex').slice(0, 16)}:${at}`;
  const listed = changes.map((c) => `${c.field}: ${c.before} -> ${c.after}`).join('; ');
  await deps.notifier.notify({
    id: `register-changed:${id}`,
    kind: 'register-changed',
    title: `The address-register entry of ${deps.clinic.name} changed`,
    text: listed,
    clinic: deps.clinic,
    details: { changes },
    at,
  });
  await deps.notifier.notify({
    id: `nhn-notice:register-changed:${id}`,
    kind: 'nhn-notice',
    title: `Notice for NHN: the address-register entry of ${deps.clinic.name} changed`,
    text: nhnNoticeOfRegisterChange(deps.clinic, at, changes),
    clinic: deps.clinic,
    details: { about: 'register-changed', customerCentre: NHN_CUSTOMER_CENTRE, changes },
    at,
  });
  return changes;
}
