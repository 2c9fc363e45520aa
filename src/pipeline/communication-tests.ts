import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { COMMUNICATION_TEST } from '../domain/services.js';
import { buildCitizenRequest } from '../kith/citizen-request.js';
import { COMMUNICATION_TEST_TYPE, buildCommunicationTestAnswer, isCommunicationTestRequest } from '../kith/communication-test.js';
import type { PatientInfo } from '../kith/model.js';
import { parseMessage } from '../kith/parse.js';
import { redisKeys, type RedisKeys } from '../redis-keys.js';
import { derivedMsgId } from './closed-answer.js';
import type { MessageStore } from './message-store.js';
import { submitOutbound, type OutboundDeps } from './outbound.js';

/**
 * The communication test (Dialog_Innbygger_Test, a Foresporsel of type KT "Kommunikasjonstest",
 * code list 7603) both ways. Helsenorge's test arriving through the normal inbound path is answered
 * with AppRec OK and its Svar, by the gateway itself (what is tested is the path to the clinic,
 * which the gateway ends). The clinic's own test goes to Helsenorge and is followed to its AppRec
 * and its Svar: `epj-gateway commtest`, the dashboard's "Test the connection", the periodic probe.
 * The test names a synthetic test person (Skatteetaten's test number), never a patient. Its messages
 * travel in the office-contact queue: the path a written message of the office takes.
 */

/** The test person a communication test is about: invented, with a synthetic national id. */
export const COMMUNICATION_TEST_PERSON: PatientInfo = { familyName: 'Kommunikasjonstest', givenName: 'Test', ids: [{ id: '15838510075', type: 'FNR' }] };

/** The queue the test's messages take. */
const QUEUE = 'office-contact' as const;

export interface CommunicationTestView {
  msgId: string;
  clinic: string;
  sentAt: string;
  /** the message's state at the gateway: queued, waiting, sent, apprec-ok, apprec-rejected, … */
  state: string;
  appRec: { status: string; errors: { code: string; description?: string }[]; at: string; ms: number } | null;
  answer: { msgId: string; at: string; ms: number } | null;
  /** AppRec OK and the Svar both came */
  ok: boolean;
  /** nothing more will come: both came, or the AppRec says it failed */
  done: boolean;
}

export class CommunicationTests {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly deps: { store: MessageStore; outbound: OutboundDeps; clinic: { herId: string; orgNumber: string; name: string }; helsenorgeHerId: string },
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Sends a communication test to Helsenorge; follow it with `view`. */
  async send(origin: string, now = new Date()): Promise<{ msgId: string; sentAt: string }> {
    const { clinic, helsenorgeHerId } = this.deps;
    const msgId = randomUUID();
    const xml = buildCitizenRequest({
      msgType: COMMUNICATION_TEST.msgType,
      msgId,
      genDate: now,
      sender: {
        name: clinic.name,
        ids: [
          { id: clinic.herId, type: 'HER' },
          { id: clinic.orgNumber, type: 'ENH' },
        ],
      },
      receiver: { name: 'Helsenorge.no', ids: [{ id: helsenorgeHerId, type: 'HER' }] },
      patient: COMMUNICATION_TEST_PERSON,
      foresporsel: { type: COMMUNICATION_TEST_TYPE, subject: 'Kommunikasjonstest', question: 'Kommunikasjonstest fra legekontorets meldingstjener.' },
    });
    const sentAt = now.toISOString();
    const key = this.keys.communicationTest(msgId);
    await this.redis.multi().hset(key, { sentAt }).expire(key, this.ttlSeconds).exec();
    await submitOutbound(this.deps.outbound, { msgId, service: QUEUE, action: 'Foresporsel', xml, receiverHerId: Number(helsenorgeHerId), origin });
    return { msgId, sentAt };
  }

  /**
   * A received communication-test message: the Svar to one of ours is noted; a test from Helsenorge
   * is answered with its Svar (queued, once per test however often it is seen). Returns what it was.
   */
  async received(document: Buffer, senderHerId: number | undefined, now = new Date()): Promise<'answer-noted' | 'answered' | 'not-a-test'> {
    const head = parseMessage(document);
    if (head.document !== 'MsgHead' || head.msgType !== COMMUNICATION_TEST.msgType || !head.msgId) return 'not-a-test';
    const parent = head.conversationRef?.refToParent;
    const ours = parent ? await this.redis.hexists(this.keys.communicationTest(parent), 'sentAt') : 0;
    if (parent && ours) {
      const key = this.keys.communicationTest(parent);
      await this.redis.hsetnx(key, 'answerMsgId', head.msgId);
      await this.redis.hsetnx(key, 'answeredAt', now.toISOString());
      // the answer came back: the path works both ways (Helsenorge answers only a test it took)
      await this.redis.set(this.keys.communicationTestLastSuccess, now.toISOString());
      return 'answer-noted';
    }
    if (!isCommunicationTestRequest(head) || !senderHerId) return 'not-a-test';
    const msgId = derivedMsgId('communication-test', head.msgId);
    const xml = buildCommunicationTestAnswer(head, now, msgId);
    await submitOutbound(this.deps.outbound, { msgId, service: QUEUE, action: 'Svar', xml, receiverHerId: senderHerId, origin: 'communication-test' });
    return 'answered';
  }

  /** The clinic's test as far as it came. */
  async view(msgId: string): Promise<CommunicationTestView | undefined> {
    const [hash, record] = await Promise.all([this.redis.hgetall(this.keys.communicationTest(msgId)), this.deps.store.get(msgId)]);
    if (!hash.sentAt) return undefined;
    const sent = Date.parse(hash.sentAt);
    const appRec = record?.appRec
      ? {
          status: record.appRec.status,
          errors: record.appRec.errors,
          at: record.appRec.receivedAt,
          ms: Math.max(0, Date.parse(record.appRec.receivedAt) - sent),
        }
      : null;
    const answer =
      hash.answerMsgId && hash.answeredAt ? { msgId: hash.answerMsgId, at: hash.answeredAt, ms: Math.max(0, Date.parse(hash.answeredAt) - sent) } : null;
    const ok = appRec?.status === 'OK' && answer !== null;
    const failed = (appRec !== null && appRec.status !== 'OK') || ['apprec-missing', 'dead-lettered'].includes(record?.state ?? '');
    return { msgId, clinic: this.deps.clinic.herId, sentAt: hash.sentAt, state: record?.state ?? 'unknown', appRec, answer, ok, done: ok || failed };
  }

  /**
   * The periodic probe (COMMTEST_PROBE_INTERVAL_S): one test per interval and clinic, however many
   * processes run it (the first to claim the interval sends). Returns the test's MsgId when it sent one.
   */
  async probe(intervalS: number, now = new Date()): Promise<string | undefined> {
    const claimed = await this.redis.set(this.keys.communicationTestProbe, now.toISOString(), 'EX', Math.max(1, intervalS - 1), 'NX');
    if (claimed !== 'OK') return undefined;
    return (await this.send('probe', now)).msgId;
  }

  /** When the answer to a test of this clinic last came back, if ever. */
  async lastSuccess(): Promise<Date | undefined> {
    const at = await this.redis.get(this.keys.communicationTestLastSuccess);
    return at ? new Date(at) : undefined;
  }
}
