import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMUNICATION_TEST, PROCESSES, type SupportProcessDefinition } from '../../src/domain/services.js';
import { derFromPem } from '../../src/registry/certificate-pem.js';
import { CPPA_NS } from '../../src/registry/cppa.js';
import { escapeAttr, escapeText } from '../../src/kith/xml-write.js';
import { certificateOf, type StandInEntry } from './register-entries.js';

/**
 * The stand-in's CPPA register (NHN's REST API v2, `Accept: application/xml`): `GET
 * Profiles/{herId}`, `GET Agreements/HerIds/{me}/{them}` and `GET Agreements/{id}`, answered with
 * ebXML CPPA 2.0 XML made from the register entries. Helsenorge's parties take the citizen's role
 * (Innbygger) in every process, every other party the clinic's (Fastlege); each party receives on
 * its `<HER-id>_async` queue, and on `<HER-id>_sync` for the synchronous actions (HentLedigeTimer,
 * SvarLedigeTimer, the communication test). An agreement exists between a Helsenorge party and any
 * other party unless it was withdrawn (`DELETE /stand-in/agreements/{me}/{them}`); its id is
 * derived from the two HER-ids, so it is the same on every start.
 */

const SYNC_ACTIONS = new Set(['HentLedigeTimer', 'SvarLedigeTimer', 'Dialog_Innbygger_Test/Foresporsel', 'Dialog_Innbygger_Test/Svar']);
const BUS_NAMESPACE = 'sb.test.nhn.no/DigitalDialog';

export interface CppaStandIn {
  helsenorgeHerIds: ReadonlySet<string>;
  /** pairs (`me/them`, either order) whose agreement was withdrawn */
  withdrawn: Set<string>;
}

