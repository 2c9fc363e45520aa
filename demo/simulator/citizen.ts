import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRecStatusFromCode, isAppRecErrorCode, type AppRecStatus } from '../../src/domain/codes.js';
import { COMMUNICATION_TEST, actionOf, appRecVersionFor } from '../../src/domain/services.js';
import { buildCommunicationTestAnswer, isCommunicationTestRequest } from '../../src/kith/communication-test.js';
import { buildAppRec } from '../../src/kith/apprec-build.js';
import { kithDateTime } from '../../src/kith/date-time.js';
import { buildStatusAnswer } from '../../src/kith/digital-status.js';
import { herIdsOf, type KithDocument, type MsgHeadMessage } from '../../src/kith/model.js';
import { parseMessage } from '../../src/kith/parse.js';
import { validateDocument, type ValidateOptions } from '../../src/kith/validate.js';
import type { AppRecAnswer, NhnAppRecStatus, Mailbox, StoredMessage } from './mailbox.js';
import type { CitizenCms } from './citizen-cms.js';
import type { ClinicDirectory, ServedClinic } from './clinics.js';
import { readdressed } from './readdress.js';
import { isGatewayError } from '../../src/errors.js';
import { UnknownClinicError, type CitizenAppRec, type ClinicAnswer, type SendOptions, type SentMessage } from './citizen-records.js';

export { UnknownClinicError, type CitizenAppRec, type ClinicAnswer, type SendOptions, type SentMessage } from './citizen-records.js';

/**
 * The citizen's end, as Helsenorge: sends any document to one of the clinics, keeps the AppRecs
 * the clinics answer with (written as NHN writes them, from the status a clinic posts, and read back
 * with the KITH layer) and the answers they send, each judged by the KITH layer and answered with an
 * AppRec of its own: Ok, or Rejected with T02 when the answer is not valid.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface CitizenOptions {
  clinics: ClinicDirectory;
  helsenorgeHerId: number;
  /** how the clinic's answers are validated (official schemas when given) */
  validation: Pick<ValidateOptions, 'schemas' | 'maxBytes'>;
  /** put Helsenorge's AppRec to each answer into the clinic's inbox, as NHN does; default true */
  appRecsToInbox?: boolean;
  /** end-to-end protection (CMS) of the documents both ways; absent: plain XML */
  protection?: CitizenCms;
}

const KITH_STATUS: Record<NhnAppRecStatus, AppRecStatus> = { Ok: 'OK', Rejected: 'Avvist', OkErrorInMessagePart: 'OK, feil i delmelding' };

/** A fixture by its name under fixtures/ (`office-contact/request` or `…/request.xml`); undefined outside it. */
export function fixturePath(name: string): string | undefined {
  const file = path.resolve(FIXTURES_DIR, name.endsWith('.xml') ? name : `${name}.xml`);
  return file.startsWith(FIXTURES_DIR) ? file : undefined;
}

function readable(document: Buffer | string): KithDocument | undefined {
  try {
    return parseMessage(document);
  } catch {
    return undefined;
  }
}

/** A message whose action the office sends to start a conversation, not to answer one. */
function startedByOffice(head: MsgHeadMessage | undefined): boolean {
  const action = head?.process && head.action ? actionOf(head.process, head.action) : undefined;
  return action?.sender === 'clinic' && !action.answers;
}

function msgHeadOf(document: Buffer | string): MsgHeadMessage | undefined {
  const doc = readable(document);
  return doc?.document === 'MsgHead' ? doc : undefined;
}

/** What Helsenorge got back on its `_syncreply` queue for a synchronous request. */
export interface SyncAnswerSeen {
  /** the answer's action (SvarLedigeTimer), or APPREC for an error answer */
  action: string;
  msgId: string | null;
  /** an error answer's AppRec status and errors */
  appRec?: { status: string; errors: { code: string; details: string }[] };
  /** the free slots offered (start times, UTC) */
  slots?: string[];
  /** milliseconds from sending the request to the answer */
  ms: number;
  at: string;
}

