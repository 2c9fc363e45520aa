import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../src/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('opens with exactly two commands: set up and start the demo, then the tests', () => {
    const block = /^# epj-gateway\n\n```sh\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'a command block right under the title');
    assert.deepEqual(block[1]!.trim().split('\n'), ['bash scripts/demo.sh', 'npm test']);
  });

  it('.ci/run runs the README test command', () => {
    assert.match(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8'), /^npm test$/m);
  });

  it('documents every setting', () => {
    const missing = Object.keys(configSchema.shape).filter((key) => !readme.includes(`\`${key}\``));
    assert.deepEqual(missing, []);
  });
});
