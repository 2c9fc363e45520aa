import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import axios from 'axios';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.js';
import type { Rendered } from './templates.js';

/**
 * The channels a notification reaches people on: e-mail over SMTP (nodemailer) and webhooks (JSON,
 * signed with HMAC like the EPJ webhook when a secret is set). Each send resolves when the other side
 * took it, and throws otherwise; `permanent` on the error says trying again cannot help (an SMTP 5xx
 * for the recipient, a webhook's 4xx).
 */

export interface MailSettings {
  host: string;
  port: number;
  /** tls: TLS from the start (465); starttls: upgrade required (587); none: plain (a local relay, the demo's stand-in) */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
  from: string;
  timeoutMs?: number;
  /** PEM of the CA(s) the server's certificate is checked against (SMTP_CA_FILE); unset: the system's */
  ca?: string;
}

/** The mail settings of the deployment (checked at start by checkSmtpSettings); undefined without SMTP_HOST. */
export function mailSettingsOf(
  config: Pick<Config, 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURITY' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'SMTP_FROM' | 'SMTP_CA_FILE'>,
): MailSettings | undefined {
  if (!config.SMTP_HOST) return undefined;
  return {
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    security: config.SMTP_SECURITY,
    ...(config.SMTP_USER !== undefined ? { user: config.SMTP_USER, password: config.SMTP_PASSWORD ?? '' } : {}),
    from: config.SMTP_FROM,
    ...(config.SMTP_CA_FILE ? { ca: readFileSync(config.SMTP_CA_FILE, 'utf8') } : {}),
  };
}

export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export class MailChannel {
  private readonly transport: Transporter;

  constructor(private readonly settings: MailSettings) {
    const timeout = settings.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      ...(settings.ca ? { tls: { ca: settings.ca } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(to: string, message: Rendered, headers: Record<string, string> = {}): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.settings.from, to, subject: message.subject, text: message.text, html: message.html, headers });
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      // 5xx: the server refused this recipient or message for good; anything else (no connection, 4xx) may pass later
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      throw new DeliveryFailure(`SMTP ${e.responseCode ?? e.code ?? 'error'}: ${e.message.slice(0, 300)}`, permanent);
    }
  }

  close(): void {
    this.transport.close();
  }
}

export class WebhookChannel {
  constructor(
    private readonly secret: string | undefined,
    private readonly timeoutMs = 5_000,
  ) {}

  async send(url: string, body: unknown): Promise<void> {
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.secret) {
      headers['x-epj-gateway-timestamp'] = timestamp;
      headers['x-epj-gateway-signature'] = `sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${raw}`).digest('hex')}`;
    }
    let status: number;
    try {
      status = (await axios.post(url, raw, { timeout: this.timeoutMs, headers, validateStatus: () => true, maxRedirects: 0 })).status;
    } catch (err) {
      throw new DeliveryFailure(`webhook: ${axios.isAxiosError(err) ? (err.code ?? err.message) : String(err)}`, false);
    }
    if (status >= 200 && status < 300) return;
    throw new DeliveryFailure(`webhook answered HTTP ${status}`, status >= 400 && status < 500 && status !== 408 && status !== 429);
  }
}
