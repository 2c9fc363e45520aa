import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  CodedValue,
  CommunicationParty,
  CommunicationPartyType,
  ElectronicAddress,
  Organization,
  OrganizationPerson,
  Period,
  RegisterCertificate,
  RegisteredService,
} from '../../src/ports/address-register.js';

/**
 * The stand-in's register: entries as JSON, one per HER-id, changed at run time with JSON Merge
 * Patch (RFC 7396: objects merge, arrays replace, null removes). Certificates are named by a path
 * (relative to the project, or absolute) or given as PEM text, and read at answer time, so a
 * swapped file is what the next lookup sees.
 */

export interface StandInEntry {
  herId: string;
  type: CommunicationPartyType;
  name: string;
  displayName?: string;
  active?: boolean;
  isValid?: boolean;
  valid?: Period;
  parentHerId?: string;
  parentName?: string;
  parentOrganizationNumber?: string;
  electronicAddresses?: ElectronicAddress[];
  /** Person entries: their title; Service entries: their code */
  title?: string;
  code?: CodedValue;
  /** Organization entries */
  organizationNumber?: string;
  people?: OrganizationPerson[];
  services?: RegisteredService[];
  certificates?: { signing?: string; encryption?: string };
}

export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const SAMPLE_REGISTER_FILE = fileURLToPath(new URL('./sample-register.json', import.meta.url));

export function loadRegisterFile(file: string = SAMPLE_REGISTER_FILE): Map<string, StandInEntry> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: StandInEntry[] };
  if (!Array.isArray(parsed.entries)) throw new Error(`${file}: expected {"entries": [...]}`);
  return new Map(parsed.entries.map((e) => [String(e.herId), checkEntry({ ...e, herId: String(e.herId) })]));
}

const TYPES: readonly string[] = ['None', 'Person', 'Organization', 'Service', 'All'];

/** Refuses an entry the SOAP answers could not be built from; the message says which field. */
export function checkEntry(entry: StandInEntry): StandInEntry {
  if (!entry || typeof entry !== 'object') throw new Error('an entry is a JSON object');
  if (!/^\d{1,9}$/.test(String(entry.herId))) throw new Error('herId: a HER-id of digits');
  if (!TYPES.includes(entry.type)) throw new Error(`type: one of ${TYPES.join(', ')}`);
  if (typeof entry.name !== 'string') throw new Error('name: text');
  if (entry.organizationNumber !== undefined && !/^\d{1,9}$/.test(String(entry.organizationNumber))) throw new Error('organizationNumber: up to nine digits');
  for (const list of ['people', 'services', 'electronicAddresses'] as const) {
    if (entry[list] !== undefined && !Array.isArray(entry[list])) throw new Error(`${list}: a list`);
  }
  return entry;
}

/** RFC 7396 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function certificateOf(entry: StandInEntry, use: 'signing' | 'encryption', baseDir: string = PROJECT_DIR): RegisterCertificate | undefined {
  const ref = entry.certificates?.[use];
  if (!ref) return undefined;
  const pem = ref.includes('-----BEGIN') ? ref : readFileSync(path.resolve(baseDir, ref), 'utf8');
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!block) throw new Error(`certificates.${use} of ${entry.herId} is not a PEM certificate`);
  return { pem: `${block[0]}\n`, ldapUrl: `ldap://ldap.stand-in.test/herId=${entry.herId},${use}` };
}

export function partyOf(entry: StandInEntry): CommunicationParty {
  return {
    herId: entry.herId,
    name: entry.name,
    ...(entry.displayName !== undefined ? { displayName: entry.displayName } : {}),
    type: entry.type,
    active: entry.active ?? true,
    isValid: entry.isValid ?? true,
    ...(entry.valid ? { valid: entry.valid } : {}),
    ...(entry.parentHerId !== undefined ? { parentHerId: String(entry.parentHerId) } : {}),
    ...(entry.parentName !== undefined ? { parentName: entry.parentName } : {}),
    ...(entry.parentOrganizationNumber !== undefined ? { parentOrganizationNumber: String(entry.parentOrganizationNumber) } : {}),
    electronicAddresses: entry.electronicAddresses ?? [],
  };
}

export function organizationOf(entry: StandInEntry): Organization {
  return {
    ...partyOf(entry),
    ...(entry.organizationNumber !== undefined ? { organizationNumber: String(entry.organizationNumber) } : {}),
    people: entry.people ?? [],
    services: entry.services ?? [],
  };
}
