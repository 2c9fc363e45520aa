import { answersTo, isServiceId, processesOf, type ActionDefinition } from '../domain/services.js';
import { GatewayError } from '../errors.js';
import type { MessageStore } from './message-store.js';

/**
 * An answer must fit its request: the CPA pairs each answer action with the request actions it
 * answers (SvarAvtaleReservasjon answers ReserverAvtale and AvbestillAvtale, never HentLedigeTimer).
 * The request's action is the one recorded when it was received (the transport's, or read from its
 * document then), not guessed from the answer's ConversationRef.
 */

/** The answer actions the CPA allows for a request of this service and action. */
export function allowedAnswers(service: string, requestAction: string): string[] {
  if (!isServiceId(service)) return [];
  return [
    ...new Set(
      processesOf(service).flatMap((p) => (p.actions.some((a) => a.name === requestAction && a.sender === 'citizen') ? answersTo(p, requestAction) : [])),
    ),
  ];
}

export function answerMismatch(request: { msgId: string; action: string }, answerAction: string, allowed: readonly string[]): GatewayError {
  const tail = allowed.length ? `allowed: ${allowed.join(', ')}` : 'nothing answers it';
  return new GatewayError('EPJ_ANSWER_ACTION_MISMATCH', `(${answerAction} does not answer ${request.action}; ${tail})`, {
    requestMsgId: request.msgId,
    requestAction: request.action,
    answerAction,
    allowed,
    errors: [{ code: 'action', field: 'action', message: `${answerAction} does not answer ${request.action}; ${tail}.` }],
  });
}

/**
 * Refuses an answer whose action does not answer the recorded action of the request it names
 * (ConversationRef/RefToParent). An action that answers nothing (the office writes first) is not
 * paired; a request the gateway has no record of is left to the caller.
 */
export async function refuseMismatchedAnswer(store: Pick<MessageStore, 'get'>, answer: ActionDefinition, refToParent: string | undefined): Promise<void> {
  if (!answer.answers || !refToParent) return;
  const request = await store.get(refToParent);
  if (request?.direction !== 'inbound' || !request.action) return;
  if (answer.answers.includes(request.action)) return;
  throw answerMismatch({ msgId: refToParent, action: request.action }, answer.name, allowedAnswers(request.service, request.action));
}
