import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { agreementId } from '../../../demo/ar-stand-in/cppa-answers.js';
import { CPPA_PATH, startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { readCollaboration, routeTo } from '../../../src/registry/cppa.js';
import { CollaborationLookup, CppaClient } from '../../../src/registry/collaboration.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const CLINIC = '8142987';
const HELSENORGE = '8093244';

/** A CPA laid out as NHN's register writes them (ebXML CPPA 2.0): channels, transports, endpoints per party. */
const binding = (can: 'CanSend' | 'CanReceive', action: string, her: string) =>
  `<tns:${can}><tns:ThisPartyActionBinding tns:action="${action}" tns:id="${action}_${her}" tns:packageId="p"><tns:ChannelId>asyncAMQPChannelC1_${her}</tns:ChannelId></tns:ThisPartyActionBinding></tns:${can}>`;
const partyInfo = (her: string, name: string, role: string, bindings: string) => `
  <tns:PartyInfo tns:partyName="${name}" tns:defaultMshChannelId="asyncAMQPChannelC1_${her}">
    <tns:PartyId tns:type="HER">${her}</tns:PartyId>
    <tns:CollaborationRole>
      <tns:ProcessSpecification tns:name="Dialog_Innbygger_Ekontakt" tns:version="1.2" xlink:type="simple"/>
      <tns:Role tns:name="${role}"/>
      <tns:ServiceBinding>${bindings}</tns:ServiceBinding>
    </tns:CollaborationRole>
    <tns:DeliveryChannel tns:channelId="asyncAMQPChannelC1_${her}" tns:transportId="transportAsyncAMQP_${her}" tns:docExchangeId="d"/>
    <tns:Transport tns:transportId="transportAsyncAMQP_${her}"><tns:TransportReceiver><tns:TransportProtocol tns:version="1.0">AMQP</tns:TransportProtocol><tns:Endpoint tns:uri="sb.test.nhn.no/NHNTESTServiceBus/${her}_async" tns:type="allPurpose"/></tns:TransportReceiver></tns:Transport>
  </tns:PartyInfo>`;
const NHN_LAYOUT = `<?xml version="1.0" encoding="utf-8"?>
<tns:CollaborationProtocolAgreement xmlns:tns="http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd" xmlns:xlink="http://www.w3.org/1999/xlink" tns:cpaid="51795e2c-9d39-44e0-9168-5bee38f20819" tns:version="2_0b">
  <tns:Status tns:value="agreed"/>${partyInfo(CLINIC, 'Fjordvik legekontor AS', 'Fastlege', binding('CanReceive', 'Foresporsel', CLINIC))}${partyInfo(
    HELSENORGE,
    'Digitale innbyggertjenester',
    'Innbygger',
    binding('CanSend', 'Foresporsel', HELSENORGE) + binding('CanReceive', 'Svar', HELSENORGE) + binding('CanReceive', 'Apprec', HELSENORGE),
  )}
</tns:CollaborationProtocolAgreement>`;

describe('the CPA: agreements and profiles from the CPPA register (REST v2), cached in Redis', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let client: Redis;
  let standIn: ArStandIn;
  let lookup: CollaborationLookup;
  const asked: string[] = [];

  before(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url);
    standIn = await startArStandIn();
    const cppa = new CppaClient({ baseUrl: `${standIn.baseUrl}${CPPA_PATH}`, accessToken: () => Promise.resolve('token'), timeoutMs: 5_000 });
    const get = cppa.get.bind(cppa);
    cppa.get = (path: string) => {
      asked.push(path);
      return get(path);
    };
    lookup = new CollaborationLookup(cppa, client, { herId: CLINIC, prefix: 'test:8142987', ttlS: 300 });
  });
  after(async () => {
    client?.disconnect();
    await standIn?.close();
    await redis?.stop();
  });

  it("reads the other party of an agreement in NHN's layout: process, version, actions and the queue behind each", () => {
    const party = readCollaboration(NHN_LAYOUT, CLINIC);
    assert.equal(party.herId, HELSENORGE);
    assert.equal(party.cpaId, '51795e2c-9d39-44e0-9168-5bee38f20819');
    const route = routeTo(party, 'DIALOG_INNBYGGER_EKONTAKT', 'Svar');
    assert.deepEqual(route, {
      process: 'Dialog_Innbygger_Ekontakt',
      version: '1.2',
      action: 'Svar',
      queue: '8093244_async',
      sync: false,
      cpaId: '51795e2c-9d39-44e0-9168-5bee38f20819',
    });
    assert.equal(routeTo(party, 'DIALOG_INNBYGGER_EKONTAKT', 'APPREC')?.queue, '8093244_async', 'receipts by the APPREC action, any case');
    assert.equal(routeTo(party, 'DIALOG_INNBYGGER_EKONTAKT', 'Foresporsel'), undefined, 'Helsenorge does not receive what it sends');
    assert.equal(routeTo(party, 'DIALOG_INNBYGGER_EKONSULTASJON', 'Svar'), undefined, 'a process outside the agreement');
    assert.throws(
      () => readCollaboration('<x/>', CLINIC),
      (err: Error & { code?: string }) => err.code === 'CPPA_RESPONSE_INVALID' && /not a CPPA 2.0 agreement or profile/.test(err.message),
    );
  });

  it('routes by the agreement with its id; the answer is cached (one register call for many sends)', async () => {
    asked.length = 0;
    const route = await lookup.route(HELSENORGE, 'DIALOG_INNBYGGER_EKONTAKT', 'Svar');
    assert.equal(route?.queue, '8093244_async');
    assert.equal(route?.cpaId, agreementId(CLINIC, HELSENORGE));
    assert.equal(route?.process, 'Dialog_Innbygger_Ekontakt');
    assert.equal((await lookup.route(HELSENORGE, 'DIALOG_INNBYGGER_TIMERESERVASJON', 'SvarAvtaleReservasjon'))?.queue, '8093244_async');
    assert.equal((await lookup.route(HELSENORGE, 'DIALOG_INNBYGGER_TIMERESERVASJON', 'HentLedigeTimer'))?.queue, undefined, 'the clinic never sends it');
    assert.deepEqual(asked, [`/Agreements/HerIds/${CLINIC}/${HELSENORGE}`]);
    assert.ok((await client.ttl(`test:8142987:cppa:${CLINIC}:${HELSENORGE}`)) > 290);
  });

  it("falls back to the receiver's profile (no cpaId) when there is no agreement, and to nothing when there is neither", async () => {
    await fetch(`${standIn.baseUrl}/stand-in/agreements/${CLINIC}/${HELSENORGE}`, { method: 'DELETE' });
    try {
      await lookup.forget(HELSENORGE);
      asked.length = 0;
      const route = await lookup.route(HELSENORGE, 'DIALOG_INNBYGGER_EKONTAKT', 'Svar');
      assert.equal(route?.queue, '8093244_async');
      assert.equal(route?.cpaId, undefined);
      assert.deepEqual(asked, [`/Agreements/HerIds/${CLINIC}/${HELSENORGE}`, `/Profiles/${HELSENORGE}`]);
      assert.equal(await lookup.route('9999999', 'DIALOG_INNBYGGER_EKONTAKT', 'Svar'), undefined);
    } finally {
      await fetch(`${standIn.baseUrl}/stand-in/agreements/${CLINIC}/${HELSENORGE}`, { method: 'PUT' });
      await lookup.forget(HELSENORGE);
    }
  });

  it("checks a received message's cpaId against the agreement between its receiver and its sender", async () => {
    const agreed = agreementId(HELSENORGE, CLINIC);
    assert.equal(await lookup.checkInbound(HELSENORGE, CLINIC, agreed), undefined);
    assert.equal(await lookup.checkInbound(HELSENORGE, CLINIC, undefined), undefined, 'a message naming no agreement is taken');
    // a GP under the clinic has its own agreement
    assert.equal(await lookup.checkInbound(HELSENORGE, '8142988', agreementId(HELSENORGE, '8142988')), undefined);
    assert.match((await lookup.checkInbound(HELSENORGE, CLINIC, agreementId(HELSENORGE, '8143100'))) ?? '', /is not the agreement between 8093244 and 8142987/);
    assert.match((await lookup.checkInbound('9999999', CLINIC, agreed)) ?? '', /there is no agreement between 9999999 and 8142987/);
  });

  it('an agreement is also had by its id, and the register asks for a token', async () => {
    const id = agreementId(CLINIC, HELSENORGE);
    const cppa = new CppaClient({ baseUrl: `${standIn.baseUrl}${CPPA_PATH}`, accessToken: () => Promise.resolve('token'), timeoutMs: 5_000 });
    const party = readCollaboration((await cppa.agreement(id))!, CLINIC);
    assert.equal(party.cpaId, id);
    assert.equal(party.herId, HELSENORGE);
    assert.equal(await cppa.agreement('00000000-0000-4000-a000-000000000000'), undefined);
    const res = await fetch(`${standIn.baseUrl}${CPPA_PATH}/Profiles/${CLINIC}`);
    assert.equal(res.status, 401);
  });

  it('a register that cannot be reached is CPPA_UNREACHABLE (the send is tried again)', async () => {
    const cppa = new CppaClient({ baseUrl: 'http://127.0.0.1:9/cppa/v2', accessToken: () => Promise.resolve('token'), timeoutMs: 1_000 });
    await assert.rejects(
      () => cppa.profile(CLINIC),
      (err: Error & { code?: string }) => err.code === 'CPPA_UNREACHABLE',
    );
  });
});
