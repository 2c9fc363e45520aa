import type { AppRecVersion } from '../domain/services.js';
import type { AppRecMessage, Coded } from './model.js';
import { at, attrOf, child, children, textOf, type XmlEl } from './xml-tree.js';

/** Reads an AppRec 1.0 or 1.1 element tree into the model. */

function herIds(party: XmlEl | undefined): string[] {
  const out: string[] = [];
  const hcp = child(party, 'HCP');
  const push = (e: XmlEl | undefined) => {
    const id = textOf(child(e, 'Id'));
    if (id && attrOf(child(e, 'TypeId'), 'V') === 'HER') out.push(id);
  };
  const inst = child(hcp, 'Inst');
  push(inst);
  for (const d of children(inst, 'Dept')) push(d);
  for (const p of children(inst, 'HCPerson')) push(p);
  push(child(hcp, 'HCProf'));
  return out;
}

function codedOf(e: XmlEl): Coded {
  const v = attrOf(e, 'V');
  const s = attrOf(e, 'S');
  const dn = attrOf(e, 'DN');
  return { ...(v !== undefined ? { v } : {}), ...(s !== undefined ? { s } : {}), ...(dn !== undefined ? { dn } : {}) };
}

export function readAppRec(root: XmlEl, version: AppRecVersion): AppRecMessage {
  const orig = child(root, 'OriginalMsgId');
  const fields: Record<string, string | undefined> = {
    msgType: attrOf(child(root, 'MsgType'), 'V'),
    migVersion: textOf(child(root, 'MIGversion')),
    genDate: textOf(child(root, 'GenDate')),
    id: textOf(child(root, 'Id')),
    status: attrOf(child(root, 'Status'), 'V'),
  };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return {
    document: 'AppRec',
    version,
    root,
    ...defined,
    errors: children(root, 'Error').map(codedOf),
    ...(orig
      ? {
          originalMsgId: Object.fromEntries(
            Object.entries({
              msgType: attrOf(child(orig, 'MsgType'), 'V'),
              issueDate: textOf(child(orig, 'IssueDate')),
              id: textOf(child(orig, 'Id')),
            }).filter(([, v]) => v !== undefined),
          ),
        }
      : {}),
    senderHerIds: herIds(at(root, 'Sender')),
    receiverHerIds: herIds(at(root, 'Receiver')),
  };
}
