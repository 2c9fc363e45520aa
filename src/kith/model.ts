import type { ProcessDefinition, ServiceId, AppRecVersion } from '../domain/services.js';
import { attrOf, type XmlEl } from './xml-tree.js';

/** A coded value as KITH writes it: V (value), S (code list OID), DN (display name). */
export interface Coded {
  readonly v?: string;
  readonly s?: string;
  readonly dn?: string;
}

export interface Ident {
  readonly id: string;
  readonly type: string;
}

/** An organisation as MsgHead nests it: the top level first, a sub-unit and a professional inside. */
export interface OrganisationInfo {
  readonly name?: string;
  readonly ids: readonly Ident[];
  readonly unit?: OrganisationInfo;
  readonly professional?: { readonly name?: string; readonly familyName?: string; readonly givenName?: string; readonly ids: readonly Ident[] };
}

/** Patient data: handled in memory only, never logged or put in an error message. */
export interface PatientInfo {
  readonly familyName?: string;
  readonly middleName?: string;
  readonly givenName?: string;
  readonly ids: readonly Ident[];
}

export type EmbeddedKind = 'dialogmelding' | 'xcal' | 'patient-relation' | 'base64' | 'other' | 'file-reference' | 'empty';

/**
 * The patient-relation part (Pasientrelasjon): the person acting for the MsgHead's patient and in
 * what capacity (code list 7611). Patient data like PatientInfo: never logged.
 */
export interface PatientRelation {
  readonly relation?: Coded;
  readonly actor?: PatientInfo;
  /** The Pasientrelasjon element, for the rules to point at. */
  readonly el: XmlEl;
}

/** One MsgHead Document: its RefDoc facts and the root of the embedded document, if any. */
export interface EmbeddedDocument {
  readonly index: number;
  readonly kind: EmbeddedKind;
  readonly namespace?: string;
  readonly refDocType?: string;
  readonly mimeType?: string;
  readonly description?: string;
  readonly el?: XmlEl;
  readonly refDocEl?: XmlEl;
}

export interface MsgHeadMessage {
  readonly document: 'MsgHead';
  readonly version: '1.2';
  readonly root: XmlEl;
  readonly msgType?: string;
  readonly migVersion?: string;
  readonly genDate?: string;
  readonly msgId?: string;
  readonly conversationRef?: { readonly refToParent?: string; readonly refToConversation?: string };
  readonly sender?: OrganisationInfo;
  readonly receiver?: OrganisationInfo;
  readonly patient?: PatientInfo;
  readonly documents: readonly EmbeddedDocument[];
  /** The CPA process of msgType, when it is one of the four services. */
  readonly process?: ProcessDefinition;
  readonly service?: ServiceId;
  readonly action?: string;
  readonly dialogmeldingVersion?: '1.0' | '1.1';
  /** Present when someone acts on the patient's behalf (the first patient-relation part). */
  readonly patientRelation?: PatientRelation;
}

export interface AppRecMessage {
  readonly document: 'AppRec';
  readonly version: AppRecVersion;
  readonly root: XmlEl;
  readonly msgType?: string;
  readonly migVersion?: string;
  readonly genDate?: string;
  readonly id?: string;
  readonly status?: string;
  readonly errors: readonly Coded[];
  readonly originalMsgId?: { readonly msgType?: string; readonly issueDate?: string; readonly id?: string };
  readonly senderHerIds: readonly string[];
  readonly receiverHerIds: readonly string[];
}

/** The root was neither MsgHead nor AppRec in a namespace we know. */
export interface UnknownDocument {
  readonly document: 'unknown';
  readonly root: XmlEl;
}

export type KithDocument = MsgHeadMessage | AppRecMessage | UnknownDocument;

/** HER-ids of an organisation chain, top level first, the professional last. */
export function herIdsOf(org: OrganisationInfo | undefined): string[] {
  const out: string[] = [];
  for (let o = org; o; o = o.unit) {
    for (const i of o.ids) if (i.type === 'HER') out.push(i.id);
    for (const i of o.professional?.ids ?? []) if (i.type === 'HER') out.push(i.id);
  }
  return out;
}

/** A coded element's V, S and DN, as far as they are given. */
export function codedOf(e: XmlEl | undefined): Coded | undefined {
  if (!e) return undefined;
  const v = attrOf(e, 'V');
  const s = attrOf(e, 'S');
  const dn = attrOf(e, 'DN');
  return { ...(v !== undefined ? { v } : {}), ...(s !== undefined ? { s } : {}), ...(dn !== undefined ? { dn } : {}) };
}
