import { mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EpjDelivery, EpjDeliveryPort, EpjStatusUpdate } from '../../src/ports/epj-delivery.js';

/**
 * Many EPJ systems read citizen messages from a folder. Each message becomes `<MsgId>.xml` (the
 * document as received) and `<MsgId>.json` (a small sidecar: service, action, ids, who acts for
 * whom). Both are written to a temporary name, flushed to disk and renamed, so the EPJ never reads
 * half a file; the sidecar comes last and marks the pair complete. A message already there is not
 * written again.
 */

export function fileStem(msgId: string): string {
  return msgId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await open(tmp, 'w', 0o640);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export class FolderInbox implements EpjDeliveryPort {
  readonly name = 'folder';

  constructor(private readonly dir: string) {}

  async deliver(m: EpjDelivery): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const stem = fileStem(m.msgId);
    const sidecar = path.join(this.dir, `${stem}.json`);
    if (await exists(sidecar)) return;
    await writeFileAtomic(path.join(this.dir, `${stem}.xml`), m.xml);
    const { xml: _xml, ...meta } = m;
    await writeFileAtomic(sidecar, `${JSON.stringify({ ...meta, xmlFile: `${stem}.xml` }, null, 2)}\n`);
  }

  /** Outcomes of the clinic's own messages go to `status/<MsgId>.json`, apart from citizen messages. */
  async status(update: EpjStatusUpdate): Promise<void> {
    const dir = path.join(this.dir, 'status');
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, `${fileStem(update.msgId)}.json`), `${JSON.stringify(update, null, 2)}\n`);
  }
}