/** What Helsenorge got on its `_error` queue for a message. */
export interface TransportRefusal {
  errorCondition: string | null;
  errorDescription: string | null;
  at: string;
}

export class CitizenSide {
  private readonly sent = new Map<string, SentMessage>();
  /** what the citizen wrote, before protection: the AppRec to it names its MsgId */
  private readonly plain = new Map<string, Buffer>();
  private readonly appRecByMessage = new Map<string, CitizenAppRec>();
  private readonly appRecCount = new Map<string, number>();
  /** the service bus: the answer to a synchronous request, and transport-level refusals, by the request's id */
  private readonly answerByMessage = new Map<string, SyncAnswerSeen>();
  private readonly refusalByMessage = new Map<string, TransportRefusal>();
  private readonly answerList: ClinicAnswer[] = [];
  /** Dialog_Innbygger_Digitalbruker: who is not a digital user, and which clinics asked about whom (their last check) */
  private readonly notDigital = new Set<string>();
  private readonly askedAbout = new Map<string, Map<number, MsgHeadMessage>>();
  private readonly events = new EventEmitter();

  constructor(
    private readonly mailbox: Mailbox,
    private readonly options: CitizenOptions,
  ) {
    this.events.setMaxListeners(0);
  }

  /**
   * Sends a document as Helsenorge to a clinic (default the first), whatever it holds; a receiver
   * naming another of the simulator's clinics is readdressed to this one. Returns NHN's message id.
   * Throws UnknownClinicError for a HER-id that is no clinic's of this simulator.
   */
  send(document: Buffer | string, options: SendOptions = {}): SentMessage {
    const clinic = this.clinicFor(options.to);
    const given = Buffer.isBuffer(document) ? document : Buffer.from(document, 'utf8');
    const bytes = readdressed(given, clinic, this.options.clinics);
    const head = msgHeadOf(bytes);
    const stored = this.mailbox.add({
      senderHerId: this.options.helsenorgeHerId,
      receiverHerIds: [clinic.herId],
      document: this.options.protection ? this.options.protection.protect(bytes, clinic.certificates) : bytes,
      businessDocumentId: head?.msgId || null,
      businessDocumentGenDate: head?.genDate ?? null,
    });
    const sent = { id: stored.id, businessDocumentId: stored.businessDocumentId, sentAt: stored.createdAt, clinicHerId: clinic.herId };
    this.sent.set(stored.id, sent);
    if (this.options.protection) this.plain.set(stored.id, bytes);
    return sent;
  }

  /** What the citizen wrote before it was protected (the service bus reads its message function from it). */
  plainOf(id: string): Buffer | undefined {
    return this.plain.get(id);
  }

  sendFixture(name: string, options: SendOptions = {}): SentMessage {
    const file = fixturePath(name);
    if (!file) throw new Error(`fixture ${name} is not under fixtures/`);
    return this.send(readFileSync(file), options);
  }

  /** The clinic a citizen message goes to: the one named, else the first. */
  clinicFor(herId: number | undefined): ServedClinic {
    if (herId === undefined) return this.options.clinics.first;
    const clinic = this.options.clinics.byHerId(herId);
    if (!clinic)
      throw new UnknownClinicError(`HER-id ${herId} is no clinic of this simulator (it serves ${this.options.clinics.list.map((c) => c.herId).join(', ')})`);
    return clinic;
  }

  /** What became of a sent message: read by its clinic, and its AppRec once answered. */
  status(id: string): (SentMessage & { read: boolean; appRec: CitizenAppRec | null; answer?: SyncAnswerSeen; transportError?: TransportRefusal }) | undefined {
    const sent = this.sent.get(id);
    if (!sent) return undefined;
    const read = this.mailbox.get(id)?.receivers.get(sent.clinicHerId)?.read ?? false;
    return {
      ...sent,
      read,
      appRec: this.appRecByMessage.get(id) ?? null,
      ...(this.answerByMessage.has(id) ? { answer: this.answerByMessage.get(id)! } : {}),
      ...(this.refusalByMessage.has(id) ? { transportError: this.refusalByMessage.get(id)! } : {}),
    };
  }

