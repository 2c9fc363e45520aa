import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FolderOutbox } from '../../../adapters/epj/folder-outbox.js';
import { createLogger } from '../../../src/logging.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * Found by `npm run chaos` (two replicas watching one outbox, Redis killed, done/ unwritable): an
 * answer the gateway had taken went to error/ as "could not be processed" when done/ could not be
 * written; one that met Redis down was refused for good; and a file the other replica took first
 * ended the scan with ENOENT. Now: taken but not movable stays (taken again under the same MsgId),
 * Redis down waits, a file gone is left to whoever took it.
 */
describe('FolderOutbox under faults', () => {
  const logger = createLogger('silent');

  it('leaves a taken file in place while done/ cannot be written, and moves it once it can', async () => {
    const dir = tempDir('outbox');
    writeFileSync(path.join(dir, 'a.xml'), '<MsgHead/>');
    writeFileSync(path.join(dir, 'done'), 'a file in the way of the folder');
    const taken: string[] = [];
    const outbox = new FolderOutbox(dir, async (xml) => void taken.push(xml), logger);
    assert.deepEqual(await outbox.scanOnce(), { 'a.xml': 'waiting' });
    assert.ok(existsSync(path.join(dir, 'a.xml')), 'still in the outbox');
    assert.ok(!existsSync(path.join(dir, 'error')), 'not refused');
    rmSync(path.join(dir, 'done'));
    assert.deepEqual(await outbox.scanOnce(), { 'a.xml': 'done' });
    assert.deepEqual(readdirSync(path.join(dir, 'done')), ['a.xml']);
    assert.equal(taken.length, 2, 'taken again, under the same MsgId: the gateway answers created: false');
  });

  it('keeps a file while Redis is down, as for REDIS_UNAVAILABLE', async () => {
    const dir = tempDir('outbox');
    writeFileSync(path.join(dir, 'b.xml'), '<MsgHead/>');
    let down = true;
    const outbox = new FolderOutbox(
      dir,
      async () => {
        if (down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      },
      logger,
    );
    assert.deepEqual(await outbox.scanOnce(), { 'b.xml': 'waiting' });
    assert.ok(existsSync(path.join(dir, 'b.xml')));
    down = false;
    assert.deepEqual(await outbox.scanOnce(), { 'b.xml': 'done' });
  });

  it('leaves a file another replica took first to it, and goes on with the rest', async () => {
    const dir = tempDir('outbox');
    mkdirSync(path.join(dir, 'done'));
    writeFileSync(path.join(dir, 'c.xml'), '<MsgHead/>');
    writeFileSync(path.join(dir, 'd.xml'), '<MsgHead/>');
    // the other replica moves c.xml while this one submits it
    const outbox = new FolderOutbox(
      dir,
      async (_xml) => {
        if (existsSync(path.join(dir, 'c.xml')) && !existsSync(path.join(dir, 'done', 'c.xml'))) {
          writeFileSync(path.join(dir, 'done', 'c.xml'), '<MsgHead/>');
          rmSync(path.join(dir, 'c.xml'));
        }
      },
      logger,
    );
    const outcome = await outbox.scanOnce();
    assert.equal(outcome['d.xml'], 'done');
    assert.ok(!existsSync(path.join(dir, 'error')), 'nothing refused');
    assert.deepEqual(readdirSync(path.join(dir, 'done')).sort(), ['c.xml', 'd.xml']);
  });
});
