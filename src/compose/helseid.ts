import { DpopKey } from '../../adapters/transport/dpop.js';
import { HelseIdClient, loadClinicCredentials } from '../../adapters/transport/helseid.js';
import type { Config } from '../config.js';
import type { HelseIdAnswers } from '../gate/helseid-answers.js';
import type { ServiceGate } from '../gate/service-gate.js';
import type { Logger } from '../logging.js';

/**
 * The clinic's HelseID client: private_key_jwt assertions signed with its enterprise signing
 * certificate, tokens bound to this process's DPoP key, one token source per scope (NHN's message
 * service, and the address register's REST API). A refused assertion closes the gate (the
 * certificate is not accepted); `checkAuth` asks HelseID again with the certificate files as they
 * are then, and opens the gate when a token is issued. Built before the address register, which
 * needs it with AR_API=rest.
 */
export interface TokenSource {
  accessToken: () => Promise<string>;
  invalidate: () => void;
  dpop: DpopKey;
}

export interface HelseId {
  dpop: DpopKey;
  /** a token source for one scope; the same source for the same scope */
  tokensFor(scope: string): TokenSource;
  /** asks HelseID again when it refused the certificate; reports the outcome to the gate */
  checkAuth(): Promise<void>;
  state(): { tokensFetched: number; refused: string | undefined };
}

export interface HelseIdDeps {
  config: Config;
  tokenUrl: string;
  /** the clinic's certificate settings as they are now (the demo may swap the files) */
  certificatesNow: () => Pick<Config, 'CLINIC_SIGNING_CERT' | 'CLINIC_SIGNING_KEY'>;
  gate: Pick<ServiceGate, 'report'>;
  logger: Logger;
  /** tells the IT operations provider when HelseID starts or stops refusing the client (src/gate/helseid-answers.ts) */
  answers?: HelseIdAnswers;
}

export function buildHelseId({ config, tokenUrl, certificatesNow, gate, logger, answers }: HelseIdDeps): HelseId {
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
  const clientFor = (scope: string, files: Pick<Config, 'CLINIC_SIGNING_CERT' | 'CLINIC_SIGNING_KEY'>) =>
    new HelseIdClient({
      ...loadClinicCredentials(files.CLINIC_SIGNING_CERT, files.CLINIC_SIGNING_KEY),
      tokenUrl,
      clientId: config.HELSEID_CLIENT_ID,
      scope,
      dpop,
      timeoutMs: config.MSH_TIMEOUT_MS,
      onCertificateRefused: report,
      ...(answers ? { onClientRefused: (r) => answers.refused(r), onTokenIssued: () => answers.accepted() } : {}),
    });

  // Each scope keeps its client until a recheck builds it anew from the files as they are then.
  const clients = new Map<string, HelseIdClient>();
  const sources = new Map<string, TokenSource>();
  const clientOf = (scope: string) => {
    let client = clients.get(scope);
    if (!client) clients.set(scope, (client = clientFor(scope, certificatesNow())));
    return client;
  };
  clientOf(config.HELSEID_SCOPE);

  return {
    dpop,
    tokensFor(scope) {
      let source = sources.get(scope);
      if (!source) {
        source = { accessToken: () => clientOf(scope).accessToken(), invalidate: () => clientOf(scope).invalidate(), dpop };
        sources.set(scope, source);
      }
      return source;
    },
    async checkAuth() {
      if (!refused) return;
      for (const scope of [...clients.keys()]) clients.set(scope, clientFor(scope, certificatesNow()));
      try {
        await clientOf(config.HELSEID_SCOPE).accessToken();
        report(undefined);
      } catch {
        // refused again (reported by the client) or HelseID unreachable: the gate stays as it is
      }
    },
    state() {
      const tokensFetched = [...clients.values()].reduce((n, c) => n + c.tokensFetched, 0);
      return { tokensFetched, refused };
    },
  };
}