  /** The service bus: a clinic answered synchronous request `id` (on Helsenorge's `_syncreply` queue). */
  syncAnswered(id: string, answer: SyncAnswerSeen): void {
    if (!this.sent.has(id)) return;
    this.answerByMessage.set(id, answer);
    this.events.emit(`apprec:${id}`);
  }

  /** The service bus: a clinic refused message `id` at the transport level (on Helsenorge's `_error` queue). */
  transportRefused(id: string, refusal: TransportRefusal): void {
    if (!this.sent.has(id)) return;
    this.refusalByMessage.set(id, refusal);
    this.events.emit(`apprec:${id}`);
  }

  appRecs(): CitizenAppRec[] {
    return [...this.appRecByMessage.values()];
  }

  /** How many AppRecs each answered citizen message got (NHN message id → count): more than one is a duplicate. */
  appRecCounts(): Record<string, number> {
    return Object.fromEntries(this.appRecCount);
  }

  /** Every message the clinics sent, oldest first (after the first `since`); with `action`, those of that CPA action only. */
  answers(action?: string, since = 0): ClinicAnswer[] {
    const list = this.answerList.slice(since);
    return action ? list.filter((a) => a.action === action) : list;
  }

  /**
   * Resolves with the AppRec to message `id` when it comes, or undefined after timeoutMs; also
   * (undefined) when a synchronous answer or a transport refusal comes instead.
   */
  waitForAppRec(id: string, timeoutMs: number): Promise<CitizenAppRec | undefined> {
    const known = this.appRecByMessage.get(id);
    if (known || timeoutMs <= 0 || this.answerByMessage.has(id) || this.refusalByMessage.has(id)) return Promise.resolve(known);
    return new Promise((resolve) => {
      const done = (appRec?: CitizenAppRec) => {
        clearTimeout(timer);
        this.events.off(`apprec:${id}`, done);
        resolve(appRec);
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.on(`apprec:${id}`, done);
    });
  }

  /** Waits until the clinic has sent `count` answers (or timeoutMs passed); returns them. */
  async waitForAnswers(count: number, timeoutMs: number): Promise<ClinicAnswer[]> {
    const until = Date.now() + timeoutMs;
    while (this.answerList.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.answers();
  }

  get helsenorgeHerId(): number {
    return this.options.helsenorgeHerId;
  }

  reset(): void {
    this.sent.clear();
    this.plain.clear();
    this.appRecByMessage.clear();
    this.appRecCount.clear();
    this.answerByMessage.clear();
    this.refusalByMessage.clear();
    this.answerList.length = 0;
    this.notDigital.clear();
    this.askedAbout.clear();
  }

  /**
   * The clinic answered citizen message `message` with an AppRec (posted as status and codes). NHN
   * writes the AppRec document; the citizen reads it. Returns the AppRec message's id.
   */
  appRecPosted(message: StoredMessage, senderHerId: number, answer: AppRecAnswer): string {
    const original = msgHeadOf(this.plain.get(message.id) ?? message.document);
    const now = new Date();
    const xml = buildAppRec({
      version: appRecVersionFor(original?.msgType),
      status: KITH_STATUS[answer.status],
      errors: answer.errors.filter((e) => isAppRecErrorCode(e.errorCode)).map((e) => ({ code: e.errorCode as never, message: e.details })),
      genDate: now,
      sender: { herId: String(senderHerId) },
      receiver: { herId: String(message.senderHerId) },
      original: { msgType: original?.msgType ?? 'UKJENT', issueDate: original?.genDate ?? kithDateTime(now), id: original?.msgId || 'ukjent' },
    });
    const read = readable(xml);
    const written = read?.document === 'AppRec' ? read : undefined;
    const stored = this.mailbox.add({
      senderHerId,
      receiverHerIds: [message.senderHerId],
      document: Buffer.from(xml),
      isAppRec: true,
      businessDocumentId: written?.id ?? null,
    });
    // Helsenorge takes it at once: it never waits in anyone's unread list.
    stored.receivers.forEach((r) => (r.read = true));
    if (this.sent.has(message.id)) {
      const statusCode = written?.status ?? '';
      const detailsOf = new Map(answer.errors.map((e) => [e.errorCode, e.details]));
      const appRec: CitizenAppRec = {
        nhnMessageId: message.id,
        appRecMessageId: stored.id,
        status: appRecStatusFromCode(statusCode) ?? KITH_STATUS[answer.status],
        statusCode,
        errors: (written?.errors ?? []).map((e) => ({ code: e.v ?? '', details: detailsOf.get(e.v ?? '') ?? '' })),
        xml,
        at: now.toISOString(),
      };
      this.appRecByMessage.set(message.id, appRec);
      this.appRecCount.set(message.id, (this.appRecCount.get(message.id) ?? 0) + 1);
      this.events.emit(`apprec:${message.id}`, appRec);
    }
    return stored.id;
  }

  /** A clinic sent a document (an answer): judge it, answer it with an AppRec, keep it. */
  async clinicSent(message: StoredMessage): Promise<void> {
    let document = message.document;
    let refusal: { errorCode: string; details: string } | undefined;
    // the mailbox sender tells which clinic answered, and so whose signature to expect
    const clinic = this.options.clinics.owning(message.senderHerId);
    if (this.options.protection) {
      try {
        if (!clinic) throw new Error(`HER-id ${message.senderHerId} is no clinic of this simulator: no signing certificate to verify against`);
        document = await this.options.protection.open(message.document, clinic.certificates);
      } catch (err) {
        refusal = { errorCode: isGatewayError(err) && err.appRec ? err.appRec : 'T01', details: err instanceof Error ? err.message : String(err) };
      }
    }
    const xml = refusal ? '' : document.toString('utf8');
    const result = validateDocument(refusal ? Buffer.from('') : document, {
      ...this.options.validation,
      allowSyntheticIds: true,
      ownHerIds: [String(this.options.helsenorgeHerId)],
    });
    const { report } = result;
    const errors = refusal ? [{ code: refusal.errorCode, message: refusal.details }] : report.errors.map((e) => ({ code: e.code, message: e.message }));
    const appRec: AppRecAnswer = refusal
      ? { status: 'Rejected', errors: [refusal], at: new Date().toISOString() }
      : report.ok
        ? { status: 'Ok', errors: [], at: new Date().toISOString() }
        : {
            status: 'Rejected',
            errors: [
              {
                errorCode: 'T02',
                details: errors
                  .map((e) => `${e.code}: ${e.message}`)
                  .join('; ')
                  .slice(0, 500),
              },
            ],
            at: new Date().toISOString(),
          };
    for (const receiver of message.receivers.values()) {
      receiver.read = true;
      receiver.appRec = appRec;
    }
    const head = result.message?.document === 'MsgHead' ? result.message : undefined;
    this.answerList.push({
      nhnMessageId: message.id,
      clinicHerId: clinic?.herId ?? message.senderHerId,
      msgId: report.msgId,
      msgType: report.msgType,
      service: report.service,
      action: report.action,
      refToParent: head?.conversationRef?.refToParent ?? null,
      startedByOffice: startedByOffice(head),
      valid: !refusal && report.ok,
      schemaValidation: report.schemaValidation,
      errors,
      appRec,
      xml,
      at: appRec.at,
    });
    if ((this.options.appRecsToInbox ?? true) && head) this.appRecToClinic(message, head, appRec);
    if (head && report.ok && report.action === 'SjekkStatus') this.answerStatusCheck(head);
    // Helsenorge answers a clinic's communication test as a clinic answers Helsenorge's: with its Svar
    if (head && appRec.status === 'Ok' && head.msgType === COMMUNICATION_TEST.msgType && !head.conversationRef?.refToParent && isCommunicationTestRequest(head))
      this.send(buildCommunicationTestAnswer(head), { to: clinic?.herId ?? message.senderHerId });
  }

  /**
   * Whether a citizen is a digital user on Helsenorge, as the simulator answers SjekkStatus: everyone
   * is, unless set otherwise here. A change for someone a clinic asked about is told to that clinic
   * at once (StatusEndring). Returns the HER-ids of the clinics told.
   */
  setDigitalUser(nationalId: string, digital: boolean): number[] {
    const before = this.digitalUser(nationalId);
    if (digital) this.notDigital.delete(nationalId);
    else this.notDigital.add(nationalId);
    if (before === digital) return [];
    const told: number[] = [];
    for (const [clinicHerId, head] of this.askedAbout.get(nationalId) ?? new Map<number, MsgHeadMessage>()) {
      this.send(this.statusAnswerFor(head, digital), { to: clinicHerId });
      told.push(clinicHerId);
    }
    return told;
  }

  digitalUser(nationalId: string): boolean {
    return !this.notDigital.has(nationalId);
  }

  /** The national ids set not to be digital users. */
  notDigitalUsers(): string[] {
    return [...this.notDigital];
  }

  /** Helsenorge answers a clinic's SjekkStatus with a StatusSvar into that clinic's inbox. */
  private answerStatusCheck(check: MsgHeadMessage): void {
    const nationalId = check.patient?.ids[0]?.id;
    const clinicHerId = this.options.clinics.owning(Number(herIdsOf(check.sender).at(-1)))?.herId;
    if (!nationalId || clinicHerId === undefined) return;
    const asked = this.askedAbout.get(nationalId) ?? new Map<number, MsgHeadMessage>();
    asked.set(clinicHerId, check);
    this.askedAbout.set(nationalId, asked);
    this.send(this.statusAnswerFor(check, this.digitalUser(nationalId), check.msgId), { to: clinicHerId });
  }

  /** A StatusSvar to `check` (inReplyTo its MsgId), or a StatusEndring about its patient. */
  private statusAnswerFor(check: MsgHeadMessage, digitalUser: boolean, inReplyTo?: string): string {
    return buildStatusAnswer({
      msgId: randomUUID(),
      genDate: new Date(),
      digitalUser,
      helsenorge: check.receiver!,
      clinic: check.sender!,
      patient: check.patient!,
      ...(inReplyTo ? { inReplyTo } : {}),
    });
  }

  private appRecToClinic(message: StoredMessage, head: MsgHeadMessage, appRec: AppRecAnswer): void {
    const now = new Date();
    const xml = buildAppRec({
      version: appRecVersionFor(head.msgType),
      status: KITH_STATUS[appRec.status],
      errors: appRec.errors.map((e) => ({ code: 'T02', message: e.details })),
      genDate: now,
      sender: { herId: String(this.options.helsenorgeHerId) },
      receiver: { herId: String(message.senderHerId) },
      original: { msgType: head.msgType ?? 'UKJENT', issueDate: head.genDate ?? kithDateTime(now), id: head.msgId || 'ukjent' },
    });
    // protected like any document Helsenorge sends the clinic (signed by Helsenorge, encrypted to the clinic)
    const clinic = this.options.clinics.owning(message.senderHerId);
    const document = this.options.protection && clinic ? this.options.protection.protect(Buffer.from(xml), clinic.certificates) : Buffer.from(xml);
    this.mailbox.add({ senderHerId: this.options.helsenorgeHerId, receiverHerIds: [message.senderHerId], document, isAppRec: true });
  }
}
