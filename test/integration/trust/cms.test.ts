import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError, isGatewayError } from '../../../src/errors.js';
import { decryptContent, encryptContent } from '../../../src/trust/cms-enveloped-data.js';
import { signContent, verifySignedContent } from '../../../src/trust/cms-signed-data.js';
import { appRecCodeOf, CmsEnvelope } from '../../../src/trust/cms-envelope.js';
import { decryptKey, encryptKey } from '../../../src/trust/rsa-key-transport.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

const SAMPLE = fileURLToPath(new URL('../../../certs-sample/', import.meta.url));
const file = (name: string) => path.join(SAMPLE, name);
const cert = (name: string) => new X509Certificate(readFileSync(file(`${name}.cert.pem`)));
const key = (name: string) => createPrivateKey(readFileSync(file(`${name}.key.pem`)));

const CONTENT = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><MsgHead>${'Spørsmål om resept. '.repeat(400)}</MsgHead>`);

/** The clinic receiving from Helsenorge: what the gateway holds. */
function clinicSide(extra: { previous?: boolean; signerCheck?: (c: X509Certificate) => void } = {}): CmsEnvelope {
  const decryption = [{ certificate: cert('clinic-encryption'), key: key('clinic-encryption') }];
  if (extra.previous) decryption.unshift({ certificate: cert('clinic-encryption-next'), key: key('clinic-encryption-next') });
  return new CmsEnvelope(
    { signing: { certificate: cert('clinic-signing'), key: key('clinic-signing') }, decryption, rejectWeakCiphers: true },
    extra.signerCheck,
  );
}

const helsenorge = () =>
  new CmsEnvelope({
    signing: { certificate: cert('helsenorge-signing'), key: key('helsenorge-signing') },
    decryption: [{ certificate: cert('helsenorge-encryption'), key: key('helsenorge-encryption') }],
    rejectWeakCiphers: true,
  });

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isGatewayError(err), `expected a GatewayError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the message to be refused');
}

