import { randomUUID } from 'node:crypto';
import { APPREC_ERROR_TEXT, APPREC_STATUS, codeListOid, type AppRecErrorCode, type AppRecStatus } from '../domain/codes.js';
import { appRecVersionFor, type AppRecVersion } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import type { Judgement } from './judge.js';
import type { MsgHeadMessage, OrganisationInfo } from './model.js';
import { kithDateTime } from './date-time.js';
import { isXsDateTime } from './rules/common.js';
import { APPREC_NS_BY_VERSION, MIG_VERSION } from './namespaces.js';
import { coded, el, txt, xmlDocument, type Node } from './xml-write.js';

/** A party of an AppRec: an institution, optionally a department and a person in it. */
export interface AppRecParty {
  readonly name?: string;
  readonly herId?: string;
  readonly unit?: { readonly name?: string; readonly herId: string };
  readonly person?: { readonly name?: string; readonly herId: string };
}

export interface AppRecInput {
  readonly version: AppRecVersion;
  readonly status: AppRecStatus;
  readonly errors?: readonly { readonly code: AppRecErrorCode; readonly message?: string }[];
  /** The AppRec's own id; a new UUID when not given. */
  readonly id?: string;
  readonly genDate?: Date;
  readonly sender: AppRecParty;
  readonly receiver: AppRecParty;
  readonly original: { readonly msgType: string; readonly msgTypeText?: string; readonly issueDate: string; readonly id: string };
  readonly softwareName?: string;
  readonly softwareVersion?: string;
}

const HER = { v: 'HER', dn: 'HER-id' };
const OT_MAX = 500;

function hcp(p: AppRecParty): Node {
  return el(
    'HCP',
    undefined,
    el(
      'Inst',
      undefined,
      txt('Name', p.name),
      txt('Id', p.herId),
      p.herId !== undefined && coded('TypeId', HER),
      p.unit && el('Dept', undefined, txt('Name', p.unit.name), txt('Id', p.unit.herId), coded('TypeId', HER)),
      p.person && el('HCPerson', undefined, txt('Name', p.person.name), txt('Id', p.person.herId), coded('TypeId', HER)),
    ),
  );
}

/** Builds an AppRec 1.0 or 1.1 document (UTF-8 XML text). */
export function buildAppRec(input: AppRecInput): string {
  const statusCode = APPREC_STATUS[input.status];
  const root = el(
    'AppRec',
    { xmlns: APPREC_NS_BY_VERSION[input.version] },
    coded('MsgType', { v: 'APPREC', dn: 'Applikasjonskvittering' }),
    txt('MIGversion', input.version === '1.0' ? MIG_VERSION.appRec10 : MIG_VERSION.appRec11),
    txt('SoftwareName', input.softwareName),
    txt('SoftwareVersion', input.softwareVersion),
    txt('GenDate', kithDateTime(input.genDate ?? new Date())),
    txt('Id', input.id ?? randomUUID()),
    el('Sender', undefined, hcp(input.sender)),
    el('Receiver', undefined, hcp(input.receiver)),
    coded('Status', { v: statusCode.v, dn: statusCode.dn }),
    (input.errors ?? []).map((e) => el('Error', { V: e.code, S: codeListOid('8221'), DN: APPREC_ERROR_TEXT[e.code], OT: e.message?.slice(0, OT_MAX) })),
    el(
      'OriginalMsgId',
      undefined,
      coded('MsgType', { v: input.original.msgType, dn: input.original.msgTypeText }),
      txt('IssueDate', input.original.issueDate),
      txt('Id', input.original.id),
    ),
  );
  return xmlDocument(root);
}

/** An AppRec party from a MsgHead organisation chain: top level, its first unit, and the professional. */
export function appRecPartyOf(org: OrganisationInfo | undefined): AppRecParty {
  if (!org) return {};
  const her = (ids: OrganisationInfo['ids']) => ids.find((i) => i.type === 'HER')?.id;
  const unitHer = org.unit ? her(org.unit.ids) : undefined;
  const prof = org.professional ?? org.unit?.professional;
  const profHer = prof ? her(prof.ids) : undefined;
  const top = her(org.ids);
  return {
    ...(org.name !== undefined ? { name: org.name } : {}),
    ...(top ? { herId: top } : {}),
    ...(unitHer ? { unit: { ...(org.unit?.name !== undefined ? { name: org.unit.name } : {}), herId: unitHer } } : {}),
    ...(profHer ? { person: { ...(prof?.name ? { name: prof.name } : {}), herId: profHer } } : {}),
  };
}

export interface AnswerOptions {
  /** Used when the message could not be read (T01): who sent it, as the transport says. */
  readonly fallbackReceiver?: AppRecParty;
  /** This clinic, when the message could not be read. */
  readonly fallbackSender?: AppRecParty;
  /** What the transport says of the unreadable message. */
  readonly fallbackOriginal?: AppRecInput['original'];
  readonly id?: string;
  readonly genDate?: Date;
}

/**
 * The AppRec answering a judged message: sender and receiver swapped, OriginalMsgId carrying the
 * received MsgId and type, status and errors from the judgement, version from the process.
 */
export function buildAppRecFor(judgement: Judgement, opts: AnswerOptions = {}): string {
  if (!judgement.answerable) throw new GatewayError('KITH_UNSUPPORTED_TYPE', 'An AppRec is never answered with an AppRec.');
  const msg: MsgHeadMessage | undefined = judgement.message?.document === 'MsgHead' ? judgement.message : undefined;
  const now = opts.genDate ?? new Date();
  const issueDate = msg?.genDate && isXsDateTime(msg.genDate) ? msg.genDate : kithDateTime(now);
  return buildAppRec({
    version: appRecVersionFor(msg?.msgType),
    status: judgement.appRec,
    errors: judgement.errors,
    ...(opts.id ? { id: opts.id } : {}),
    genDate: now,
    sender: msg?.receiver ? appRecPartyOf(msg.receiver) : (opts.fallbackSender ?? {}),
    receiver: msg?.sender ? appRecPartyOf(msg.sender) : (opts.fallbackReceiver ?? {}),
    original: msg
      ? { msgType: msg.msgType ?? 'UKJENT', ...(msg.process ? { msgTypeText: msg.process.msgTypeText } : {}), issueDate, id: msg.msgId || 'ukjent' }
      : (opts.fallbackOriginal ?? { msgType: 'UKJENT', issueDate, id: 'ukjent' }),
  });
}
