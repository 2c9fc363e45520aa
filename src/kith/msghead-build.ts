import { randomUUID } from 'node:crypto';
import { codeListOid, ORGANISATION_ID_TYPES, PERSON_ID_TYPES, REFDOC_TYPES } from '../domain/codes.js';
import { dialogProcessForMsgType } from '../domain/services.js';
import { kithDateTime } from './date-time.js';
import type { Ident, OrganisationInfo, PatientInfo } from './model.js';
import { MIG_VERSION, NS } from './namespaces.js';
import { coded, el, txt, xmlDocument, type Node } from './xml-write.js';

/** One MsgHead Document: an embedded XML document or an attachment. */
export interface DocumentPart {
  /** The embedded document's root element, written with its own default namespace. */
  readonly content: Node;
  readonly refDocType: keyof typeof REFDOC_TYPES;
  readonly mimeType?: string;
  readonly description?: string;
  readonly contentDescription?: string;
  readonly issueDate?: Date;
}

export interface MsgHeadInput {
  readonly msgType: string;
  readonly msgId?: string;
  readonly genDate?: Date;
  readonly conversationRef?: { readonly refToParent: string; readonly refToConversation: string };
  readonly sender: OrganisationInfo;
  readonly receiver: OrganisationInfo;
  readonly patient: PatientInfo;
  readonly documents: readonly DocumentPart[];
}

function ident(i: Ident, list: '8116' | '9051'): Node {
  const names: Record<string, string> = list === '9051' ? ORGANISATION_ID_TYPES : PERSON_ID_TYPES;
  return el('Ident', undefined, txt('Id', i.id), coded('TypeId', { v: i.type, s: codeListOid(list), dn: names[i.type] }));
}

function organisation(o: OrganisationInfo): Node {
  const hp = o.professional;
  return el(
    'Organisation',
    undefined,
    txt('OrganisationName', o.name ?? ''),
    o.ids.map((i) => ident(i, '9051')),
    o.unit && organisation(o.unit),
    hp &&
      el(
        'HealthcareProfessional',
        undefined,
        txt('FamilyName', hp.familyName ?? (hp.givenName ? undefined : hp.name)),
        txt('GivenName', hp.givenName),
        hp.ids.map((i) => ident(i, i.type === 'HER' ? '9051' : '8116')),
      ),
  );
}

function patient(p: PatientInfo): Node {
  return el(
    'Patient',
    undefined,
    txt('FamilyName', p.familyName),
    txt('MiddleName', p.middleName),
    txt('GivenName', p.givenName),
    p.ids.map((i) => ident(i, '8116')),
  );
}

function document(d: DocumentPart): Node {
  return el(
    'Document',
    undefined,
    txt('ContentDescription', d.contentDescription),
    el(
      'RefDoc',
      undefined,
      d.issueDate && el('IssueDate', { V: kithDateTime(d.issueDate) }),
      coded('MsgType', { v: d.refDocType, dn: REFDOC_TYPES[d.refDocType] }),
      txt('MimeType', d.mimeType),
      txt('Description', d.description),
      el('Content', undefined, d.content),
    ),
  );
}

/** Builds a MsgHead 1.2 message (UTF-8 XML text) around its documents. */
export function buildMsgHead(input: MsgHeadInput): string {
  const process = dialogProcessForMsgType(input.msgType);
  const root = el(
    'MsgHead',
    { xmlns: NS.msgHead },
    el(
      'MsgInfo',
      undefined,
      coded('Type', { v: input.msgType, dn: process?.msgTypeText }),
      txt('MIGversion', MIG_VERSION.msgHead),
      txt('GenDate', kithDateTime(input.genDate ?? new Date())),
      txt('MsgId', input.msgId ?? randomUUID()),
      coded('Ack', { v: 'J', dn: 'Ja' }),
      input.conversationRef &&
        el(
          'ConversationRef',
          undefined,
          txt('RefToParent', input.conversationRef.refToParent),
          txt('RefToConversation', input.conversationRef.refToConversation),
        ),
      el('Sender', undefined, organisation(input.sender)),
      el('Receiver', undefined, organisation(input.receiver)),
      patient(input.patient),
    ),
    input.documents.map(document),
  );
  return xmlDocument(root);
}
