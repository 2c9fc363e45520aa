import { APPREC_ERROR_LISTS, codeListNumber, isAppRecErrorCode } from '../../domain/codes.js';
import type { Finding } from '../findings.js';
import type { AppRecMessage } from '../model.js';
import { attrOf, child, children } from '../xml-tree.js';
import { Findings } from './common.js';

/** Own rules for AppRec 1.0 and 1.1: the fields a sender needs to match it to its message. */

const APPREC_CHILDREN = new Set([
  'MsgType',
  'MIGversion',
  'SoftwareName',
  'SoftwareVersion',
  'GenDate',
  'Id',
  'Sender',
  'Receiver',
  'Status',
  'Error',
  'OriginalMsgId',
]);

export function checkAppRec(msg: AppRecMessage): Finding[] {
  const f = new Findings('envelope');
  const root = msg.root;
  f.onlyChildren(root, APPREC_CHILDREN, 'AppRec');
  const type = child(root, 'MsgType');
  if (f.require(root, type, 'AppRec/MsgType') && msg.msgType !== 'APPREC') f.add('KITH_CODE_INVALID', 'AppRec/MsgType V must be APPREC.', type);
  f.require(root, child(root, 'MIGversion'), 'AppRec/MIGversion');
  f.genDateAndId(root, 'AppRec', 'Id');
  for (const role of ['Sender', 'Receiver'] as const) {
    const party = child(root, role);
    if (!f.require(root, party, `AppRec/${role}`)) continue;
    const hcp = child(party, 'HCP');
    if (!f.require(party, hcp, `AppRec/${role}/HCP`)) continue;
    if (!child(hcp, 'Inst') && !child(hcp, 'HCProf')) f.require(hcp, undefined, `AppRec/${role}/HCP/Inst`);
  }
  const status = child(root, 'Status');
  if (f.require(root, status, 'AppRec/Status')) {
    if (!['1', '2', '3'].includes(msg.status ?? '')) f.add('KITH_CODE_INVALID', 'AppRec/Status V must be 1, 2 or 3 (code list 8258).', status);
    else if (msg.status !== '1' && msg.errors.length === 0) f.add('KITH_CONTENT_INVALID', 'An AppRec that is not OK must name at least one Error.', status);
  }
  for (const e of children(root, 'Error')) {
    const list = codeListNumber(attrOf(e, 'S') ?? '8221');
    const v = attrOf(e, 'V') ?? '';
    if (!(APPREC_ERROR_LISTS as readonly string[]).includes(list)) f.add('KITH_CODE_INVALID', 'AppRec/Error S must be code list 8221 or 8223.', e);
    else if (list === '8221' && !isAppRecErrorCode(v)) f.add('KITH_CODE_INVALID', 'AppRec/Error V is not a value of code list 8221.', e);
  }
  const orig = child(root, 'OriginalMsgId');
  if (f.require(root, orig, 'AppRec/OriginalMsgId')) {
    f.require(orig, child(orig, 'MsgType'), 'OriginalMsgId/MsgType');
    const issue = child(orig, 'IssueDate');
    if (f.require(orig, issue, 'OriginalMsgId/IssueDate')) f.dateTime(issue, msg.originalMsgId?.issueDate, 'OriginalMsgId/IssueDate');
    f.require(orig, child(orig, 'Id'), 'OriginalMsgId/Id');
  }
  return f.items;
}
