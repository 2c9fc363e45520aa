import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageProtectionOf, type Config } from '../../src/config.js';
import { citizenProtection } from './simulator/citizen-protection.js';
import { GatewayError } from '../../src/errors.js';
import { loadSchemaSet } from '../../src/kith/schema-set.js';
import type { Logger } from '../../src/logging.js';
import { DpopKey } from './dpop.js';
import { HelseIdClient, loadClinicCredentials } from './helseid.js';
import { MshClient } from './msh-client.js';
import { startSimulator, type Simulator } from './simulator/server.js';

/**
 * The transport from the settings: NHN's message service at MSH_BASE_URL with HelseID at
 * HELSEID_TOKEN_URL, or, in the demo with neither set, the simulator at `simulatorUrl`.
 */

export interface MshTransportWiring {
  /** the simulator's URL, used when MSH_BASE_URL (and HELSEID_TOKEN_URL) are unset */
  simulatorUrl?: string;
  /** told when HelseID refuses the clinic's certificate: wire it to the service gate */
  onCertificateRefused?: (reason: string) => void;
  logger?: Logger;
}

export function createMshTransport(config: Config, wiring: MshTransportWiring = {}): MshClient {
  const baseUrl = config.MSH_BASE_URL ?? wiring.simulatorUrl;
  if (!baseUrl) throw new GatewayError('CONFIG_INVALID', 'MSH_BASE_URL is unset and no simulator is running; set NHN\'s message service URL.');
  const tokenUrl = config.HELSEID_TOKEN_URL ?? `${(wiring.simulatorUrl ?? baseUrl).replace(/\/+$/, '')}/connect/token`;
  const auth = new HelseIdClient({
    ...loadClinicCredentials(config.CLINIC_SIGNING_CERT, config.CLINIC_SIGNING_KEY),
    tokenUrl,
    clientId: config.HELSEID_CLIENT_ID,
    scope: config.HELSEID_SCOPE,
    dpop: DpopKey.generate(),
    timeoutMs: config.MSH_TIMEOUT_MS,
    ...(wiring.onCertificateRefused ? { onCertificateRefused: wiring.onCertificateRefused } : {}),
  });
  return new MshClient({ baseUrl, timeoutMs: config.MSH_TIMEOUT_MS, auth, ...(wiring.logger ? { logger: wiring.logger } : {}) });
}

/**
 * The simulator as the demo runs it: the clinic's HelseID client registered with its signing
 * certificate, the clinic's answers judged with the official schemas when KITH_SCHEMA_DIR is set.
 */
export async function startDemoSimulator(config: Config, listen: { port?: number; host?: string } = {}): Promise<Simulator> {
  let certificate: Buffer;
  try {
    certificate = readFileSync(config.CLINIC_SIGNING_CERT);
  } catch (err) {
    throw new GatewayError('CERT_UNREADABLE', `CLINIC_SIGNING_CERT (${config.CLINIC_SIGNING_CERT}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  const sample = (name: string) => fileURLToPath(new URL(`../../certs-sample/${name}`, import.meta.url));
  const protection =
    messageProtectionOf(config) === 'cms'
      ? citizenProtection({
          helsenorgeSigningCert: sample('helsenorge-signing.cert.pem'),
          helsenorgeSigningKey: sample('helsenorge-signing.key.pem'),
          helsenorgeEncryptionCert: sample('helsenorge-encryption.cert.pem'),
          helsenorgeEncryptionKey: sample('helsenorge-encryption.key.pem'),
          clinicSigningCert: config.CLINIC_SIGNING_CERT,
          clinicEncryptionCert: config.CLINIC_ENCRYPTION_CERT,
        })
      : undefined;
  return startSimulator({
    ...(protection ? { protection } : {}),
    sampleCrl: readFileSync(sample('ca.crl.der')),
    port: listen.port ?? config.SIMULATOR_PORT,
    host: listen.host ?? '127.0.0.1',
    clinicHerId: Number(config.CLINIC_HER_ID),
    clients: [{ clientId: config.HELSEID_CLIENT_ID, certificate }],
    ...(config.KITH_SCHEMA_DIR ? { schemas: loadSchemaSet(config.KITH_SCHEMA_DIR) } : {}),
    maxBytes: config.KITH_MAX_BYTES,
  });
}
