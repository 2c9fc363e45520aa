import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { loadConfig } from '../../../src/config.js';
import { DeliveryFailure, MailChannel, mailSettingsOf } from '../../../src/notify/channels.js';
import { tempDir } from '../../helpers/tmp.js';

const MESSAGE = { subject: 'Tjenesten e-konsultasjon er stengt for Fjordvik legekontor AS', text: 'Årsak: ferie\n', html: '<p>Årsak: ferie</p>' };

/** A private CA made for this run, and a server certificate it issued for 127.0.0.1: the CA's file is what SMTP_CA_FILE names. */
function privateCa(): { caFile: string; key: string; cert: string } {
  const dir = tempDir('smtp-ca');
  const at = (f: string) => path.join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=Fjellnett IT test relay CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  ssl('req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '1',
    '-extfile',
    at('ext.cnf'),
  );
  return { caFile: at('ca.pem'), key: readFileSync(at('server.key'), 'utf8'), cert: readFileSync(at('server.pem'), 'utf8') };
}

interface Got {
  subject: string;
  secure: boolean;
  user?: string;
  method?: string;
}

/** A real SMTP server (smtp-server) with the options given, keeping what it received and how. */
async function serve(options: SMTPServerOptions) {
  const received: Got[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(auth.method);
      if (auth.username === 'gateway' && auth.password === 's3cret-pass') return callback(null, { user: 'gateway' });
      return callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    ...options,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
        received.push({ subject, secure: session.secure, ...(session.user ? { user: String(session.user) } : {}) });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, received, logins, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the SMTP channel: STARTTLS, TLS and AUTH against a real SMTP server, trusting a private CA (SMTP_CA_FILE)', function () {
  this.timeout(30_000);
  const ca = privateCa();
  /** the channel as the settings make it: loadConfig checks them, mailSettingsOf reads SMTP_CA_FILE */
  const channel = (port: number, env: Record<string, string>) =>
    new MailChannel({
      ...mailSettingsOf(loadConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'EPJ-gateway <gw@fjellnett-it.example>', ...env }))!,
      timeoutMs: 5_000,
    });
  const login = { SMTP_USER: 'gateway', SMTP_PASSWORD: 's3cret-pass', SMTP_CA_FILE: ca.caFile };

  for (const method of ['PLAIN', 'LOGIN'] as const)
    it(`starttls: upgrades, checks the server against the private CA, logs in with AUTH ${method} and sends`, async () => {
      const server = await serve({ key: ca.key, cert: ca.cert, authMethods: [method] });
      try {
        const mail = channel(server.port, { ...login, SMTP_SECURITY: 'starttls' });
        await mail.send('kontor@fjordvik.example', MESSAGE);
        mail.close();
        assert.equal(server.received.length, 1);
        assert.equal(server.received[0]!.secure, true, 'upgraded before the password went');
        assert.equal(server.received[0]!.user, 'gateway');
        assert.deepEqual(server.logins, [method]);
        assert.match(server.received[0]!.subject, /^=\?UTF-8\?|Tjenesten e-konsultasjon/);
      } finally {
        await server.close();
      }
    });

  it('tls from the first byte (implicit TLS), checked against the private CA; a wrong password is final (535)', async () => {
    const server = await serve({ key: ca.key, cert: ca.cert, secure: true, authMethods: ['PLAIN', 'LOGIN'] });
    try {
      const good = channel(server.port, { ...login, SMTP_SECURITY: 'tls' });
      await good.send('kontor@fjordvik.example', MESSAGE);
      good.close();
      assert.deepEqual(
        server.received.map((r) => [r.secure, r.user]),
        [[true, 'gateway']],
      );
      const bad = channel(server.port, { ...login, SMTP_PASSWORD: 'wrong-pass', SMTP_SECURITY: 'tls' });
      await assert.rejects(
        bad.send('kontor@fjordvik.example', MESSAGE),
        (err: Error) => err instanceof DeliveryFailure && err.permanent && /SMTP 535/.test(err.message),
      );
      bad.close();
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  it("without the private CA the server's certificate is not trusted: nothing is sent, and the reason says why", async () => {
    const server = await serve({ key: ca.key, cert: ca.cert, secure: true, authMethods: ['PLAIN'] });
    try {
      const untrusted = channel(server.port, { SMTP_USER: 'gateway', SMTP_PASSWORD: 's3cret-pass', SMTP_SECURITY: 'tls' });
      await assert.rejects(
        untrusted.send('kontor@fjordvik.example', MESSAGE),
        (err: Error) => err instanceof DeliveryFailure && /certificate/i.test(err.message),
      );
      untrusted.close();
      assert.equal(server.received.length, 0);
      assert.deepEqual(server.logins, [], 'no password went to a server the gateway cannot trust');
    } finally {
      await server.close();
    }
  });

  it('starttls required: a server that offers no STARTTLS gets neither the password nor the mail', async () => {
    const server = await serve({ disabledCommands: ['STARTTLS'], authOptional: true });
    try {
      const mail = channel(server.port, { ...login, SMTP_SECURITY: 'starttls' });
      await assert.rejects(mail.send('kontor@fjordvik.example', MESSAGE), (err: Error) => err instanceof DeliveryFailure && /STARTTLS/i.test(err.message));
      mail.close();
      assert.equal(server.received.length, 0);
      assert.deepEqual(server.logins, []);
    } finally {
      await server.close();
    }
  });
});
