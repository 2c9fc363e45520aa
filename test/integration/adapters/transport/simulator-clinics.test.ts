import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { citizenCms } from '../../../../demo/simulator/citizen-cms.js';
import { startSimulator, type Simulator, type SimulatorClinic } from '../../../../demo/simulator/server.js';
import { herIdsOf } from '../../../../src/kith/model.js';
import { parseMessage } from '../../../../src/kith/parse.js';
import { validateDocument } from '../../../../src/kith/validate.js';
import { readCertificate, readPrivateKey } from '../../../../src/trust/clinic-keys.js';
import { CmsEnvelope } from '../../../../src/trust/cms-envelope.js';
import { HELSENORGE_HER, helseIdFor, mshClientFor, rejection, sampleCredentials } from '../../../helpers/nhn-setup.js';

/**
 * One simulator playing NHN and Helsenorge for two clinics: each clinic's HelseID client reaches
 * its own HER-ids only, a citizen message goes to the clinic named and is readdressed to it, and
 * the citizen side protects to and verifies from each clinic's own certificates. Clinic 2 uses the
 * sample's SEID 1 signing pair and the "next" encryption pair as its certificates.
 */

const certs = (name: string) => fileURLToPath(new URL(`../../../../certs-sample/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../fixtures/${name}`, import.meta.url)));

const CLINIC_1 = 8142987;
const CLINIC_2 = 8143001;
const CLINIC_2_GP = 8143002;

const clinics: SimulatorClinic[] = [
  {
    herId: CLINIC_1,
    clientId: 'clinic-1',
    signingCert: readCertificate(certs('clinic-signing.cert.pem')),
    encryptionCert: readCertificate(certs('clinic-encryption.cert.pem')),
    name: 'Fjordvik legekontor AS',
    orgNumber: '921543212',
  },
  {
    herId: CLINIC_2,
    subHerIds: [CLINIC_2_GP],
    clientId: 'clinic-2',
    signingCert: readCertificate(certs('clinic-signing-seid1.cert.pem')),
    encryptionCert: readCertificate(certs('clinic-encryption-next.cert.pem')),
    name: 'Havbris legesenter Ålesund',
    orgNumber: '974760673',
  },
];

const clinic1 = (sim: Simulator) => mshClientFor(sim, {}, helseIdFor(sim, { ...sampleCredentials('clinic-signing'), clientId: 'clinic-1' }));
const clinic2 = (sim: Simulator) => mshClientFor(sim, {}, helseIdFor(sim, { ...sampleCredentials('clinic-signing-seid1'), clientId: 'clinic-2' }));
const forbidden = async (p: Promise<unknown>) => assert.equal((await rejection(p)).code, 'MSH_FORBIDDEN');

