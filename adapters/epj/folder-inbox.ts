import path from 'node:path';
import { writeDurably } from './durable-files.js';
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

/** One file, durably (see writeDurably): the EPJ never reads half of it. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await writeDurably({ dir: path.dirname(file), files: [{ file, content }] });
}

export class FolderInbox implements EpjDeliveryPort {
  readonly name = 'folder';

  constructor(private readonly dir: string) {}

  async deliver(m: EpjDelivery): Promise<void> {
    const stem = fileStem(m.msgId);
    const sidecar = path.join(this.dir, `${stem}.json`);
    const { xml: _xml, ...meta } = m;
    await writeDurably({
      dir: this.dir,
      skipIfExists: sidecar,
      files: [
        { file: path.join(this.dir, `${stem}.xml`), content: m.xml },
        { file: sidecar, content: `${JSON.stringify({ ...meta, xmlFile: `${stem}.xml` }, null, 2)}\n` },
      ],
    });
  }

  /** Outcomes of the clinic's own messages go to `status/<MsgId>.json`, apart from citizen messages. */
  async status(update: EpjStatusUpdate): Promise<void> {
    const dir = path.join(this.dir, 'status');
    await writeFileAtomic(path.join(dir, `${fileStem(update.msgId)}.json`), `${JSON.stringify(update, null, 2)}\n`);
  }
}
