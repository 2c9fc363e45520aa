import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageProtectionOf, type Config } from '../src/config.js';
import type { ClinicSpec } from '../src/compose/clinic.js';
import { citizenCms } from './simulator/citizen-cms.js';
import { readCertificate } from '../src/trust/clinic-keys.js';
import { readCredential, type CredentialSource } from '../src/trust/credential-source.js';
import { loadSchemaSet } from '../src/kith/schema-set.js';
import { startSimulator, type Simulator, type SimulatorClinic } from './simulator/server.js';

/**
 * The simulator as the demo runs it: each clinic's HelseID client registered with its signing
 * certificate for its HER-ids, the citizen side protecting to and from each clinic's certificates
 * (MESSAGE_PROTECTION=cms), the clinics' answers judged with the official schemas when
 * KITH_SCHEMA_DIR is set.
 */

/**
 * A clinic as the composition knows it (a ClinicSpec, or a clinic of the clinics file): name and
 * organisation number are written into readdressed documents; `credentials` is read when a
 * certificate comes as PKCS#12, else CLINIC_SIGNING_CERT and CLINIC_ENCRYPTION_CERT of its settings.
 */
export type DemoSimulatorClinic = Pick<ClinicSpec, 'herId' | 'subHerIds' | 'settings'> &
  Partial<Pick<ClinicSpec, 'name' | 'orgNumber'>> & { credentials?: { signing: CredentialSource; encryption: CredentialSource } };

/** `clinics`: every clinic to serve, the first the citizen side's default; without it, the one clinic `config` describes. */
export async function startDemoSimulator(
  config: Config,
  listen: { port?: number; host?: string } = {},
  clinics?: readonly DemoSimulatorClinic[],
  /** the service bus (TRANSPORT=amqp): Helsenorge's end on it as well */
  amqpUrl?: string,
): Promise<Simulator> {
  const sample = (name: string) => fileURLToPath(new URL(`../certs-sample/${name}`, import.meta.url));
  const served = clinics?.length ? clinics : [{ herId: config.CLINIC_HER_ID, subHerIds: [], settings: config }];
  const protection =
    messageProtectionOf(config) === 'cms'
      ? citizenCms({
          helsenorgeSigningCert: sample('helsenorge-signing.cert.pem'),
          helsenorgeSigningKey: sample('helsenorge-signing.key.pem'),
          helsenorgeEncryptionCert: sample('helsenorge-encryption.cert.pem'),
          helsenorgeEncryptionKey: sample('helsenorge-encryption.key.pem'),
        })
      : undefined;
  return startSimulator({
    ...(protection ? { protection } : {}),
    sampleCrl: readFileSync(sample('ca.crl.der')),
    port: listen.port ?? config.SIMULATOR_PORT,
    host: listen.host ?? '127.0.0.1',
    clinics: served.map(simulatorClinic),
    ...(config.KITH_SCHEMA_DIR ? { schemas: loadSchemaSet(config.KITH_SCHEMA_DIR) } : {}),
    maxBytes: config.KITH_MAX_BYTES,
    ...(amqpUrl ? { bus: { url: amqpUrl, addressing: { form: config.AMQP_ADDRESS_FORM, exchange: config.AMQP_EXCHANGE } } } : {}),
  });
}

/** A clinic's entry in the simulator, from its own settings. */
function simulatorClinic(clinic: DemoSimulatorClinic): SimulatorClinic {
  const { settings, credentials } = clinic;
  const certificate = (source: CredentialSource | undefined, file: string) =>
    source?.kind === 'pkcs12' ? readCredential(source).certificate : readCertificate(file);
  return {
    herId: Number(clinic.herId),
    subHerIds: clinic.subHerIds.map(Number),
    clientId: settings.HELSEID_CLIENT_ID,
    signingCert: certificate(credentials?.signing, settings.CLINIC_SIGNING_CERT),
    encryptionCert: certificate(credentials?.encryption, settings.CLINIC_ENCRYPTION_CERT),
    name: clinic.name ?? settings.CLINIC_NAME,
    orgNumber: clinic.orgNumber ?? settings.CLINIC_ORG_NUMBER,
  };
}
