import { NATIONAL_ID_TYPES } from '../../domain/codes.js';
import { isHerId, isOrganisationNumber } from '../../domain/identifiers.js';
import { checkNationalId } from '../../domain/national-id.js';
import { COMMUNICATION_TEST, actionOf } from '../../domain/services.js';
import type { Finding } from '../findings.js';
import { herIdsOf, type MsgHeadMessage } from '../model.js';
import { MIG_VERSION } from '../namespaces.js';
import { attrOf, child, children, textOf, type XmlEl } from '../xml-tree.js';
import { Findings, type RuleOptions } from './common.js';
import { checkDocuments } from './documents.js';
import { checkPatientRelation } from './patient-relation.js';

/** The own rules for a MsgHead 1.2 envelope, its patient, and (through documents.ts) its payloads. */

const MSGHEAD_CHILDREN = new Set(['MsgInfo', 'Document', 'PatientReport', 'Signature']);
const MSGINFO_CHILDREN = new Set([
  'Type',
  'MIGversion',
  'GenDate',
  'MsgId',
  'ProcessingStatus',
  'RequestedPriority',
  'Ack',
  'ConversationRef',
  'Sender',
  'Receiver',
  'OtherReceiver',
  'Patient',
]);
const ORGANISATION_CHILDREN = new Set(['OrganisationName', 'TypeOrganisation', 'Ident', 'Address', 'TeleCom', 'Organisation', 'HealthcareProfessional']);
const PATIENT_CHILDREN = new Set(['FamilyName', 'MiddleName', 'GivenName', 'DateOfBirth', 'Sex', 'Nationality', 'Ident', 'Address', 'TeleCom']);

function checkIdents(f: Findings, owner: XmlEl, path: string): void {
  for (const ident of children(owner, 'Ident')) {
    const idEl = child(ident, 'Id');
    const typeEl = child(ident, 'TypeId');
    if (!f.require(ident, idEl, `${path}/Ident/Id`) || !f.require(ident, typeEl, `${path}/Ident/TypeId`)) continue;
    f.codeValue(typeEl, `${path}/Ident/TypeId`);
    const id = textOf(idEl) ?? '';
    const type = attrOf(typeEl, 'V');
    if (type === 'HER' && !isHerId(id)) f.add('KITH_CODE_INVALID', `${path} has a HER-id that is not a HER-id number.`, idEl);
    if (type === 'ENH' && !isOrganisationNumber(id)) f.add('KITH_CODE_INVALID', `${path} has an organisation number with a wrong check digit.`, idEl);
  }
}

function checkOrganisation(f: Findings, org: XmlEl, path: string): void {
  f.onlyChildren(org, ORGANISATION_CHILDREN, path);
  if (org.children.length > 0) {
    f.require(org, child(org, 'OrganisationName'), `${path}/OrganisationName`);
    if (children(org, 'Ident').length === 0) f.require(org, undefined, `${path}/Ident`);
  }
  checkIdents(f, org, path);
  const hp = child(org, 'HealthcareProfessional');
  if (hp) {
    if (children(hp, 'Ident').length === 0) f.require(hp, undefined, `${path}/HealthcareProfessional/Ident`);
    checkIdents(f, hp, `${path}/HealthcareProfessional`);
  }
  const unit = child(org, 'Organisation');
  if (unit) checkOrganisation(f, unit, `${path}/Organisation`);
}

function checkParty(f: Findings, info: XmlEl, role: 'Sender' | 'Receiver', herIds: readonly string[]): void {
  const party = child(info, role);
  if (!f.require(info, party, `MsgInfo/${role}`)) return;
  const org = child(party, 'Organisation');
  if (!f.require(party, org, `MsgInfo/${role}/Organisation`)) return;
  checkOrganisation(f, org, `${role}/Organisation`);
  if (herIds.length === 0) f.add('KITH_CONTENT_INVALID', `${role} has no HER-id; the address register needs one to route the message.`, org);
}

