import type { Finding } from '../findings.js';
import type { EmbeddedDocument, MsgHeadMessage } from '../model.js';
import { attrOf, child } from '../xml-tree.js';
import { Findings, isKithTimestamp } from './common.js';
import { checkDialogmelding } from './dialogmelding.js';
import { checkCalendar } from './xcal.js';

/**
 * Own rules for each MsgHead Document: the RefDoc, and the embedded document by its kind. A fault
 * in an attachment is reported against the attachment, so the message can still be taken in
 * ("OK, feil i delmelding").
 */

const REFDOC_CHILDREN = new Set(['IssueDate', 'MsgType', 'Id', 'MimeType', 'Description', 'Compression', 'FileReference', 'Content']);
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
const MIME_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i;

function checkRefDoc(doc: EmbeddedDocument, f: Findings, path: string): void {
  const refDoc = doc.refDocEl;
  if (!refDoc) return;
  f.onlyChildren(refDoc, REFDOC_CHILDREN, `${path}/RefDoc`);
  const issue = child(refDoc, 'IssueDate');
  const issueV = attrOf(issue, 'V');
  if (issueV !== undefined && !isKithTimestamp(issueV)) f.add('KITH_SCHEMA_INVALID', `${path}/RefDoc/IssueDate is not a date or time.`, issue);
  const type = child(refDoc, 'MsgType');
  if (f.require(refDoc, type, `${path}/RefDoc/MsgType`)) f.codeValue(type, `${path}/RefDoc/MsgType`);
  if (child(refDoc, 'FileReference') && child(refDoc, 'Content')) f.add('KITH_SCHEMA_INVALID', `${path}/RefDoc has both FileReference and Content.`, refDoc);
}

function checkAttachment(doc: EmbeddedDocument, f: Findings, path: string): void {
  if (doc.refDocType === 'A' || doc.kind === 'base64') {
    if (!doc.mimeType) f.add('KITH_PART_INVALID', `${path}/RefDoc/MimeType is missing; an attachment must say what it is.`, doc.refDocEl);
    else if (!MIME_TYPE.test(doc.mimeType)) f.add('KITH_PART_INVALID', `${path}/RefDoc/MimeType is not a MIME type.`, doc.refDocEl);
  }
  if (doc.kind === 'base64' && doc.el) {
    const text = doc.el.text;
    if (doc.el.children.length > 0 || !BASE64.test(text) || text.replace(/\s+/g, '').length % 4 !== 0) {
      f.add('KITH_SCHEMA_INVALID', `${path}/Base64Container is not Base64.`, doc.el);
    }
  }
  if (doc.kind === 'empty') f.add('KITH_PART_INVALID', `${path}/RefDoc has neither Content nor FileReference.`, doc.refDocEl);
}

export function checkDocuments(msg: MsgHeadMessage): Finding[] {
  const out: Finding[] = [];
  const mainDialog = msg.documents.find((d) => d.kind === 'dialogmelding');
  if (msg.process && !mainDialog) {
    const f = new Findings('document');
    f.add('KITH_UNSUPPORTED_TYPE', 'The message carries no Dialogmelding document.', msg.root);
    out.push(...f.items);
  }
  for (const doc of msg.documents) {
    const path = `Document[${doc.index + 1}]`;
    const isMain = doc === mainDialog || doc.kind === 'xcal';
    const f = new Findings(isMain ? 'document' : 'attachment');
    if (!doc.refDocEl) f.require(undefined, undefined, `${path}/RefDoc`);
    checkRefDoc(doc, f, path);
    if (doc.kind === 'dialogmelding' && doc.el) {
      if (doc !== mainDialog) f.add('KITH_CONTENT_INVALID', `${path} is a second Dialogmelding; a message carries one.`, doc.el);
      else checkDialogmelding(doc.el, f);
    } else if (doc.kind === 'xcal' && doc.el) {
      checkCalendar(doc.el, f);
    } else {
      checkAttachment(doc, f, path);
    }
    if (doc.el && doc.el.ns === '') f.add('KITH_SCHEMA_INVALID', `${path}/RefDoc/Content/${doc.el.name} has no namespace.`, doc.el);
    out.push(...f.items);
  }
  return out;
}
