import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../../src/errors.js';
import { ClinicKeys } from '../../../src/trust/clinic-keys.js';
import { cmsProtection, isCms, type CounterpartyCertificates } from '../../../src/trust/cms-protection.js';
import { noProtection } from '../../../src/trust/no-protection.js';

const sample = (name: string) => fileURLToPath(new URL(`../../../certs-sample/${name}`, import.meta.url));
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

describe("trust: cms message protection with the counterparty's certificates", () => {
  const clinicKeys = new ClinicKeys(clinicSettings);
  const helsenorgeKeys = new ClinicKeys(helsenorgeSettings);
  const clinic = cmsProtection(() => clinicKeys.get(), register);
  const helsenorge = cmsProtection(() => helsenorgeKeys.get(), register);
  const open = (wire: Buffer, senderHerId: number) => clinic.unprotect(wire, senderHerId);
  const DOCUMENT = Buffer.from(XML);

  it('opens a message Helsenorge protected for the clinic, and the clinic protects its answer for Helsenorge', async () => {
    assert.equal(clinic.kind, 'cms');
    const sent = await helsenorge.protect(DOCUMENT, 8142987);
    assert.ok(isCms(sent));
    assert.deepEqual(await open(sent, 8093244), { document: Buffer.from(XML) });
    const answer = await clinic.protect(DOCUMENT, 8093244);
    const back = await helsenorge.unprotect(answer, 8142987);
    assert.ok('document' in back && back.document.toString() === XML);
  });

  it('none leaves documents as they are, both ways', async () => {
    assert.equal(noProtection.kind, 'none');
    assert.equal(await noProtection.protect(DOCUMENT, 8093244), DOCUMENT);
    assert.deepEqual(await noProtection.unprotect(DOCUMENT, 8093244), { document: DOCUMENT });
  });

  it('refuses plain XML (S01), an unknown sender (S02) and a sender whose certificate did not sign it (S01)', async () => {
    assert.equal(((await open(Buffer.from(XML), 8093244)) as { refused: { errorCode: string } }).refused.errorCode, 'S01');
    const sent = await helsenorge.protect(DOCUMENT, 8142987);
    assert.equal(((await open(sent, 9999999)) as { refused: { errorCode: string } }).refused.errorCode, 'S02');
    assert.equal(((await open(sent, 8142987)) as { refused: { errorCode: string } }).refused.errorCode, 'S01');
  });

  it('lets a message wait (throws) when the revocation status cannot be had, and refuses a revoked signer (S03)', async () => {
    const sent = await helsenorge.protect(DOCUMENT, 8142987);
    const waiting = new ClinicKeys(clinicSettings, () => {
      throw new GatewayError('CERT_REVOCATION_UNAVAILABLE');
    });
    await assert.rejects(cmsProtection(() => waiting.get(), register).unprotect(sent, 8093244), /revocation/);
    const revoked = new ClinicKeys(clinicSettings, () => {
      throw new GatewayError('CERT_REVOKED');
    });
    assert.equal(
      ((await cmsProtection(() => revoked.get(), register).unprotect(sent, 8093244)) as { refused: { errorCode: string } }).refused.errorCode,
      'S03',
    );
  });

  it('a send to a receiver without an encryption certificate fails retryably', async () => {
    await assert.rejects(clinic.protect(DOCUMENT, 1234567), (err: { retryable?: boolean }) => err.retryable === true);
  });

  it("reloads the clinic's files, and refuses a key that is not the certificate's", () => {
    const p = new ClinicKeys(clinicSettings);
    const before = p.get();
    p.reload({ CLINIC_ENCRYPTION_CERT: sample('clinic-encryption-next.cert.pem'), CLINIC_ENCRYPTION_KEY: sample('clinic-encryption-next.key.pem') });
    assert.notEqual(p.get(), before);
    assert.throws(() => p.reload({ CLINIC_SIGNING_KEY: sample('clinic-encryption.key.pem') }), /KEY_CERT_MISMATCH|does not belong/);
  });
});
