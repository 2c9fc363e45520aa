import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNearExpiryCertificate } from '../../../demo/near-expiry-certificate.js';
import { SAMPLE_POLICY_OID } from '../../../certs-sample/make-sample-certs.js';
import { readCredential } from '../../../src/trust/credential-source.js';
import { parseCertificate } from '../../../src/trust/enterprise-certificate.js';
import { tempDir } from '../../helpers/tmp.js';

const SAMPLE = fileURLToPath(new URL('../../../certs-sample/', import.meta.url));
const DAY_MS = 86_400_000;
const sample = (name: string) => new X509Certificate(readFileSync(path.join(SAMPLE, name)));

describe('demo: the near-expiry certificate made at start', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  it("certifies the third clinic's committed signing key again, by the sample CA, expiring in the given days", () => {
    const dir = tempDir('near-expiry');
    const made = ensureNearExpiryCertificate(dir, 10, { now });
    assert.equal(path.dirname(made.cert), dir);
    assert.equal(made.key, path.join(SAMPLE, 'clinic3-signing.key.pem'), 'the key is referenced, not copied');
    assert.equal(made.notAfter.getTime(), now.getTime() + 10 * DAY_MS);

    const cert = new X509Certificate(readFileSync(made.cert));
    assert.ok(cert.verify(sample('ca.cert.pem').publicKey), 'issued by the sample CA');
    assert.ok(cert.checkIssued(sample('ca.cert.pem')));
    assert.equal(Date.parse(cert.validTo), now.getTime() + 10 * DAY_MS);
    assert.ok(Date.parse(cert.validFrom) < now.getTime(), 'valid already');
    assert.match(cert.subject, /NTRNO-924681357/, "the clinic's organisation number, as the sample certificates carry it");
    const parsed = parseCertificate(readFileSync(made.cert), { policyOids: [SAMPLE_POLICY_OID] });
    assert.deepEqual(
      [parsed.profile, parsed.role, parsed.orgNumber],
      ['SEID2', 'signing', '924681357'],
      'an enterprise signing certificate like the committed ones',
    );
    // the same key as the committed, long-lived certificate the register stand-in publishes
    const published = sample('clinic3-signing.cert.pem');
    assert.ok(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(published.publicKey.export({ type: 'spki', format: 'der' })));
    const credential = readCredential({ kind: 'pem', cert: made.cert, key: made.key });
    assert.ok(credential.certificate.checkPrivateKey(credential.key));
  });

  it('keeps the certificate across a restart the same day, and makes a new one when it has aged', () => {
    const dir = tempDir('near-expiry-again');
    const first = ensureNearExpiryCertificate(dir, 10, { now });
    const serial = new X509Certificate(readFileSync(first.cert)).serialNumber;

    const later = ensureNearExpiryCertificate(dir, 10, { now: new Date(now.getTime() + 3_600_000) });
    assert.equal(new X509Certificate(readFileSync(later.cert)).serialNumber, serial, 'kept an hour later');
    assert.equal(later.notAfter.getTime(), first.notAfter.getTime());

    const weekLater = new Date(now.getTime() + 7 * DAY_MS);
    const renewed = ensureNearExpiryCertificate(dir, 10, { now: weekLater });
    assert.notEqual(new X509Certificate(readFileSync(renewed.cert)).serialNumber, serial, 'a week later it had 3 days left: made anew');
    assert.equal(renewed.notAfter.getTime(), weekLater.getTime() + 10 * DAY_MS);
  });

  it('replaces a file that is not a certificate, or certifies another key', () => {
    const dir = tempDir('near-expiry-other');
    writeFileSync(path.join(dir, 'clinic3-signing-near-expiry.cert.pem'), 'not a certificate');
    const made = ensureNearExpiryCertificate(dir, 5, { now });
    assert.equal(Date.parse(new X509Certificate(readFileSync(made.cert)).validTo), now.getTime() + 5 * DAY_MS);

    writeFileSync(made.cert, readFileSync(path.join(SAMPLE, 'clinic2-signing.cert.pem')));
    const again = ensureNearExpiryCertificate(dir, 5, { now });
    assert.match(new X509Certificate(readFileSync(again.cert)).subject, /NTRNO-924681357/);
  });

  it('refuses a span that is not a positive number of days', () => {
    assert.throws(() => ensureNearExpiryCertificate(tempDir('near-expiry-zero'), 0), RangeError);
  });
});
