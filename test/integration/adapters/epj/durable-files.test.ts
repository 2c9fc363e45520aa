import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableWriter, writeDurably } from '../../../../adapters/epj/durable-files.js';
import { eventually } from '../../../helpers/eventually.js';

describe('durable file writes (the EPJ folder writer thread)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'epjgw-durable-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every file of many requests at once, whole, with no temporary file left', async () => {
    const inbox = path.join(dir, 'inbox', 'deep');
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        writeDurably({
          dir: inbox,
          files: [
            { file: path.join(inbox, `m${i}.xml`), content: `<m n="${i}">${'æøå'.repeat(i)}</m>` },
            { file: path.join(inbox, `m${i}.json`), content: JSON.stringify({ n: i }) },
          ],
        }),
      ),
    );
    const names = readdirSync(inbox);
    assert.equal(names.length, 600);
    assert.ok(!names.some((n) => n.endsWith('.tmp')));
    assert.equal(readFileSync(path.join(inbox, 'm299.xml'), 'utf8'), `<m n="299">${'æøå'.repeat(299)}</m>`);
    assert.deepEqual(JSON.parse(readFileSync(path.join(inbox, 'm7.json'), 'utf8')), { n: 7 });
  });

  it("names its thread's id in the OS, a thread of this process whose CPU time /proc gives", async function () {
    if (process.platform !== 'linux') this.skip();
    const writer = new DurableWriter();
    assert.equal(writer.osThreadId, undefined, 'no thread before the first request');
    await writer.write({ dir, files: [{ file: path.join(dir, 'a.txt'), content: 'a' }] });
    const tid = writer.osThreadId;
    assert.ok(tid && tid !== process.pid, `a thread of its own: ${tid}`);
    assert.ok(readdirSync(`/proc/${process.pid}/task`).includes(String(tid)));
  });

  it('writes nothing when the file that marks the request done is there already', async () => {
    writeFileSync(path.join(dir, 'm.json'), 'there');
    await writeDurably({
      dir,
      skipIfExists: path.join(dir, 'm.json'),
      files: [
        { file: path.join(dir, 'm.xml'), content: 'new' },
        { file: path.join(dir, 'm.json'), content: 'new' },
      ],
    });
    assert.equal(existsSync(path.join(dir, 'm.xml')), false);
    assert.equal(readFileSync(path.join(dir, 'm.json'), 'utf8'), 'there');
  });

  it('fails one request with the system error, the rest of its round written, and a later file never put in place before an earlier one', async () => {
    // the first file's name is taken by a folder: its rename fails, so the second must not appear
    mkdirSync(path.join(dir, 'bad.xml'));
    const blocked = path.join(dir, 'a-file');
    writeFileSync(blocked, '');
    const results = await Promise.allSettled([
      writeDurably({ dir, files: [{ file: path.join(dir, 'good-1.xml'), content: '1' }] }),
      writeDurably({
        dir,
        files: [
          { file: path.join(dir, 'bad.xml'), content: 'x' },
          { file: path.join(dir, 'bad.json'), content: 'y' },
        ],
      }),
      writeDurably({ dir: path.join(blocked, 'sub'), files: [{ file: path.join(blocked, 'sub', 'x'), content: 'x' }] }),
      writeDurably({ dir, files: [{ file: path.join(dir, 'good-2.xml'), content: '2' }] }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason.code), /^(EISDIR|EEXIST|ENOTEMPTY)$/);
    assert.equal((results[2] as PromiseRejectedResult).reason.code, 'ENOTDIR');
    assert.equal(existsSync(path.join(dir, 'bad.json')), false);
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'the failed temporary file is removed');
    assert.equal(readFileSync(path.join(dir, 'good-2.xml'), 'utf8'), '2');
  });

  it('a folder that hangs holds only its own deliveries: the rest go on, on a new thread, and it is taken again once its call returns', async () => {
    const writer = new DurableWriter(300);
    const hung = path.join(dir, 'share');
    const other = path.join(dir, 'other-clinic');
    mkdirSync(hung);
    // the temporary file is named by process and thread: a FIFO under each name a thread could use,
    // so opening it to write waits, as a call on a share that stopped answering does
    const fifos = Array.from({ length: 400 }, (_, i) => path.join(hung, `.m.xml.${process.pid}.${i + 1}.tmp`));
    execFileSync('mkfifo', fifos);
    const readers: number[] = [];
    try {
      const hanging = writer.write({ dir: hung, files: [{ file: path.join(hung, 'm.xml'), content: 'm' }] });
      const behind = writer.write({ dir: other, files: [{ file: path.join(other, 'queued.xml'), content: 'q' }] });
      await assert.rejects(hanging, { code: 'EPJ_FOLDER_STALLED' });
      // the request queued behind it on the same thread is let go, to be tried again
      await assert.rejects(behind, { code: 'EPJ_FOLDER_STALLED' });
      // the hung folder is refused at once while its call has not returned
      await assert.rejects(writer.write({ dir: hung, files: [{ file: path.join(hung, 'n.xml'), content: 'n' }] }), { code: 'EPJ_FOLDER_STALLED' });
      // another clinic's folder goes on, on a new thread
      await writer.write({ dir: other, files: [{ file: path.join(other, 'a.xml'), content: 'a' }] });
      assert.equal(readFileSync(path.join(other, 'a.xml'), 'utf8'), 'a');
      // the share answers again: the call returns, the given-up thread ends, the folder is taken again
      for (const f of fifos) readers.push(openSync(f, constants.O_RDONLY | constants.O_NONBLOCK));
      await eventually(
        async () =>
          await writer.write({ dir: hung, files: [{ file: path.join(hung, 'n.xml'), content: 'n' }] }).then(
            () => true,
            () => false,
          ),
        10_000,
        'the folder taken again',
      );
      assert.equal(readFileSync(path.join(hung, 'n.xml'), 'utf8'), 'n');
    } finally {
      // a failed assertion above must not leave the thread waiting on its FIFO
      if (readers.length === 0) for (const f of fifos) readers.push(openSync(f, constants.O_RDONLY | constants.O_NONBLOCK));
      for (const fd of readers) closeSync(fd);
    }
  });
});
