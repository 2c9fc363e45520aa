import path from 'node:path';
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { FolderInbox } from '../../adapters/epj/folder-inbox.js';
import { FolderOutbox } from '../../adapters/epj/folder-outbox.js';
import { PullInbox } from '../../adapters/epj/pull-inbox.js';
import { WebhookDelivery } from '../../adapters/epj/webhook.js';
import type { Config } from '../config.js';
import { epjInboxRouter } from '../http/epj-inbox.js';
import type { Logger } from '../logging.js';
import { submitClinicXml, type ClinicSubmissionDeps } from '../pipeline/clinic-submission.js';
import type { JobCrypto } from '../pipeline/job-crypto.js';
import type { EpjDeliveryPort } from '../ports/epj-delivery.js';

/**
 * The EPJ side as the settings choose it: how citizen requests reach the EPJ (folder, webhook or
 * pull), and the outbox folder where an EPJ may drop its answers as KITH XML (watched in every
 * mode; the API is the other way in). The pull inbox brings its own routes.
 */
export interface EpjSide {
  port: EpjDeliveryPort;
  /** where requests are written (folder delivery) */
  inboxDir: string | undefined;
  outboxDir: string;
  outbox: FolderOutbox;
  /** mounted under /v1 (the pull inbox) */
  routes: Router[];
}

export interface EpjSideDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  crypto: JobCrypto;
  submission: ClinicSubmissionDeps;
}

/** The clinic's EPJ folders: the inbox (written with folder delivery) and the outbox (watched always). */
export function epjFolders(config: Pick<Config, 'EPJ_INBOX_DIR' | 'EPJ_OUTBOX_DIR' | 'DATA_DIR'>): { inboxDir: string; outboxDir: string } {
  return {
    inboxDir: config.EPJ_INBOX_DIR ?? path.join(config.DATA_DIR, 'epj', 'inbox'),
    outboxDir: config.EPJ_OUTBOX_DIR ?? path.join(config.DATA_DIR, 'epj', 'outbox'),
  };
}

export function buildEpjSide({ config, logger, redis, crypto, submission }: EpjSideDeps): EpjSide {
  const { inboxDir, outboxDir } = epjFolders(config);
  const outbox = new FolderOutbox(outboxDir, (xml, origin, sidecar) => submitClinicXml(submission, xml, origin, { ...sidecar }), logger);
  const shared = { inboxDir: config.EPJ_DELIVERY === 'folder' ? inboxDir : undefined, outboxDir, outbox };

  if (config.EPJ_DELIVERY === 'webhook') {
    return { ...shared, port: new WebhookDelivery(config.EPJ_WEBHOOK_URL!, config.EPJ_WEBHOOK_SECRET!), routes: [] };
  }
  if (config.EPJ_DELIVERY === 'pull') {
    const inbox = new PullInbox(redis, config.QUEUE_PREFIX, crypto);
    return { ...shared, port: inbox, routes: [epjInboxRouter(inbox)] };
  }
  return { ...shared, port: new FolderInbox(inboxDir), routes: [] };
}
