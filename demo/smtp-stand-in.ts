import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (the smtp-server package) for the demo and the tests: it takes every message
 * and keeps what it received, so an operator can read what the office and the IT operations provider
 * were told (`GET /ops/demo/mail`). Recipients can be refused (as a server refusing an address does,
 * with 550) and the server can be stopped and started again on the same port, for the tests of a
 * mail server that is down for a while.
 */

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** the clinic the gateway wrote it for (its X-Epj-Gateway-Clinic header) */
  clinic?: string;
  receivedAt: string;
}

export interface SmtpStandIn {
  port: number;
  received(): ReceivedMail[];
  /** addresses answered with 550 from now on */
  refuse(address: string): void;
  /** takes a refused address again */
  allow(address: string): void;
  stop(): Promise<void>;
  /** starts again on the same port after stop() */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpStandIn(options: { port?: number; host?: string; keep?: number } = {}): Promise<SmtpStandIn> {
  const host = options.host ?? '127.0.0.1';
  const received: ReceivedMail[] = [];
  const refused = new Set<string>();
  let server: SMTPServer | undefined;
  let port = options.port ?? 0;

  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 2 * 1024 * 1024,
      onRcptTo(address, _session, callback) {
        if (refused.has(address.address.toLowerCase()))
          return callback(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            const clinic = mail.headers.get('x-epj-gateway-clinic');
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              ...(typeof mail.html === 'string' ? { html: mail.html } : {}),
              ...(typeof clinic === 'string' ? { clinic } : {}),
              receivedAt: new Date().toISOString(),
            });
            if (received.length > (options.keep ?? 500)) received.shift();
            callback();
          })
          .catch((err: unknown) => callback(err as Error));
      },
    });

  const start = async () => {
    server = make();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  return {
    get port() {
      return port;
    },
    received: () => [...received],
    refuse: (address) => void refused.add(address.toLowerCase()),
    allow: (address) => void refused.delete(address.toLowerCase()),
    stop,
    start,
    close: stop,
  };
}