describe('NHN simulator with many clinics', () => {
  describe('plain documents', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ clinics });
    });
    after(() => sim.close());
    beforeEach(() => sim.reset());

    it("gives each clinic's HelseID client its own HER-ids only", async () => {
      sim.citizen.sendFixture('office-contact/request', { to: CLINIC_2 });
      assert.deepEqual(
        (await clinic2(sim).listUnread(CLINIC_2)).map((m) => m.receiverHerId),
        [CLINIC_2],
      );
      assert.deepEqual(await clinic2(sim).listUnread(CLINIC_2_GP), [], 'a GP of clinic 2 is clinic 2 too');
      assert.deepEqual(await clinic1(sim).listUnread(CLINIC_1), []);
      await forbidden(clinic1(sim).listUnread(CLINIC_2));
      await forbidden(clinic1(sim).listUnread(CLINIC_2_GP));
      await forbidden(clinic2(sim).listUnread(CLINIC_1));
      assert.deepEqual(
        [...sim.helseId.clients.values()].map((c) => [c.clientId, c.herIds]),
        [
          ['clinic-1', [CLINIC_1]],
          ['clinic-2', [CLINIC_2, CLINIC_2_GP]],
        ],
      );
    });

    it("lands a citizen message in the named clinic's mailbox only, readdressed to it, out of the other clinic's reach", async () => {
      const sent = sim.citizen.sendFixture('office-contact/request', { to: CLINIC_2 });
      assert.equal(sent.clinicHerId, CLINIC_2);
      assert.deepEqual(sim.mailbox.unreadFor(CLINIC_1), []);
      assert.deepEqual(
        sim.mailbox.unreadFor(CLINIC_2).map((m) => m.id),
        [sent.id],
      );

      const other = clinic1(sim);
      await forbidden(other.getMessage(sent.id));
      await forbidden(other.getBusinessDocument(sent.id));
      await forbidden(other.markRead(sent.id, CLINIC_1));
      await forbidden(other.sendAppRec(sent.id, CLINIC_1, { status: 'OK', errors: [] }));

      const own = clinic2(sim);
      const document = await own.getBusinessDocument(sent.id);
      const head = parseMessage(document);
      assert.ok(head.document === 'MsgHead');
      assert.deepEqual(herIdsOf(head.receiver), [String(CLINIC_2), '8142988'], "the clinic's HER-id in place of clinic 1's; the GP as written");
      assert.equal(head.msgId, sent.businessDocumentId);
      const text = document.toString('utf8');
      assert.match(text, /<OrganisationName>Havbris legesenter &#197;lesund<\/OrganisationName>/);
      assert.match(text, /<Id>974760673<\/Id>/);
      assert.match(text, /<OrganisationName>Helsenorge.no<\/OrganisationName>/, 'the sender is untouched');
      const judged = validateDocument(document, { allowSyntheticIds: true, ownHerIds: [String(CLINIC_2)] });
      assert.deepEqual(judged.report.errors, [], 'clinic 2 finds itself the receiver');

      await own.sendAppRec(sent.id, CLINIC_2, { status: 'OK', errors: [] });
      await own.markRead(sent.id, CLINIC_2);
      const status = sim.citizen.status(sent.id);
      assert.deepEqual([status?.read, status?.appRec?.status, status?.clinicHerId], [true, 'OK', CLINIC_2]);
      const appRec = parseMessage(status!.appRec!.xml);
      assert.deepEqual(appRec.document === 'AppRec' && appRec.senderHerIds, [String(CLINIC_2)]);
    });

    it('leaves alone a document whose receiver is no clinic of the simulator, and one sent to the clinic it names', () => {
      const wrong = fixture('office-contact/e21-wrong-receiver.xml');
      const toClinic2 = sim.citizen.send(wrong, { to: CLINIC_2 });
      assert.ok(sim.mailbox.get(toClinic2.id)!.document.equals(wrong));
      const own = fixture('office-contact/request.xml');
      const toClinic1 = sim.citizen.send(own, { to: CLINIC_1 });
      assert.ok(sim.mailbox.get(toClinic1.id)!.document.equals(own));
      assert.ok(sim.mailbox.get(sim.citizen.send(own).id)!.document.equals(own), 'by default to the first clinic');
    });

    it('readdresses a document in ISO-8859-1 without touching its other bytes', () => {
      const latin = fixture('office-contact/ok-iso-8859-1.xml');
      const sent = sim.citizen.send(latin, { to: CLINIC_2 });
      const stored = sim.mailbox.get(sent.id)!.document;
      const head = parseMessage(stored);
      assert.ok(head.document === 'MsgHead');
      assert.equal(herIdsOf(head.receiver)[0], String(CLINIC_2));
      const receiver = /<Receiver>[\s\S]*<\/Receiver>/;
      const strip = (b: Buffer) => b.toString('latin1').replace(receiver, '');
      assert.equal(strip(stored), strip(latin));
    });

    it('sends over HTTP to the clinic named by ?to= or JSON to, lists the clinics, refuses an unknown one', async () => {
      const byQuery = await fetch(`${sim.url}/citizen/messages?to=${CLINIC_2}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: fixture('office-contact/request.xml'),
      });
      assert.equal(byQuery.status, 201);
      assert.equal(((await byQuery.json()) as { clinicHerId: number }).clinicHerId, CLINIC_2);
      const byJson = await fetch(`${sim.url}/citizen/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fixture: 'prescription-renewal/request', to: CLINIC_2 }),
      });
      assert.equal(byJson.status, 201);
      assert.equal(sim.mailbox.unreadFor(CLINIC_2).length, 2);
      assert.equal(sim.mailbox.unreadFor(CLINIC_1).length, 0);

      const unknown = await fetch(`${sim.url}/citizen/messages?to=999999`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' });
      assert.equal(unknown.status, 404);
      assert.match(((await unknown.json()) as { error: string }).error, /no clinic of this simulator/);
      const notANumber = await fetch(`${sim.url}/citizen/messages?to=clinic`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' });
      assert.equal(notANumber.status, 400);

      const info = (await (await fetch(`${sim.url}/simulator`)).json()) as { clinicHerId: number; clinics: unknown[] };
      assert.equal(info.clinicHerId, CLINIC_1);
      assert.deepEqual(info.clinics, [
        { herId: CLINIC_1, subHerIds: [], clientId: 'clinic-1', name: 'Fjordvik legekontor AS' },
        { herId: CLINIC_2, subHerIds: [CLINIC_2_GP], clientId: 'clinic-2', name: 'Havbris legesenter Ålesund' },
      ]);
    });

    it('names the answering clinic in each answer', async () => {
      const answer = fixture('e-consultation/answer.xml');
      await clinic2(sim).send({ msgId: 'a2', document: answer, receiverHerId: HELSENORGE_HER });
      await clinic1(sim).send({ msgId: 'a1', document: answer, receiverHerId: HELSENORGE_HER });
      assert.deepEqual(
        sim.citizen.answers().map((a) => [a.clinicHerId, a.valid]),
        [
          [CLINIC_2, true],
          [CLINIC_1, true],
        ],
      );
      const list = (await (await fetch(`${sim.url}/citizen/answers`)).json()) as { clinicHerId: number }[];
      assert.deepEqual(
        list.map((a) => a.clinicHerId),
        [CLINIC_2, CLINIC_1],
      );
      assert.equal((await clinic2(sim).listUnread(CLINIC_2)).length, 1, "Helsenorge's AppRec in clinic 2's inbox");
      assert.equal((await clinic1(sim).listUnread(CLINIC_1)).length, 1, "and clinic 1's in clinic 1's");
    });

    it('refuses two clinics sharing a HER-id, and one client id with two certificates', async () => {
      await assert.rejects(startSimulator({ clinics: [clinics[0]!, { ...clinics[1]!, subHerIds: [CLINIC_1] }] }), /HER-id 8142987 is given to two clinics/);
      await assert.rejects(startSimulator({ clinics: [clinics[0]!, { ...clinics[1]!, clientId: 'clinic-1' }] }), /two different signing certificates/);
    });
  });

  describe('CMS both ways, per clinic', () => {
    let sim: Simulator;
    const helsenorgeSigning = readCertificate(certs('helsenorge-signing.cert.pem'));
    const helsenorgeEncryption = readCertificate(certs('helsenorge-encryption.cert.pem'));
    const envelopeOf = (signing: string, encryption: string) => {
      const certificate = readCertificate(certs(`${encryption}.cert.pem`));
      return new CmsEnvelope({
        signing: { certificate: readCertificate(certs(`${signing}.cert.pem`)), key: readPrivateKey(certs(`${signing}.key.pem`)) },
        decryption: [{ certificate, key: readPrivateKey(certs(`${encryption}.key.pem`)) }],
        rejectWeakCiphers: true,
      });
    };
    const clinic1Keys = envelopeOf('clinic-signing', 'clinic-encryption');
    const clinic2Keys = envelopeOf('clinic-signing-seid1', 'clinic-encryption-next');

    before(async () => {
      sim = await startSimulator({
        clinics,
        protection: citizenCms(sampleHelsenorge()),
      });
    });
    after(() => sim.close());
    beforeEach(() => sim.reset());

    it("encrypts a citizen message to the named clinic's encryption certificate only", async () => {
      const sent = sim.citizen.sendFixture('office-contact/request', { to: CLINIC_2 });
      const protectedDocument = await clinic2(sim).getBusinessDocument(sent.id);
      const head = parseMessage((await clinic2Keys.open(protectedDocument, helsenorgeSigning)).content);
      assert.ok(head.document === 'MsgHead');
      assert.equal(herIdsOf(head.receiver)[0], String(CLINIC_2), 'readdressed before it was protected');
      await assert.rejects(clinic1Keys.open(protectedDocument, helsenorgeSigning), 'not for clinic 1');

      const toClinic1 = sim.citizen.sendFixture('office-contact/request');
      await clinic1Keys.open(await clinic1(sim).getBusinessDocument(toClinic1.id), helsenorgeSigning);
    });

    it("verifies an answer against the answering clinic's signing certificate", async () => {
      const answer = fixture('e-consultation/answer.xml');
      await clinic2(sim).send({ msgId: 'ok', document: clinic2Keys.seal(answer, helsenorgeEncryption), receiverHerId: HELSENORGE_HER });
      await clinic1(sim).send({ msgId: 'ok1', document: clinic1Keys.seal(answer, helsenorgeEncryption), receiverHerId: HELSENORGE_HER });
      // clinic 2 posting what clinic 1 signed: the signature is not clinic 2's
      await clinic2(sim).send({ msgId: 'forged', document: clinic1Keys.seal(answer, helsenorgeEncryption), receiverHerId: HELSENORGE_HER });
      const answers = sim.citizen.answers();
      assert.deepEqual(
        answers.map((a) => [a.clinicHerId, a.valid]),
        [
          [CLINIC_2, true],
          [CLINIC_1, true],
          [CLINIC_2, false],
        ],
      );
      assert.equal(answers[2]!.appRec.status, 'Rejected');
      assert.equal(answers[2]!.appRec.errors[0]!.errorCode, 'S01');
    });

    it('refuses a clinic without an encryption certificate when it protects', async () => {
      const { encryptionCert: _e, ...bare } = clinics[1]!;
      await assert.rejects(
        startSimulator({ clinics: [clinics[0]!, bare], protection: citizenCms(sampleHelsenorge()) }),
        /clinic 8143001 needs an encryptionCert/,
      );
    });
  });
});

function sampleHelsenorge() {
  return {
    helsenorgeSigningCert: certs('helsenorge-signing.cert.pem'),
    helsenorgeSigningKey: certs('helsenorge-signing.key.pem'),
    helsenorgeEncryptionCert: certs('helsenorge-encryption.cert.pem'),
    helsenorgeEncryptionKey: certs('helsenorge-encryption.key.pem'),
  };
}
