import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDurably } from '../../../../adapters/epj/durable-files.js';

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
});
