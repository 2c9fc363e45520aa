import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileStem } from '../../adapters/epj/folder-inbox.js';

/**
 * The files a message leaves in the EPJ folders: in the inbox `<stem>.xml`, `<stem>.json` and
 * `status/<stem>.json` (the folder adapter's names); in the outbox the EPJ names its files, so a
 * message's are found by the MsgId in their content, in the outbox itself, `done/` and `error/`.
 */

export interface EpjFolders {
  /** where citizen messages are written (folder delivery only) */
  inboxDir?: string | undefined;
  outboxDir: string;
}

const ignoreMissing = (err: unknown) => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
};

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(dir, e.name));
  } catch (err) {
    ignoreMissing(err);
    return [];
  }
}

/** Removes the files; answers those that were there. */
export async function removeFiles(files: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const file of files) {
    const there = await stat(file).then(
      () => true,
      () => false,
    );
    if (!there) continue;
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

/** Every file of the folders that belongs to the message (none read outside them). */
export async function filesOfMessage(folders: EpjFolders, msgId: string): Promise<string[]> {
  const found: string[] = [];
  if (folders.inboxDir) {
    const stem = fileStem(msgId);
    found.push(path.join(folders.inboxDir, `${stem}.xml`), path.join(folders.inboxDir, `${stem}.json`), path.join(folders.inboxDir, 'status', `${stem}.json`));
  }
  for (const dir of [folders.outboxDir, path.join(folders.outboxDir, 'done'), path.join(folders.outboxDir, 'error')]) {
    for (const file of await entries(dir)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text.includes(msgId)) {
        found.push(file);
        // a refused file's reason sits beside it and names it, not the MsgId
        if (!file.endsWith('.reason.json')) found.push(`${file}.reason.json`);
      }
    }
  }
  return found;
}

/** Files of `dir` last changed before `before` (ms), dot files (still being written) aside. */
export async function filesOlderThan(dir: string, before: number): Promise<string[]> {
  const old: string[] = [];
  for (const file of await entries(dir)) {
    if (path.basename(file).startsWith('.')) continue;
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs < before) old.push(file);
  }
  return old;
}

/** The MsgId an inbox sidecar names, if it reads as one. */
export async function sidecarMsgId(file: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { msgId?: unknown };
    return typeof parsed.msgId === 'string' ? parsed.msgId : undefined;
  } catch {
    return undefined;
  }
}