export function agreementId(a: string, b: string): string {
  const h = createHash('sha256').update([a, b].sort().join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An agreement's parties in either order, as the withdrawn set keys them. */
export const pairKey = (a: string, b: string) => [a, b].sort().join('/');

function partyInfo(entry: StandInEntry, citizen: boolean, baseDir: string): string {
  const her = entry.herId;
  const processes: SupportProcessDefinition[] = [...PROCESSES, COMMUNICATION_TEST];
  const roles = processes
    .map((p) => {
      const binding = (kind: 'CanSend' | 'CanReceive', action: string, i: number) => {
        const sync = SYNC_ACTIONS.has(action) || SYNC_ACTIONS.has(`${p.process}/${action}`);
        return `<tns:${kind}><tns:ThisPartyActionBinding tns:action="${escapeAttr(action)}" tns:id="${escapeAttr(`${p.process}_${i}_${her}`)}" tns:packageId="package_${p.appRecVersion}"><tns:ChannelId>${sync ? 'sync' : 'async'}AMQPChannel_${her}</tns:ChannelId></tns:ThisPartyActionBinding></tns:${kind}>`;
      };
      const mine = p.actions.filter((x) => (x.sender === 'citizen') === citizen).map((x) => x.name);
      const theirs = p.actions.filter((x) => (x.sender === 'citizen') !== citizen).map((x) => x.name);
      let i = 0;
      return [
        `<tns:CollaborationRole><tns:ProcessSpecification tns:name="${p.process}" tns:version="${p.processVersion}"/>`,
        `<tns:Role tns:name="${citizen ? 'Innbygger' : 'Fastlege'}"/><tns:ServiceBinding><tns:Service>${p.process}</tns:Service>`,
        ...mine.map((n) => binding('CanSend', n, i++)),
        binding('CanSend', 'APPREC', i++),
        ...theirs.map((n) => binding('CanReceive', n, i++)),
        binding('CanReceive', 'APPREC', i++),
        '</tns:ServiceBinding></tns:CollaborationRole>',
      ].join('');
    })
    .join('\n');
  const certificate = (use: 'signing' | 'encryption', id: string) => {
    const c = certificateOf(entry, use, baseDir);
    return c
      ? `<tns:Certificate tns:certId="${id}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${derFromPem(c.pem).toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></tns:Certificate>`
      : '';
  };
  const transport = (kind: 'async' | 'sync') =>
    `<tns:DeliveryChannel tns:channelId="${kind}AMQPChannel_${her}" tns:transportId="transport_${kind}_${her}" tns:docExchangeId="docexchange_${kind}_${her}"/>` +
    `<tns:Transport tns:transportId="transport_${kind}_${her}"><tns:TransportSender><tns:TransportProtocol tns:version="1.0">AMQP</tns:TransportProtocol></tns:TransportSender>` +
    `<tns:TransportReceiver><tns:TransportProtocol tns:version="1.0">AMQP</tns:TransportProtocol><tns:Endpoint tns:uri="${BUS_NAMESPACE}/${her}_${kind}" tns:type="allPurpose"/></tns:TransportReceiver></tns:Transport>`;
  return [
    `<tns:PartyInfo tns:partyName="${escapeAttr(entry.name)}" tns:defaultMshChannelId="asyncAMQPChannel_${her}">`,
    `<tns:PartyId tns:type="HER">${escapeText(her)}</tns:PartyId>`,
    roles,
    certificate('signing', 'sign'),
    certificate('encryption', 'enc'),
    transport('async'),
    transport('sync'),
    '</tns:PartyInfo>',
  ].join('\n');
}

const ROOT_NS = `xmlns:tns="${CPPA_NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`;

export function profileXml(entry: StandInEntry, citizen: boolean, baseDir: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<tns:CollaborationProtocolProfile ${ROOT_NS} tns:cppid="${agreementId(entry.herId, 'cpp')}" tns:version="2_0b">\n${partyInfo(entry, citizen, baseDir)}\n</tns:CollaborationProtocolProfile>\n`;
}

export function agreementXml(a: StandInEntry, b: StandInEntry, cppa: CppaStandIn, baseDir: string): string {
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<tns:CollaborationProtocolAgreement ${ROOT_NS} tns:cpaid="${agreementId(a.herId, b.herId)}" tns:version="2_0b">`,
    `<tns:Status tns:value="agreed"/>`,
    partyInfo(a, cppa.helsenorgeHerIds.has(a.herId), baseDir),
    partyInfo(b, cppa.helsenorgeHerIds.has(b.herId), baseDir),
    `</tns:CollaborationProtocolAgreement>`,
    '',
  ].join('\n');
}

function sendXml(res: ServerResponse, status: number, body: string, type = 'application/xml'): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** `path` below the CPPA base (`/cppa/v2`): Profiles/…, Agreements/HerIds/…/…, Agreements/{id}. */
export function cppaAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  lookup: (herId: string) => StandInEntry | undefined,
  all: () => Iterable<StandInEntry>,
  cppa: CppaStandIn,
  baseDir: string,
): void {
  const authorization = req.headers.authorization ?? '';
  if (!/^(Bearer|DPoP) \S+/.test(authorization) || (authorization.startsWith('DPoP') && typeof req.headers.dpop !== 'string'))
    return sendXml(res, 401, '{"error":"a bearer token (or a DPoP-bound token with its proof) is required"}', 'application/json');
  const notFound = (what: string) => sendXml(res, 404, JSON.stringify({ error: `${what} not found` }), 'application/json');
  const agreed = (a: string, b: string) => a !== b && cppa.helsenorgeHerIds.has(a) !== cppa.helsenorgeHerIds.has(b) && !cppa.withdrawn.has(pairKey(a, b));
  let m = /^\/Profiles\/(\d{1,9})$/.exec(path);
  if (m) {
    const entry = lookup(m[1]!);
    return entry ? sendXml(res, 200, profileXml(entry, cppa.helsenorgeHerIds.has(entry.herId), baseDir)) : notFound(`profile ${m[1]}`);
  }
  m = /^\/Agreements\/HerIds\/(\d{1,9})\/(\d{1,9})$/.exec(path);
  if (m) {
    const [me, them] = [lookup(m[1]!), lookup(m[2]!)];
    if (!me || !them || !agreed(me.herId, them.herId)) return notFound(`agreement between ${m[1]} and ${m[2]}`);
    return sendXml(res, 200, agreementXml(me, them, cppa, baseDir));
  }
  m = /^\/Agreements\/([0-9a-f-]{36})$/.exec(path);
  if (m) {
    const entries = [...all()];
    for (const a of entries)
      for (const b of entries)
        if (agreed(a.herId, b.herId) && agreementId(a.herId, b.herId) === m[1]) return sendXml(res, 200, agreementXml(a, b, cppa, baseDir));
    return notFound(`agreement ${m[1]}`);
  }
  return notFound(path);
}
