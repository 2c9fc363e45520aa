import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageProtectionOf, type Config } from '../src/config.js';
import { citizenCms } from './simulator/citizen-cms.js';
import { readCertificate } from '../src/trust/clinic-keys.js';
import { loadSchemaSet } from '../src/kith/schema-set.js';
import { startSimulator, type Simulator } from './simulator/server.js';

/**
 * The simulator as the demo runs it: the clinic's HelseID client registered with its signing
 * certificate, the clinic's answers judged with the official schemas when KITH_SCHEMA_DIR is set.
 */
export async function startDemoSimulator(config: Config, listen: { port?: number; host?: string } = {}): Promise<Simulator> {
  const certificate = readCertificate(config.CLINIC_SIGNING_CERT);
  const sample = (name: string) => fileURLToPath(new URL(`../certs-sample/${name}`, import.meta.url));
  const protection =
    messageProtectionOf(config) === 'cms'
      ? citizenCms({
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
