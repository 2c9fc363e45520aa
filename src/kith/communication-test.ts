import { COMMUNICATION_TEST } from '../domain/services.js';
import { buildDialogmelding } from './dialogmelding-build.js';
import { quotedRequest } from './clinic-answer.js';
import type { Coded, MsgHeadMessage } from './model.js';
import { buildMsgHead } from './msghead-build.js';

/**
 * The communication test (Dialog_Innbygger_Test): Helsenorge sends a Foresporsel of type KT
 * "Kommunikasjonstest" (code list 7603) and the clinic answers with a Svar. The gateway answers it
 * itself, since what is tested is the path to the clinic, which the gateway ends.
 */

export const COMMUNICATION_TEST_TYPE: Coded = { v: 'KT', s: '2.16.578.1.12.4.1.1.7603', dn: 'Kommunikasjonstest' };

export const COMMUNICATION_TEST_ANSWER_TEXT = 'Kommunikasjonstesten er mottatt og besvart av legekontorets meldingstjener.';

/** True for a communication test's request (its type, and a Foresporsel of type KT when it has one). */
export function isCommunicationTestRequest(msg: MsgHeadMessage): boolean {
  if (msg.msgType !== COMMUNICATION_TEST.msgType) return false;
  const asked = quotedRequest(msg);
  return asked === undefined || asked.type.v === COMMUNICATION_TEST_TYPE.v;
}

/** The Svar to a communication test: sender and receiver swapped, the conversation carried on, the request quoted. */
export function buildCommunicationTestAnswer(request: MsgHeadMessage, genDate = new Date(), msgId?: string): string {
  const { sender, receiver, patient } = request;
  const asked = request.msgId;
  if (!asked || !sender || !receiver || !patient) throw new Error('a communication test without MsgId, sender, receiver or patient cannot be answered');
  const inReplyTo = quotedRequest(request);
  return buildMsgHead({
    msgType: COMMUNICATION_TEST.msgType,
    ...(msgId ? { msgId } : {}),
    genDate,
    conversationRef: { refToParent: asked, refToConversation: request.conversationRef?.refToConversation ?? asked },
    sender: receiver,
    receiver: sender,
    patient,
    documents: [
      {
        refDocType: 'XML',
        issueDate: genDate,
        content: buildDialogmelding(COMMUNICATION_TEST.dialogmelding, {
          notat: { theme: COMMUNICATION_TEST_TYPE, text: COMMUNICATION_TEST_ANSWER_TEXT, ...(inReplyTo ? { inReplyTo } : {}) },
        }),
      },
    ],
  });
}
