import path from 'node:path';
import { FolderInbox } from '../adapters/epj/folder-inbox.js';
import { FolderOutbox } from '../adapters/epj/folder-outbox.js';
import { PullInbox } from '../adapters/epj/pull-inbox.js';
import { WebhookDelivery } from '../adapters/epj/webhook.js';
import type { Gateway } from './gateway.js';
import { epjInboxRouter } from './http/epj-inbox.js';
import { submitClinicXml } from './pipeline/clinic-submission.js';
import type { EpjDeliveryPort } from './pipeline/ports/epj-delivery.js';

/**
 * The EPJ side as the settings choose it: how citizen requests reach the EPJ (folder, webhook or
 * pull), and the outbox folder where an EPJ may drop its answers as KITH XML (watched in every
 * mode; the API is the other way in). Mounts the pull inbox's endpoints before the server listens.
 */

export interface EpjSide {
  port: EpjDeliveryPort;
  /** where requests are written (folder delivery) */
  inboxDir: string | undefined;
  outboxDir: string;
  outbox: FolderOutbox;
}

export function composeEpjSide(gateway: Gateway): EpjSide {
  const { config, logger } = gateway;
  const inboxDir = config.EPJ_INBOX_DIR ?? path.join(config.DATA_DIR, 'epj', 'inbox');
  const outboxDir = config.EPJ_OUTBOX_DIR ?? path.join(config.DATA_DIR, 'epj', 'outbox');

  let port: EpjDeliveryPort;
  if (config.EPJ_DELIVERY === 'webhook') {
    port = new WebhookDelivery(config.EPJ_WEBHOOK_URL!, config.EPJ_WEBHOOK_SECRET!);
  } else if (config.EPJ_DELIVERY === 'pull') {
    const inbox = new PullInbox(gateway.redis, config.QUEUE_PREFIX, gateway.crypto);
    gateway.epjRoutes.push(epjInboxRouter(inbox));
    port = inbox;
  } else {
    port = new FolderInbox(inboxDir);
  }

  const submissionDeps = { config, gate: gateway.gate, outbound: gateway.outbound, schemas: () => gateway.schemas };
  const outbox = new FolderOutbox(outboxDir, (xml, origin) => submitClinicXml(submissionDeps, xml, origin), logger);
  gateway.lifecycle.pollers.push(outbox);
  return { port, inboxDir: config.EPJ_DELIVERY === 'folder' ? inboxDir : undefined, outboxDir, outbox };
}
