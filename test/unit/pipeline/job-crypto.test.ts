import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { isGatewayError } from '../../../src/errors.js';
import { JobCrypto, demoJobKeys, parseJobKeys } from '../../../src/pipeline/job-crypto.js';
import { tempDir } from '../../helpers/tmp.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('job payload encryption', () => {
  it('round-trips any JSON value and hides it', () => {
    const crypto = new JobCrypto([key('k1')]);
    fc.assert(
      fc.property(fc.jsonValue(), fc.uuid(), (value, msgId) => {
        const sealed = crypto.seal(value, msgId);
        assert.deepEqual(crypto.open(sealed, msgId), JSON.parse(JSON.stringify(value)));
      }),
    );
    const sealed = crypto.seal({ nationalId: '13896997245', text: 'Jeg trenger resept' }, 'm1');
    assert.doesNotMatch(JSON.stringify(sealed), /13896997245|resept/);
  });

  it('opens with an older key after rotation and seals with the newest', () => {
    const old = key('2025');
    const sealedWithOld = new JobCrypto([old]).seal({ a: 1 }, 'm1');
    const rotated = new JobCrypto([key('2026'), old]);
    assert.equal(rotated.currentKeyId, '2026');
    assert.deepEqual(rotated.open(sealedWithOld, 'm1'), { a: 1 });
    assert.equal(rotated.seal({ a: 1 }, 'm1').k, '2026');
  });

  it('refuses a payload moved to another message, tampered, or sealed with an unknown key', () => {
    const crypto = new JobCrypto([key('k1')]);
    const sealed = crypto.seal({ a: 1 }, 'm1');
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isGatewayError(err) ? err.code : String(err);
      }
      return 'no error';
    };
    assert.equal(
      code(() => crypto.open(sealed, 'm2')),
      'JOB_PAYLOAD_TAMPERED',
    );
    const flipped = Buffer.from(sealed.ct, 'base64');
    flipped[0]! ^= 1;
    assert.equal(
      code(() => crypto.open({ ...sealed, ct: flipped.toString('base64') }, 'm1')),
      'JOB_PAYLOAD_TAMPERED',
    );
    assert.equal(
      code(() => new JobCrypto([key('k9')]).open(sealed, 'm1')),
      'JOB_KEY_UNKNOWN',
    );
  });

  it('reads keys from the setting and makes one demo key, once, private to its user', () => {
    const k = randomBytes(32).toString('base64');
    assert.equal(parseJobKeys(`a:${k}, b:${k}`).length, 2);
    assert.throws(() => parseJobKeys('a:c2hvcnQ='), /32-byte|32 bytes/);
    const dir = tempDir('keys');
    const first = demoJobKeys(dir);
    const again = demoJobKeys(dir);
    assert.ok(first[0]!.key.equals(again[0]!.key));
    assert.equal(statSync(path.join(dir, 'keys', 'job-keys')).mode & 0o777, 0o600);
  });
});
