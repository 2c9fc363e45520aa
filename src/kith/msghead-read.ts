import { processForMsgType } from '../domain/services.js';
import {
  codedOf,
  type EmbeddedDocument,
  type EmbeddedKind,
  type Ident,
  type MsgHeadMessage,
  type OrganisationInfo,
  type PatientInfo,
  type PatientRelation,
} from './model.js';
import { NS } from './namespaces.js';
import { at, attrOf, child, children, textOf, type XmlEl } from './xml-tree.js';
import { inferAction } from './actions.js';

/** Reads a MsgHead element tree into the model; missing parts stay undefined for the rules to name. */

function idents(el: XmlEl | undefined): Ident[] {
  return children(el, 'Ident').map((i) => ({ id: textOf(child(i, 'Id')) ?? '', type: attrOf(child(i, 'TypeId'), 'V') ?? '' }));
}

function organisation(el: XmlEl | undefined): OrganisationInfo | undefined {
  if (!el) return undefined;
  const hp = child(el, 'HealthcareProfessional');
  const unit = organisation(child(el, 'Organisation'));
  const name = textOf(child(el, 'OrganisationName'));
  const givenName = textOf(child(hp, 'GivenName'));
  const familyName = textOf(child(hp, 'FamilyName'));
  const hpName = [givenName, familyName].filter(Boolean).join(' ');
  return {
    ...(name !== undefined ? { name } : {}),
    ids: idents(el),
    ...(unit ? { unit } : {}),
    ...(hp ? { professional: { ...(hpName ? { name: hpName } : {}), ...opt('givenName', givenName), ...opt('familyName', familyName), ids: idents(hp) } } : {}),
  };
}

function patient(el: XmlEl | undefined): PatientInfo | undefined {
  if (!el) return undefined;
  const familyName = textOf(child(el, 'FamilyName'));
  const middleName = textOf(child(el, 'MiddleName'));
  const givenName = textOf(child(el, 'GivenName'));
  return {
    ...(familyName !== undefined ? { familyName } : {}),
    ...(middleName !== undefined ? { middleName } : {}),
    ...(givenName !== undefined ? { givenName } : {}),
    ids: idents(el),
  };
}

/** Pasientrelasjon: Relasjon (7611) and the acting Person, named like MsgHead's Patient. */
function patientRelation(el: XmlEl): PatientRelation {
  const relation = codedOf(child(el, 'Relasjon'));
  const actor = patient(child(el, 'Person'));
  return { el, ...(relation ? { relation } : {}), ...(actor ? { actor } : {}) };
}

function kindOf(ns: string, name: string): EmbeddedKind {
  if ((ns === NS.dialog11 || ns === NS.dialog10) && name === 'Dialogmelding') return 'dialogmelding';
  if (ns === NS.xcal && name === 'icalendar') return 'xcal';
  if (ns === NS.patientRelation && name === 'Pasientrelasjon') return 'patient-relation';
  if (ns === NS.base64 && name === 'Base64Container') return 'base64';
  return 'other';
}

function embedded(docEl: XmlEl, index: number): EmbeddedDocument {
  const refDoc = child(docEl, 'RefDoc');
  const content = child(refDoc, 'Content');
  const root = content?.children[0];
  const refDocType = attrOf(child(refDoc, 'MsgType'), 'V');
  const mimeType = textOf(child(refDoc, 'MimeType'));
  const description = textOf(child(refDoc, 'Description'));
  const kind: EmbeddedKind = root ? kindOf(root.ns, root.name) : child(refDoc, 'FileReference') ? 'file-reference' : 'empty';
  return {
    index,
    kind,
    ...(root ? { namespace: root.ns, el: root } : {}),
    ...(refDoc ? { refDocEl: refDoc } : {}),
    ...(refDocType !== undefined ? { refDocType } : {}),
    ...(mimeType !== undefined ? { mimeType } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

export function readMsgHead(root: XmlEl): MsgHeadMessage {
  const info = child(root, 'MsgInfo');
  const conv = child(info, 'ConversationRef');
  const documents = children(root, 'Document').map(embedded);
  const msgType = attrOf(child(info, 'Type'), 'V');
  const process = msgType ? processForMsgType(msgType) : undefined;
  const dialog = documents.find((d) => d.kind === 'dialogmelding');
  const sender = organisation(at(info, 'Sender', 'Organisation'));
  const receiver = organisation(at(info, 'Receiver', 'Organisation'));
  const pat = patient(child(info, 'Patient'));
  const relationEl = documents.find((d) => d.kind === 'patient-relation')?.el;
  const msg: MsgHeadMessage = {
    document: 'MsgHead',
    version: '1.2',
    root,
    documents,
    ...opt('msgType', msgType),
    ...opt('migVersion', textOf(child(info, 'MIGversion'))),
    ...opt('genDate', textOf(child(info, 'GenDate'))),
    ...opt('msgId', textOf(child(info, 'MsgId'))),
    ...(conv
      ? {
          conversationRef: { ...opt('refToParent', textOf(child(conv, 'RefToParent'))), ...opt('refToConversation', textOf(child(conv, 'RefToConversation'))) },
        }
      : {}),
    ...opt('sender', sender),
    ...opt('receiver', receiver),
    ...opt('patient', pat),
    ...(process ? { process, service: process.service } : {}),
    ...(dialog ? { dialogmeldingVersion: dialog.namespace === NS.dialog10 ? '1.0' : '1.1' } : {}),
    ...(relationEl ? { patientRelation: patientRelation(relationEl) } : {}),
  };
  const action = process ? inferAction(process, msg) : undefined;
  return action ? { ...msg, action } : msg;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
