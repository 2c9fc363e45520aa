import { DpopKey } from '../adapters/transport/dpop.js';
import { HelseIdClient, loadClinicCredentials } from '../adapters/transport/helseid.js';
import { MshClient } from '../adapters/transport/msh-client.js';
import { plainDocuments, type DocumentProtection } from '../adapters/transport/protection.js';
import { messageProtectionOf, type Config } from './config.js';
import type { Gateway } from './gateway.js';
import { outboundProtector, type CounterpartyCertificates } from './trust/counterparty-protection.js';
import type { ClinicProtection } from './trust/clinic-keys.js';

/**
 * NHN's side as the settings describe it: the message service client with a HelseID client that
 * signs its assertions with the clinic's enterprise certificate. A refused assertion closes the
 * gate (the certificate is not accepted); the gate's recheck asks HelseID again with the
 * certificate files as they are then, and opens the gate when a token is issued.
 */

export interface TransportSide {
  transport: MshClient;
  /** asks HelseID for a token now; reports the outcome to the gate */
  checkAuth: () => Promise<void>;
  authState: () => { tokensFetched: number; refused: string | undefined };
}

export function composeTransport(
  gateway: Gateway,
  endpoints: { mshUrl: string; tokenUrl: string },
  trust: { protection: ClinicProtection; counterparties: CounterpartyCertificates },
): TransportSide {
  const { config, gate, logger } = gateway;
  let refused: string | undefined;
  const report = (reason: string | undefined) => {
    refused = reason;
    void gate
      .report(
        'transport',
        reason
          ? [{ code: 'helseid-refused', severity: 'closed', scope: 'all', message: `${reason}: check the enterprise certificate registered with HelseID.` }]
          : [],
      )
      .catch((err: unknown) => logger.error({ err: String(err) }, 'gate report failed'));
  };
  const dpop = DpopKey.generate();
  const helseIdFor = (c: Config) =>
    new HelseIdClient({
      ...loadClinicCredentials(c.CLINIC_SIGNING_CERT, c.CLINIC_SIGNING_KEY),
      tokenUrl: endpoints.tokenUrl,
      clientId: c.HELSEID_CLIENT_ID,
      scope: c.HELSEID_SCOPE,
      dpop,
      timeoutMs: c.MSH_TIMEOUT_MS,
      onCertificateRefused: report,
    });
  let auth = helseIdFor(config);
  const tokens = { accessToken: () => auth.accessToken(), invalidate: () => auth.invalidate(), dpop };

  const protection: DocumentProtection =
    messageProtectionOf(config) === 'cms'
      ? {
          protect: (document, receiverHerId) => outboundProtector(() => trust.protection.get(), trust.counterparties)(document.toString('utf8'), receiverHerId),
          // received documents are opened by the inbound worker, which answers a fault with an AppRec
          unprotect: async (document) => document,
        }
      : plainDocuments;

  const transport = new MshClient({ baseUrl: endpoints.mshUrl, timeoutMs: config.MSH_TIMEOUT_MS, auth: tokens, protection, logger });

  const checkAuth = async () => {
    if (!refused) return;
    auth = helseIdFor({ ...config, ...trust.protection.settingsNow() });
    try {
      await auth.accessToken();
      report(undefined);
    } catch {
      // refused again (reported by the client) or HelseID unreachable: the gate stays as it is
    }
  };
  return { transport, checkAuth, authState: () => ({ tokensFetched: auth.tokensFetched, refused }) };
}
