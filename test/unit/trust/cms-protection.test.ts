import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../src/errors.js';
import { ClinicProtection } from '../../src/trust/clinic-keys.js';
import { inboundOpener, isCms, outboundProtector, type CounterpartyCertificates } from '../../src/trust/counterparty-protection.js';

const sample = (name: string) => fileURLToPath(new URL(`../../certs-sample/${name}`, import.meta.url));
const cert = (name: string) => new X509Certificate(readFileSync(sample(`${name}.cert.pem`)));

const clinicSettings = {
  CLINIC_SIGNING_CERT: sample('clinic-signing.cert.pem'),
  CLINIC_SIGNING_KEY: sample('clinic-signing.key.pem'),
  CLINIC_ENCRYPTION_CERT: sample('clinic-encryption.cert.pem'),
  CLINIC_ENCRYPTION_KEY: sample('clinic-encryption.key.pem'),
  CMS_REJECT_3DES: true,
};
const helsenorgeSettings = {
  CLINIC_SIGNING_CERT: sample('helsenorge-signing.cert.pem'),
  CLINIC_SIGNING_KEY: sample('helsenorge-signing.key.pem'),
  CLINIC_ENCRYPTION_CERT: sample('helsenorge-encryption.cert.pem'),
  CLINIC_ENCRYPTION_KEY: sample('helsenorge-encryption.key.pem'),
  CMS_REJECT_3DES: true,
};

/** The address register as both sides see it: HER 8093244 Helsenorge, HER 8142987 the clinic. */
const register: CounterpartyCertificates = {
  signingCertificateOf: async (herId) => (herId === 8093244 ? cert('helsenorge-signing') : herId === 8142987 ? cert('clinic-signing') : undefined),
  encryptionCertificateOf: async (herId) => (herId === 8093244 ? cert('helsenorge-encryption') : herId === 8142987 ? cert('clinic-encryption') : undefined),
};

const XML = '<?xml version="1.0" encoding="UTF-8"?><MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>';

describe("trust: protection with the counterparty's certificates", () => {
  const clinic = new ClinicProtection(clinicSettings);
  const helsenorge = new ClinicProtection(helsenorgeSettings);
  const open = inboundOpener(() => clinic.get(), register);

  it('opens a message Helsenorge protected for the clinic, and the clinic protects its answer for Helsenorge', async () => {
    const sent = await outboundProtector(() => helsenorge.get(), register)(XML, 8142987);
    assert.ok(isCms(sent));
    assert.deepEqual(await open(sent, 8093244), { document: Buffer.from(XML) });
    const answer = await outboundProtector(() => clinic.get(), register)(XML, 8093244);
    const back = await inboundOpener(() => helsenorge.get(), register)(answer, 8142987);
    assert.ok('document' in back && back.document.toString() === XML);
  });

  it('refuses plain XML (S01), an unknown sender (S02) and a sender whose certificate did not sign it (S01)', async () => {
    assert.equal(((await open(Buffer.from(XML), 8093244)) as { refused: { errorCode: string } }).refused.errorCode, 'S01');
    const sent = await outboundProtector(() => helsenorge.get(), register)(XML, 8142987);
    assert.equal(((await open(sent, 9999999)) as { refused: { errorCode: string } }).refused.errorCode, 'S02');
    assert.equal(((await open(sent, 8142987)) as { refused: { errorCode: string } }).refused.errorCode, 'S01');
  });

  it('lets a message wait (throws) when the revocation status cannot be had, and refuses a revoked signer (S03)', async () => {
    const sent = await outboundProtector(() => helsenorge.get(), register)(XML, 8142987);
    const waiting = new ClinicProtection(clinicSettings, () => {
      throw new GatewayError('CERT_REVOCATION_UNAVAILABLE');
    });
    await assert.rejects(inboundOpener(() => waiting.get(), register)(sent, 8093244), /revocation/);
    const revoked = new ClinicProtection(clinicSettings, () => {
      throw new GatewayError('CERT_REVOKED');
    });
    assert.equal(((await inboundOpener(() => revoked.get(), register)(sent, 8093244)) as { refused: { errorCode: string } }).refused.errorCode, 'S03');
  });

  it('a send to a receiver without an encryption certificate fails retryably', async () => {
    await assert.rejects(outboundProtector(() => clinic.get(), register)(XML, 1234567), (err: { retryable?: boolean }) => err.retryable === true);
  });

  it("reloads the clinic's files, and refuses a key that is not the certificate's", () => {
    const p = new ClinicProtection(clinicSettings);
    const before = p.get();
    p.reload({ CLINIC_ENCRYPTION_CERT: sample('clinic-encryption-next.cert.pem'), CLINIC_ENCRYPTION_KEY: sample('clinic-encryption-next.key.pem') });
    assert.notEqual(p.get(), before);
    assert.throws(() => p.reload({ CLINIC_SIGNING_KEY: sample('clinic-encryption.key.pem') }), /KEY_CERT_MISMATCH|does not belong/);
  });
});
