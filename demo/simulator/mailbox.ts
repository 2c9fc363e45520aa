import { randomUUID } from 'node:crypto';

/**
 * The simulator's NHN in memory: every message with its document and, per receiver, whether it was
 * read and the AppRec it was answered with. NHN keeps one id per message; status and AppRec info
 * are listed per receiver.
 */

export type NhnAppRecStatus = 'Ok' | 'Rejected' | 'OkErrorInMessagePart';

export interface AppRecAnswer {
  status: NhnAppRecStatus;
  errors: { errorCode: string; details: string }[];
  at: string;
}

export interface ReceiverState {
  read: boolean;
  appRec: AppRecAnswer | null;
}

export interface StoredMessage {
  id: string;
  senderHerId: number;
  receivers: Map<number, ReceiverState>;
  document: Buffer;
  contentType: string;
  /** the MsgId in the document, when it could be read */
  businessDocumentId: string | null;
  businessDocumentGenDate: string | null;
  isAppRec: boolean;
  createdAt: string;
}

export interface NewMessage {
  senderHerId: number;
  receiverHerIds: number[];
  document: Buffer;
  businessDocumentId?: string | null;
  businessDocumentGenDate?: string | null;
  isAppRec?: boolean;
}

export class Mailbox {
  private readonly messages = new Map<string, StoredMessage>();
  /**
   * Per receiver, the messages it may not have read yet, oldest first: a poll looks at these, not at
   * every message ever stored (the benches poll every 10 ms while thousands pile up). A message read
   * since (`read` is set where it is marked) leaves at the next look.
   */
  private readonly unread = new Map<number, Set<StoredMessage>>();
  private readonly listeners: ((m: StoredMessage) => void)[] = [];

  /** Called for every message added (the service bus bridge puts those for a clinic on the bus). */
  onAdded(listener: (m: StoredMessage) => void): void {
    this.listeners.push(listener);
  }

  add(m: NewMessage): StoredMessage {
    const stored: StoredMessage = {
      id: randomUUID(),
      senderHerId: m.senderHerId,
      receivers: new Map(m.receiverHerIds.map((h) => [h, { read: false, appRec: null }])),
      document: m.document,
      contentType: 'application/xml',
      businessDocumentId: m.businessDocumentId ?? null,
      businessDocumentGenDate: m.businessDocumentGenDate ?? null,
      isAppRec: m.isAppRec ?? false,
      createdAt: new Date().toISOString(),
    };
    this.messages.set(stored.id, stored);
    for (const herId of stored.receivers.keys()) {
      const waiting = this.unread.get(herId);
      if (waiting) waiting.add(stored);
      else this.unread.set(herId, new Set([stored]));
    }
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  get(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  /** Unread messages to a receiver, oldest first (NHN's default order). */
  unreadFor(herId: number): StoredMessage[] {
    const waiting = this.unread.get(herId);
    if (!waiting) return [];
    const out: StoredMessage[] = [];
    for (const m of waiting) {
      if (m.receivers.get(herId)?.read === false) out.push(m);
      else waiting.delete(m);
    }
    return out;
  }

  /** Whether a party may see the message: its sender or one of its receivers. */
  concerns(m: StoredMessage, herIds: readonly number[]): boolean {
    return herIds.includes(m.senderHerId) || herIds.some((h) => m.receivers.has(h));
  }

  clear(): void {
    this.messages.clear();
    this.unread.clear();
  }
}

/** The Message object of the v2 contract. */
export function messageView(m: StoredMessage, receiverHerId: number, withMetadata = true) {
  return {
    id: m.id,
    contentType: m.contentType,
    receiverHerId,
    ...(withMetadata
      ? { senderHerId: m.senderHerId, businessDocumentId: m.businessDocumentId, businessDocumentGenDate: m.businessDocumentGenDate, isAppRec: m.isAppRec }
      : {}),
  };
}
