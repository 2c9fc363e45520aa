/**
 * Namespaces of the documents the gateway reads and writes, and the official schema file that
 * declares each. A namespace with no file here is carried but reported as `unvalidated`.
 */

export const NS = {
  msgHead: 'http://www.kith.no/xmlstds/msghead/2006-05-24',
  dialog10: 'http://www.kith.no/xmlstds/dialog/2006-10-11',
  dialog11: 'http://www.kith.no/xmlstds/dialog/2013-01-23',
  appRec10: 'http://www.kith.no/xmlstds/apprec/2004-11-21',
  appRec11: 'http://www.kith.no/xmlstds/apprec/2012-02-15',
  base64: 'http://www.kith.no/xmlstds/base64container',
  felles: 'http://www.kith.no/xmlstds/felleskomponent1',
  xcal: 'urn:ietf:params:xml:ns:icalendar-2.0',
  /** Who acts for the patient; no official schema in the reference set, so carried as unvalidated. */
  patientRelation: 'http://www.kith.no/xmlstds/pasientrelasjon/2014-03-28',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** The official schema file, by the namespace its root element declares. */
export const SCHEMA_FILES: Readonly<Record<string, string>> = {
  [NS.msgHead]: 'MsgHead-v1_2.xsd',
  [NS.dialog10]: 'dialogmelding-v1.0.xsd',
  [NS.dialog11]: 'dialogmelding-v1.1.xsd',
  [NS.appRec10]: 'apprec-v1.0.xsd',
  [NS.appRec11]: 'apprec-v1.1.xsd',
  [NS.base64]: 'kith-base64.xsd',
};

export const APPREC_NS_BY_VERSION = { '1.0': NS.appRec10, '1.1': NS.appRec11 } as const;
export const DIALOG_NS_BY_VERSION = { '1.0': NS.dialog10, '1.1': NS.dialog11 } as const;

/** Fixed MIGversion values of each document version. */
export const MIG_VERSION = {
  msgHead: 'v1.2 2006-05-24',
  appRec10: '1.0 2004-11-21',
  appRec11: 'v1.1 2012-02-15',
} as const;