function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('trust: CMS sign-then-encrypt', () => {
  it('opens what it protects: content, signer, signing time, the current key', async () => {
    const sent = helsenorge().seal(CONTENT, cert('clinic-encryption'), new Date('2026-11-25T08:00:00Z'));
    const opened = await clinicSide().open(sent, cert('helsenorge-signing'));
    assert.ok(opened.content.equals(CONTENT));
    assert.equal(opened.signer.serialNumber, cert('helsenorge-signing').serialNumber);
    assert.equal(opened.signingTime?.toISOString(), '2026-11-25T08:00:00.000Z');
    assert.equal(opened.keyIndex, 0);
  });

  it('decrypts with the previous encryption certificate during a rollover', async () => {
    const sentToOld = helsenorge().seal(CONTENT, cert('clinic-encryption'));
    const opened = await clinicSide({ previous: true }).open(sentToOld, cert('helsenorge-signing'));
    assert.equal(opened.keyIndex, 1);
    const sentToNew = helsenorge().seal(CONTENT, cert('clinic-encryption-next'));
    assert.equal((await clinicSide({ previous: true }).open(sentToNew, cert('helsenorge-signing'))).keyIndex, 0);
  });

  it('refuses a message encrypted to another certificate (T01), naming what it was encrypted to', async () => {
    const sent = helsenorge().seal(CONTENT, cert('clinic-encryption-next'));
    const err = await refusal(clinicSide().open(sent, cert('helsenorge-signing')));
    assert.equal(err.code, 'CMS_NOT_FOR_US');
    assert.equal(err.appRec, 'T01');
    assert.match(err.message, new RegExp(cert('clinic-encryption-next').serialNumber, 'i'));
  });

  it("refuses a message signed by another certificate than the sender's (S01)", async () => {
    const forged = new CmsEnvelope({
      signing: { certificate: cert('clinic-signing'), key: key('clinic-signing') },
      decryption: [],
      rejectWeakCiphers: true,
    });
    const sent = forged.seal(CONTENT, cert('clinic-encryption'));
    const err = await refusal(clinicSide().open(sent, cert('helsenorge-signing')));
    assert.equal(err.code, 'CMS_SIGNER_MISMATCH');
    assert.equal(err.appRec, 'S01');
  });

  it('refuses altered content inside a valid envelope (S01)', async () => {
    const signed = signContent(CONTENT, cert('helsenorge-signing'), key('helsenorge-signing'));
    const at = signed.indexOf(Buffer.from('Spørsmål'));
    signed[at] = 's'.charCodeAt(0);
    const err = await refusal(clinicSide().open(encryptContent(signed, cert('clinic-encryption')), cert('helsenorge-signing')));
    assert.equal(err.code, 'CMS_SIGNATURE_INVALID');
    assert.equal(appRecCodeOf(err), 'S01');
  });

  it('refuses a damaged ciphertext (T01) and a truncated message (T01)', async () => {
    const sent = helsenorge().seal(CONTENT, cert('clinic-encryption'));
    // a flipped bit in the middle changes the content: the signature catches it
    const altered = Buffer.from(sent);
    const middle = Math.floor(altered.length / 2);
    altered[middle] = altered[middle]! ^ 0x01;
    assert.equal((await refusal(clinicSide().open(altered, cert('helsenorge-signing')))).appRec, 'S01');
    // the padding damaged: in CBC the last plaintext byte is the previous ciphertext block's last
    // byte XOR the decrypted last block, so flipping its top bit turns a padding length of 1..16
    // into 129..144, which no padding can be (random damage is valid padding about 1 time in 256)
    const damaged = Buffer.from(sent);
    damaged[damaged.length - 17] = damaged[damaged.length - 17]! ^ 0x80;
    const err = await refusal(clinicSide().open(damaged, cert('helsenorge-signing')));
    assert.equal(err.appRec, 'T01', err.code);
    const truncated = await refusal(clinicSide().open(sent.subarray(0, sent.length - 100), cert('helsenorge-signing')));
    assert.equal(truncated.code, 'CMS_MALFORMED');
    assert.equal(truncated.appRec, 'T01');
    const notCms = await refusal(clinicSide().open(Buffer.from('<MsgHead/>'), cert('helsenorge-signing')));
    assert.equal(notCms.code, 'CMS_MALFORMED');
  });

  it('refuses an unsigned payload inside the envelope (S01)', async () => {
    const err = await refusal(clinicSide().open(encryptContent(CONTENT, cert('clinic-encryption')), cert('helsenorge-signing')));
    assert.equal(err.appRec === 'S01' || err.code === 'CMS_DECRYPT_FAILED', true, err.code);
  });

  it('hands the signer to the certificate check, whose verdict (S02/S03) stands', async () => {
    const sent = helsenorge().seal(CONTENT, cert('clinic-encryption'));
    const seen: string[] = [];
    const side = clinicSide({
      signerCheck: (c) => {
        seen.push(c.serialNumber);
        throw new GatewayError('CERT_REVOKED');
      },
    });
    const err = await refusal(side.open(sent, cert('helsenorge-signing')));
    assert.equal(err.appRec, 'S03');
    assert.deepEqual(seen, [cert('helsenorge-signing').serialNumber]);
  });

  it('answers a bad PKCS#1 padding with a key, not an error (no padding oracle)', () => {
    const k = key('clinic-encryption');
    const good = randomBytes(32);
    assert.ok(decryptKey(k, encryptKey(cert('clinic-encryption').publicKey, good), 32).equals(good));
    const garbage = randomBytes(256);
    garbage[0] = 0; // below the modulus
    const a = decryptKey(k, garbage, 32);
    const b = decryptKey(k, garbage, 32);
    assert.equal(a.length, 32);
    assert.ok(a.equals(b), 'the rejection key is the same for the same ciphertext');
    assert.ok(
      !decryptKey(k, encryptKey(cert('clinic-encryption').publicKey, randomBytes(16)), 32).equals(Buffer.alloc(32)),
      'a wrong-length key is replaced too',
    );
  });

  describe('with openssl cms, an independent implementation', () => {
    const dir = tempDir('cms');

    it('openssl decrypts and verifies what the gateway protects', () => {
      const sent = write(dir, 'to-helsenorge.p7m', clinicSide().seal(CONTENT, cert('helsenorge-encryption')));
      const signed = openssl([
        'cms',
        '-decrypt',
        '-inform',
        'DER',
        '-in',
        sent,
        '-recip',
        file('helsenorge-encryption.cert.pem'),
        '-inkey',
        file('helsenorge-encryption.key.pem'),
        '-outform',
        'DER',
      ]);
      const verified = openssl(['cms', '-verify', '-inform', 'DER', '-CAfile', file('ca.cert.pem'), '-purpose', 'any'], signed);
      assert.ok(verified.equals(CONTENT));
    });

    it('the gateway opens what openssl signs (CA bundled before the signer) and encrypts with -aes256', async () => {
      const plain = write(dir, 'plain.xml', CONTENT);
      const signed = openssl([
        'cms',
        '-sign',
        '-binary',
        '-nodetach',
        '-md',
        'sha256',
        '-in',
        plain,
        '-signer',
        file('helsenorge-signing.cert.pem'),
        '-inkey',
        file('helsenorge-signing.key.pem'),
        '-certfile',
        file('ca.cert.pem'),
        '-outform',
        'DER',
      ]);
      const sent = openssl(['cms', '-encrypt', '-binary', '-aes256', '-inform', 'DER', '-outform', 'DER', file('clinic-encryption.cert.pem')], signed);
      const opened = await clinicSide().open(sent, cert('helsenorge-signing'));
      assert.ok(opened.content.equals(CONTENT));
    });

    it('the gateway opens a message openssl addresses by subject key identifier', async () => {
      const signed = openssl(
        [
          'cms',
          '-sign',
          '-binary',
          '-nodetach',
          '-keyid',
          '-signer',
          file('helsenorge-signing.cert.pem'),
          '-inkey',
          file('helsenorge-signing.key.pem'),
          '-outform',
          'DER',
        ],
        CONTENT,
      );
      const sent = openssl(
        ['cms', '-encrypt', '-binary', '-keyid', '-aes128', '-inform', 'DER', '-outform', 'DER', file('clinic-encryption.cert.pem')],
        signed,
      );
      assert.ok((await clinicSide().open(sent, cert('helsenorge-signing'))).content.equals(CONTENT));
    });

    it('refuses 3DES content encryption from openssl by default (T10)', async () => {
      const signed = openssl(
        [
          'cms',
          '-sign',
          '-binary',
          '-nodetach',
          '-signer',
          file('helsenorge-signing.cert.pem'),
          '-inkey',
          file('helsenorge-signing.key.pem'),
          '-outform',
          'DER',
        ],
        CONTENT,
      );
      const sent = openssl(['cms', '-encrypt', '-binary', '-des3', '-inform', 'DER', '-outform', 'DER', file('clinic-encryption.cert.pem')], signed);
      const err = await refusal(clinicSide().open(sent, cert('helsenorge-signing')));
      assert.equal(err.code, 'CMS_WEAK_CIPHER');
      const allowed = decryptContent(sent, { keys: [{ certificate: cert('clinic-encryption'), key: key('clinic-encryption') }], rejectWeakCiphers: false });
      assert.ok(verifySignedContent(allowed.content, cert('helsenorge-signing')).content.equals(CONTENT));
    });
  });

  describe('command line: cms protect | unprotect', () => {
    const dir = tempDir('cms-cli');

    it('protects and unprotects a file, and reports as JSON', async () => {
      const input = path.join(dir, 'answer.xml');
      writeFileSync(input, CONTENT);
      const out = path.join(dir, 'answer.p7m');
      const p = await runCli([
        'cms',
        'protect',
        input,
        '--signer-cert',
        file('clinic-signing.cert.pem'),
        '--signer-key',
        file('clinic-signing.key.pem'),
        '--recipient-cert',
        file('helsenorge-encryption.cert.pem'),
        '--out',
        out,
      ]);
      assert.equal(p.code, 0, p.stderr);
      const back = path.join(dir, 'back.xml');
      const u = await runCli([
        'cms',
        'unprotect',
        out,
        '--recipient-cert',
        file('helsenorge-encryption.cert.pem'),
        '--recipient-key',
        file('helsenorge-encryption.key.pem'),
        '--signer-cert',
        file('clinic-signing.cert.pem'),
        '--out',
        back,
        '--json',
      ]);
      assert.equal(u.code, 0, u.stderr);
      assert.ok(readFileSync(back).equals(CONTENT));
      const report = JSON.parse(u.stdout);
      assert.equal(report.status, 'ok');
      assert.equal(report.decryptedWith, 'current');
    });

    it('exits 1 with the AppRec code when the signer is not the expected one', async () => {
      const sent = write(dir, 'x.p7m', helsenorge().seal(CONTENT, cert('clinic-encryption')));
      const u = await runCli([
        'cms',
        'unprotect',
        sent,
        '--recipient-cert',
        file('clinic-encryption.cert.pem'),
        '--recipient-key',
        file('clinic-encryption.key.pem'),
        '--signer-cert',
        file('clinic-signing.cert.pem'),
        '--json',
      ]);
      assert.equal(u.code, 1);
      assert.match(u.stderr, /^S01 CMS_SIGNER_MISMATCH/);
      assert.equal(JSON.parse(u.stdout).appRec, 'S01');
    });

    it('exits 1 with S02 when the signer certificate has expired', async () => {
      const expired = new CmsEnvelope({
        signing: { certificate: cert('clinic-signing-expired'), key: key('clinic-signing-expired') },
        decryption: [],
        rejectWeakCiphers: true,
      });
      const sent = write(dir, 'y.p7m', expired.seal(CONTENT, cert('helsenorge-encryption')));
      const u = await runCli([
        'cms',
        'unprotect',
        sent,
        '--recipient-cert',
        file('helsenorge-encryption.cert.pem'),
        '--recipient-key',
        file('helsenorge-encryption.key.pem'),
        '--signer-cert',
        file('clinic-signing-expired.cert.pem'),
      ]);
      assert.equal(u.code, 1);
      assert.match(u.stderr, /^S02 /);
    });

    it('exits 2 on a usage error', async () => {
      const u = await runCli(['cms', 'unprotect', path.join(dir, 'missing.p7m'), '--recipient-cert', 'a', '--recipient-key', 'b', '--signer-cert', 'c']);
      assert.equal(u.code, 2);
    });
  });
});

function write(dir: string, name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
