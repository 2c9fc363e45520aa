import type { Config } from '../config.js';
import type { CredentialSource } from '../trust/credential-source.js';
import type { Clinic, ClinicContacts } from './clinic.js';

/**
 * A clinic as API answers, logs and the audit log may show it. Built field by field from what is
 * safe, never by deleting secrets from a copy, so a field added to Clinic later stays out until
 * someone decides it may be shown. Key file names are shown (they are references, not keys);
 * tokens, secrets and passwords never are, nor the path or query of a webhook URL (a Slack-style
 * hook carries its secret there).
 */
export interface RedactedClinic {
  herId: string;
  subHerIds: string[];
  orgNumber: string;
  name: string;
  certificates: {
    signing: RedactedCredential;
    encryption: RedactedCredential;
    previousEncryption?: RedactedCredential;
    next?: { signing?: RedactedCredential; encryption?: RedactedCredential };
  };
  helseId: { clientId: string; keyFile?: string; nextKeyFile?: string };
  epj: { delivery: Config['EPJ_DELIVERY']; inboxDir?: string; outboxDir?: string; webhookUrl?: string; clients: string[] };
  notify: { webhooks: { name: string; url: string }[] } & ClinicContacts;
  overrides: Record<string, unknown>;
}

export type RedactedCredential = { cert: string; key: string } | { p12: string };

const credential = (c: CredentialSource): RedactedCredential => (c.kind === 'pem' ? { cert: c.cert, key: c.key } : { p12: c.file });

/** Scheme, host and port only; `…` marks a path left out. */
function urlOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname !== '/' || u.search ? '/…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

export function redactClinic(clinic: Clinic): RedactedClinic {
  const s = clinic.settings;
  const { signing, encryption, previousEncryption, next } = clinic.credentials;
  return {
    herId: clinic.herId,
    subHerIds: [...clinic.subHerIds],
    orgNumber: clinic.orgNumber,
    name: clinic.name,
    certificates: {
      signing: credential(signing),
      encryption: credential(encryption),
      ...(previousEncryption ? { previousEncryption: credential(previousEncryption) } : {}),
      ...(next
        ? {
            next: {
              ...(next.signing ? { signing: credential(next.signing) } : {}),
              ...(next.encryption ? { encryption: credential(next.encryption) } : {}),
            },
          }
        : {}),
    },
    helseId: {
      clientId: s.HELSEID_CLIENT_ID,
      ...(clinic.helseIdKeyFile ? { keyFile: clinic.helseIdKeyFile } : {}),
      ...(clinic.helseIdNextKeyFile ? { nextKeyFile: clinic.helseIdNextKeyFile } : {}),
    },
    epj: {
      delivery: s.EPJ_DELIVERY,
      ...(s.EPJ_DELIVERY === 'folder' && s.EPJ_INBOX_DIR ? { inboxDir: s.EPJ_INBOX_DIR } : {}),
      ...(s.EPJ_OUTBOX_DIR ? { outboxDir: s.EPJ_OUTBOX_DIR } : {}),
      ...(s.EPJ_DELIVERY === 'webhook' && s.EPJ_WEBHOOK_URL ? { webhookUrl: urlOrigin(s.EPJ_WEBHOOK_URL) } : {}),
      clients: s.EPJ_TOKENS.map((t) => t.client),
    },
    notify: {
      webhooks: s.NOTIFY_WEBHOOKS.map((pair) => {
        const i = pair.indexOf('=');
        return { name: pair.slice(0, i), url: urlOrigin(pair.slice(i + 1)) };
      }),
      ...(clinic.contacts.office ? { office: clinic.contacts.office } : {}),
      ...(clinic.contacts.itProvider ? { itProvider: clinic.contacts.itProvider } : {}),
      ...(clinic.contacts.epjVendor ? { epjVendor: clinic.contacts.epjVendor } : {}),
      ...(clinic.contacts.languages ? { languages: clinic.contacts.languages } : {}),
    },
    // the allow-list holds no secret, so an overridden value may be shown as it is
    overrides: Object.fromEntries(clinic.overridden.map((key) => [key, s[key]])),
  };
}
