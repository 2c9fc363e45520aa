import path from 'node:path';
import type { Clinic } from './clinic.js';

/**
 * What no two clinics may share: a HER-id (a message for it would have two owners), an EPJ token
 * (a token reaches exactly one clinic's messages) and an EPJ folder (one clinic's EPJ would read
 * another's messages). Checked over the whole fleet, for the clinics file at start and for a clinic
 * added at run time alike.
 */

export interface FleetConflict {
  code: 'her-id-taken' | 'token-taken' | 'folder-shared';
  /** the clinic that conflicts with one before it (or with itself) */
  index: number;
  /** the field in the clinics file's terms, e.g. `epj.tokens[1].token` */
  field: string;
  message: string;
}

const label = (c: Clinic) => `clinic ${c.herId} (${c.name})`;

/** The EPJ folders a clinic uses, defaults as compose/epj.ts takes them: the outbox always (answers are picked up from it), the inbox with folder delivery. */
function foldersOf(c: Clinic): { field: string; dir: string; what: string }[] {
  const { EPJ_DELIVERY, EPJ_INBOX_DIR, EPJ_OUTBOX_DIR, DATA_DIR } = c.settings;
  const outbox = { field: 'epj.outboxDir', dir: path.resolve(EPJ_OUTBOX_DIR ?? path.join(DATA_DIR, 'epj', 'outbox')), what: 'outbox' };
  if (EPJ_DELIVERY !== 'folder') return [outbox];
  return [{ field: 'epj.inboxDir', dir: path.resolve(EPJ_INBOX_DIR ?? path.join(DATA_DIR, 'epj', 'inbox')), what: 'inbox' }, outbox];
}

const within = (outer: string, inner: string) => {
  const rel = path.relative(outer, inner);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** How folder `dir` meets `other`: the same, inside it, or around it (a watcher of the outer one would see the inner one's files). */
function meeting(dir: string, other: string): string | undefined {
  if (dir === other) return 'is also';
  if (within(other, dir)) return 'lies inside';
  if (within(dir, other)) return 'contains';
  return undefined;
}

/** The first conflict, in the order the clinics are given; undefined when the fleet is consistent. */
export function findFleetConflict(clinics: readonly Clinic[]): FleetConflict | undefined {
  const herIds = new Map<string, Clinic>();
  const tokens = new Map<string, { clinic: Clinic; client: string }>();
  const folders: { clinic: Clinic; dir: string; what: string }[] = [];

  for (const [index, clinic] of clinics.entries()) {
    const own = [{ field: 'herId', id: clinic.herId }, ...clinic.subHerIds.map((id, i) => ({ field: `subHerIds[${i}]`, id }))];
    for (const { field, id } of own) {
      const holder = herIds.get(id);
      if (holder) {
        const whose = holder === clinic ? 'this clinic' : label(holder);
        return { code: 'her-id-taken', index, field, message: `HER-id ${id} is already served by ${whose}; a HER-id belongs to one clinic` };
      }
      herIds.set(id, clinic);
    }

    for (const [i, t] of clinic.settings.EPJ_TOKENS.entries()) {
      const holder = tokens.get(t.token);
      if (holder) {
        const whose = holder.clinic === clinic ? `this clinic's client ${holder.client}` : `${label(holder.clinic)}, client ${holder.client}`;
        return {
          code: 'token-taken',
          index,
          field: `epj.tokens[${i}].token`,
          message: `the same token as ${whose}; each EPJ token belongs to one client of one clinic`,
        };
      }
      tokens.set(t.token, { clinic, client: t.client });
    }

    for (const f of foldersOf(clinic)) {
      for (const other of folders) {
        const how = meeting(f.dir, other.dir);
        if (!how) continue;
        const whose = other.clinic === clinic ? `this clinic's ${other.what}` : `the ${other.what} of ${label(other.clinic)}`;
        return { code: 'folder-shared', index, field: f.field, message: `${f.dir} ${how} ${whose} (${other.dir}); each EPJ folder belongs to one clinic` };
      }
      folders.push({ clinic, ...f });
    }
  }
  return undefined;
}