function checkPatient(f: Findings, info: XmlEl, opts: RuleOptions): void {
  const patient = child(info, 'Patient');
  if (!patient) {
    f.add('KITH_PATIENT_ID_MISSING', 'MsgInfo/Patient is missing.', info);
    f.add('KITH_PATIENT_NAME_MISSING', 'MsgInfo/Patient is missing.', info);
    return;
  }
  f.onlyChildren(patient, PATIENT_CHILDREN, 'Patient');
  checkIdents(f, patient, 'Patient');
  f.date(child(patient, 'DateOfBirth'), textOf(child(patient, 'DateOfBirth')), 'Patient/DateOfBirth');
  if (!textOf(child(patient, 'FamilyName')) || !textOf(child(patient, 'GivenName'))) {
    f.add('KITH_PATIENT_NAME_MISSING', 'Patient/FamilyName or Patient/GivenName is missing or empty.', patient);
  }
  const national = children(patient, 'Ident').filter((i) => (NATIONAL_ID_TYPES as readonly string[]).includes(attrOf(child(i, 'TypeId'), 'V') ?? ''));
  if (national.length === 0) {
    f.add('KITH_PATIENT_ID_MISSING', 'Patient has no Ident with TypeId FNR, DNR or HNR.', patient);
    return;
  }
  for (const ident of national) {
    const id = textOf(child(ident, 'Id')) ?? '';
    const declaredType = attrOf(child(ident, 'TypeId'), 'V');
    if (id === '') {
      f.add('KITH_PATIENT_ID_MISSING', 'Patient/Ident/Id is empty.', ident);
      continue;
    }
    const verdict = checkNationalId(id, { allowSynthetic: opts.allowSyntheticIds, ...(declaredType ? { declaredType } : {}) });
    if (!verdict.valid) f.add('KITH_PATIENT_ID_INVALID', `Patient national id (${declaredType}) fails: ${verdict.reason}.`, ident);
  }
}

export function checkMsgHead(msg: MsgHeadMessage, opts: RuleOptions): Finding[] {
  const f = new Findings('envelope');
  const root = msg.root;
  f.onlyChildren(root, MSGHEAD_CHILDREN, 'MsgHead');
  const info = child(root, 'MsgInfo');
  if (!f.require(root, info, 'MsgHead/MsgInfo')) return f.items;
  f.onlyChildren(info, MSGINFO_CHILDREN, 'MsgInfo');
  for (const once of ['Type', 'MIGversion', 'GenDate', 'MsgId', 'Sender', 'Receiver', 'Patient', 'ConversationRef']) f.atMostOne(info, once, 'MsgInfo');

  const typeEl = child(info, 'Type');
  if (f.require(info, typeEl, 'MsgInfo/Type')) {
    if (!msg.msgType) f.add('KITH_UNSUPPORTED_TYPE', 'MsgInfo/Type has no V.', typeEl);
    // the communication test (Dialog_Innbygger_Test) belongs to no service but is answered all the same
    else if (!msg.process && msg.msgType !== COMMUNICATION_TEST.msgType)
      f.add('KITH_UNSUPPORTED_TYPE', `Message type ${msg.msgType} is not served here.`, typeEl);
  }
  const mig = child(info, 'MIGversion');
  if (f.require(info, mig, 'MsgInfo/MIGversion') && msg.migVersion !== MIG_VERSION.msgHead) {
    f.add('KITH_SCHEMA_INVALID', `MsgInfo/MIGversion must be "${MIG_VERSION.msgHead}".`, mig);
  }
  f.genDateAndId(info, 'MsgInfo', 'MsgId');
  const conv = child(info, 'ConversationRef');
  if (conv) {
    f.require(conv, child(conv, 'RefToParent'), 'ConversationRef/RefToParent');
    f.require(conv, child(conv, 'RefToConversation'), 'ConversationRef/RefToConversation');
  }
  checkParty(f, info, 'Sender', herIdsOf(msg.sender));
  checkParty(f, info, 'Receiver', herIdsOf(msg.receiver));
  if (msg.process) checkPatient(f, info, opts);

  if (children(root, 'Document').length === 0 && !child(root, 'PatientReport')) f.require(root, undefined, 'MsgHead/Document');
  const items = [...f.items, ...checkDocuments(msg), ...(msg.process ? checkPatientRelation(msg, opts) : [])];
  if (msg.process && msg.documents.some((d) => d.kind === 'dialogmelding')) {
    const action = msg.action ? actionOf(msg.process, msg.action) : undefined;
    if (!action) items.push(...actionMissing());
    else if (action.calendar && !msg.documents.some((d) => d.kind === 'xcal')) {
      const g = new Findings('document');
      g.add('KITH_CONTENT_INVALID', `Action ${action.name} needs an xCal (iCalendar) document.`, root);
      items.push(...g.items);
    }
  }
  return items;
}

function actionMissing(): Finding[] {
  const g = new Findings('document');
  g.add('KITH_CONTENT_INVALID', 'Dialogmelding holds neither a Foresporsel (request) nor a Notat (answer).');
  return g.items;
}
