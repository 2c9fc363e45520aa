import { GatewayError } from '../errors.js';
import { kid, kids, readSoapXml, type SoapEl } from './soap-xml.js';

/**
 * Collaboration protocol profiles (CPP) and agreements (CPA) as NHN's CPPA register serves them:
 * ebXML CPPA 2.0 XML. A profile holds one party's PartyInfo; an agreement (`cpaid` on its root) holds
 * both parties', limited to the process versions both support. Of the other party's PartyInfo the
 * gateway reads what it needs to send: per CollaborationRole the process (name and version), and
 * per action it can receive the delivery channel's endpoint (`sb.test.nhn.no/DigitalDialog/91468_async`),
 * whose last segment is the queue.
 */

export const CPPA_NS = 'http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd';

export interface CollaborationAction {
  action: string;
  /** the transport endpoint of the delivery channel, e.g. sb.test.nhn.no/DigitalDialog/91468_async */
  endpoint: string | undefined;
}

export interface CollaborationRole {
  /** ProcessSpecification name, e.g. Dialog_Innbygger_Ekontakt (the message function, ignoring case) */
  process: string;
  version: string | undefined;
  role: string | undefined;
  canReceive: CollaborationAction[];
  canSend: CollaborationAction[];
}

/** One party as an agreement or its profile describes it. */
export interface CollaborationParty {
  herId: string;
  name: string;
  /** set when read from an agreement */
  cpaId?: string;
  roles: CollaborationRole[];
}

const a = (el: SoapEl | undefined, name: string): string | undefined => el?.attrs[`{${CPPA_NS}}${name}`];

function actionsOf(role: SoapEl, kind: 'CanSend' | 'CanReceive', party: SoapEl): CollaborationAction[] {
  const channels = new Map(kids(party, CPPA_NS, 'DeliveryChannel').map((c) => [a(c, 'channelId'), a(c, 'transportId')]));
  const endpoints = new Map(
    kids(party, CPPA_NS, 'Transport').map((t) => [a(t, 'transportId'), a(kid(kid(t, CPPA_NS, 'TransportReceiver'), CPPA_NS, 'Endpoint'), 'uri')]),
  );
  return kids(kid(role, CPPA_NS, 'ServiceBinding'), CPPA_NS, kind).flatMap((can) => {
    const binding = kid(can, CPPA_NS, 'ThisPartyActionBinding');
    const action = a(binding, 'action');
    if (!action) return [];
    const channel = kid(binding, CPPA_NS, 'ChannelId')?.text.trim();
    return [{ action, endpoint: endpoints.get(channels.get(channel)) }];
  });
}

function partyOf(info: SoapEl, cpaId: string | undefined): CollaborationParty {
  const herId = kid(info, CPPA_NS, 'PartyId')?.text.trim() ?? '';
  return {
    herId,
    name: a(info, 'partyName') ?? '',
    ...(cpaId ? { cpaId } : {}),
    roles: kids(info, CPPA_NS, 'CollaborationRole').map((r) => {
      const spec = kid(r, CPPA_NS, 'ProcessSpecification');
      return {
        process: a(spec, 'name') ?? '',
        version: a(spec, 'version'),
        role: a(kid(r, CPPA_NS, 'Role'), 'name'),
        canReceive: actionsOf(r, 'CanReceive', info),
        canSend: actionsOf(r, 'CanSend', info),
      };
    }),
  };
}

/**
 * The other party of an agreement (the PartyInfo whose PartyId is not `myHerId`), or the party of a
 * profile; CPPA_RESPONSE_INVALID for XML that is neither (or not XML).
 */
export function readCollaboration(xml: string, myHerId: string): CollaborationParty {
  let root: SoapEl;
  try {
    root = readSoapXml(xml);
  } catch (err) {
    throw new GatewayError('CPPA_RESPONSE_INVALID', `(not XML: ${(err as Error).message.slice(0, 120)})`, undefined, { cause: err });
  }
  if (root.ns !== CPPA_NS || (root.name !== 'CollaborationProtocolAgreement' && root.name !== 'CollaborationProtocolProfile'))
    throw new GatewayError('CPPA_RESPONSE_INVALID', `(not a CPPA 2.0 agreement or profile: ${root.name})`);
  const infos = kids(root, CPPA_NS, 'PartyInfo');
  const other = root.name === 'CollaborationProtocolAgreement' ? infos.find((i) => kid(i, CPPA_NS, 'PartyId')?.text.trim() !== myHerId) : infos[0];
  if (!other) throw new GatewayError('CPPA_RESPONSE_INVALID', '(no PartyInfo of the other party)');
  return partyOf(other, root.name === 'CollaborationProtocolAgreement' ? a(root, 'cpaid') : undefined);
}

/** What sending one message function and action to the party takes from its agreement or profile. */
export interface Route {
  process: string;
  version: string | undefined;
  action: string;
  /** the queue name: the endpoint's last path segment */
  queue: string;
  /** a synchronous channel (the endpoint ends in `_sync`) */
  sync: boolean;
  cpaId?: string;
}

/**
 * The route for sending `msgType` (the message function, e.g. DIALOG_INNBYGGER_EKONTAKT, matched to
 * the process name ignoring case) with `action` to `party`: the role of that process, the action it
 * can receive (`APPREC`/`Apprec` for receipts), and its endpoint. Undefined when the party does not
 * receive it.
 */
export function routeTo(party: CollaborationParty, msgType: string, action: string | undefined): Route | undefined {
  const role = party.roles.find((r) => r.process.toUpperCase() === msgType.toUpperCase());
  // without an action (a message handed in before actions were recorded): the role's first asynchronous receipt channel
  const can = action
    ? role?.canReceive.find((c) => c.action.toUpperCase() === action.toUpperCase() && c.endpoint)
    : role?.canReceive.find((c) => c.endpoint && !c.endpoint.endsWith('_sync'));
  if (!role || !can?.endpoint) return undefined;
  const queue = can.endpoint.slice(can.endpoint.lastIndexOf('/') + 1);
  return {
    process: role.process,
    version: role.version,
    action: can.action,
    queue,
    sync: queue.endsWith('_sync'),
    ...(party.cpaId ? { cpaId: party.cpaId } : {}),
  };
}
