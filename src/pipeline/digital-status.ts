import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { buildStatusCheck, readDigitalStatus } from '../kith/digital-status.js';
import { parseMessage } from '../kith/parse.js';
import { submitClinicXml, type SubmissionResult } from './clinic-submission.js';
import type { JudgeFn } from './inbound.js';
import { patientInfoOf, type PatientJson } from './office-message-json.js';
import { officeParties, type OfficeSubmissionDeps } from './office-submission.js';

/**
 * Dialog_Innbygger_Digitalbruker: before the office writes first it may ask Helsenorge whether the
 * citizen is a digital user. The check (SjekkStatus) is sent like any message the clinic sends; its
 * answer (StatusSvar) comes in like any message, is delivered to the EPJ, and on the way sets the
 * check's state in Redis, where `GET /v1/digital-status/{id}` and `onlyIfDigitalUser` read it. The
 * record holds the state and the yes/no only, never who was asked about.
 */

export interface DigitalStatusCheck {
  checkId: string;
  state: 'pending' | 'answered';
  requestedAt: string;
  digitalUser?: boolean;
  answeredAt?: string;
  /** the StatusSvar's MsgId (it is delivered to the EPJ as well) */
  answerMsgId?: string;
}

/** How long a check and its answer are kept. */
const RETENTION_S = 7 * 24 * 3600;

export class DigitalStatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (checkId: string) => string,
  ) {}

  async start(checkId: string, now = new Date()): Promise<DigitalStatusCheck> {
    const check: DigitalStatusCheck = { checkId, state: 'pending', requestedAt: now.toISOString() };
    await this.redis.set(this.keyOf(checkId), JSON.stringify(check), 'EX', RETENTION_S, 'NX');
    return (await this.get(checkId)) ?? check;
  }

  async get(checkId: string): Promise<DigitalStatusCheck | undefined> {
    const raw = await this.redis.get(this.keyOf(checkId));
    return raw ? (JSON.parse(raw) as DigitalStatusCheck) : undefined;
  }

  /** Helsenorge answered check `checkId`; a check this clinic never started is left alone. */
  async answered(checkId: string, digitalUser: boolean, answerMsgId: string | undefined, now = new Date()): Promise<void> {
    const check = await this.get(checkId);
    if (!check) return;
    const done: DigitalStatusCheck = { ...check, state: 'answered', digitalUser, answeredAt: now.toISOString(), ...(answerMsgId ? { answerMsgId } : {}) };
    await this.redis.set(this.keyOf(checkId), JSON.stringify(done), 'EX', RETENTION_S);
  }

  /** Waits until the check is answered; undefined when it was not within timeoutMs. */
  async waitForAnswer(checkId: string, timeoutMs: number, pollMs = 100): Promise<boolean | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const check = await this.get(checkId);
      if (check?.state === 'answered') return check.digitalUser;
      if (Date.now() >= until) return undefined;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

export type DigitalStatusDeps = OfficeSubmissionDeps & { statuses: DigitalStatusStore };

/** Sends SjekkStatus about `patient` and records the check as pending. */
export async function startDigitalStatusCheck(
  deps: DigitalStatusDeps,
  patient: PatientJson,
  origin: string,
  now = new Date(),
): Promise<{ check: DigitalStatusCheck; sent: SubmissionResult }> {
  const checkId = randomUUID();
  const xml = buildStatusCheck({ msgId: checkId, genDate: now, ...officeParties(deps.config), patient: patientInfoOf(patient) });
  // recorded before it is sent, so an answer that comes at once finds it
  const check = await deps.statuses.start(checkId, now);
  const sent = await submitClinicXml(deps, xml, origin, { action: 'SjekkStatus' });
  return { check, sent };
}

/** For `onlyIfDigitalUser`: asks, and waits for the answer as long as the setting allows. */
export function digitalUserAsker(deps: DigitalStatusDeps, timeoutMs: number): (patient: PatientJson) => Promise<boolean | undefined> {
  return async (patient) => {
    const { check } = await startDigitalStatusCheck(deps, patient, 'digital-status');
    return deps.statuses.waitForAnswer(check.checkId, timeoutMs);
  };
}

/**
 * The inbound judge, noting a StatusSvar on the check it answers (its ConversationRef) before the
 * message goes on to the EPJ like any other.
 */
export function notingDigitalStatus(judge: JudgeFn, statuses: Pick<DigitalStatusStore, 'answered'>): JudgeFn {
  return async (document) => {
    const verdict = await judge(document);
    if (!verdict.accepted || verdict.action !== 'StatusSvar') return verdict;
    const msg = parseMessage(document);
    const checkId = msg.document === 'MsgHead' ? msg.conversationRef?.refToParent : undefined;
    const digitalUser = msg.document === 'MsgHead' ? readDigitalStatus(msg) : undefined;
    if (checkId && digitalUser !== undefined) await statuses.answered(checkId, digitalUser, verdict.msgId);
    return verdict;
  };
}
