import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clinic } from '../src/clinics/clinic.js';
import { loadClinics } from '../src/clinics/clinics-file.js';
import type { Config } from '../src/config.js';
import { composeGateway, farSideFromSettings, type ComposedGateway, type FarSide } from '../src/compose/gateway.js';
import { namingThePort } from '../src/infra/listen.js';
import type { Closable } from '../src/lifecycle.js';
import type { Logger } from '../src/logging.js';
import type { ArStandIn } from './ar-stand-in/stand-in-server.js';
import { opsDemoRouter } from './ops-demo-routes.js';
import type { Simulator } from './simulator/server.js';
import { standInAddress, startDemoStandIn } from './start-ar-stand-in.js';
import { demoRolloverRouter } from './demo-rollover.js';
import { ensureNearExpiryCertificate } from './near-expiry-certificate.js';
import { startDemoSimulator } from './start-simulator.js';
import { redacted } from '../adapters/transport/amqp/bus.js';
import { demoBus } from './demo-bus.js';
import { startSmtpStandIn, type SmtpStandIn } from './smtp-stand-in.js';

/**
 * The demo: the production composition with NHN's side standing in beside it. Without MSH_BASE_URL
 * the NHN simulator (message service, HelseID, citizen side; also the sample CA's CRL proxy) runs
 * in this process; without AR_URL the address-register stand-in does. The demo's certificate
 * switch (POST /ops/demo/expire-certificate, restore-certificate) is mounted. Nothing of this is
 * reachable from the production path.
 */

export interface ComposedDemo {
  gateway: ComposedGateway;
  simulator: Simulator | undefined;
  standIn: ArStandIn | undefined;
  /** the demo's SMTP server, when SMTP_HOST is unset */
  smtp?: SmtpStandIn;
  /** the service bus (TRANSPORT=amqp): its address, password hidden */
  busUrl?: string;
}

/** The sample's expired signing pair, put in place of the clinic's by the demo's switch. */
export const SAMPLE_EXPIRED = {
  CLINIC_SIGNING_CERT: 'certs-sample/clinic-signing-expired.cert.pem',
  CLINIC_SIGNING_KEY: 'certs-sample/clinic-signing-expired.key.pem',
} as const;

/** The demo's three sample clinics (test material). */
export const DEMO_CLINICS_FILE = fileURLToPath(new URL('./clinics.yaml', import.meta.url));
/** The demo clinic whose signing certificate is made at start to expire in ten days, so the fleet view shows a warning. */
const NEAR_EXPIRY = { herId: '8143200', days: 10 };

/** The clinics file's third clinic gets its near-expiry signing certificate, made under DATA_DIR. */
function withNearExpiry(clinics: Clinic[], config: Config): Clinic[] {
  return clinics.map((clinic) => {
    if (clinic.herId !== NEAR_EXPIRY.herId || clinic.credentials.signing.kind !== 'pem') return clinic;
    const made = ensureNearExpiryCertificate(path.join(config.DATA_DIR, 'demo-certs'), NEAR_EXPIRY.days, { keyFile: clinic.credentials.signing.key });
    return {
      ...clinic,
      settings: { ...clinic.settings, CLINIC_SIGNING_CERT: made.cert },
      credentials: { ...clinic.credentials, signing: { ...clinic.credentials.signing, cert: made.cert } },
    };
  });
}

/**
 * The clinics the demo serves: CLINICS_FILE when set; the one clinic of the CLINIC_* settings when
 * CLINIC_HER_ID is set in the environment; else the demo's three sample clinics.
 */
export function demoClinics(config: Config, env: NodeJS.ProcessEnv = process.env): Clinic[] {
  if (config.CLINICS_FILE) return withNearExpiry(loadClinics(config), config);
  if (env.CLINIC_HER_ID) return loadClinics(config);
  return withNearExpiry(loadClinics({ ...config, CLINICS_FILE: DEMO_CLINICS_FILE }), config);
}

/**
 * The demo's composition. `simulatorClinics`: the clinics the simulator knows, when more than those
 * served at start (a clinic a test adds at run time).
 */
export async function composeDemo(
  config: Config,
  logger: Logger,
  clinics: Clinic[] = loadClinics(config),
  simulatorClinics: Clinic[] = clinics,
): Promise<ComposedDemo> {
  // on the service bus: the broker given (AMQP_URL), or one the demo supervises under DATA_DIR
  const bus = config.TRANSPORT === 'amqp' ? await demoBus(config, logger, simulatorClinics) : undefined;
  const simulator = config.MSH_BASE_URL
    ? undefined
    : await namingThePort('SIMULATOR_PORT', config.SIMULATOR_PORT, '127.0.0.1', () => startDemoSimulator(config, {}, simulatorClinics, bus?.url)).catch(
        async (err: unknown) => {
          await bus?.stop();
          throw err;
        },
      );
  const standIn = await namingThePort('AR_STAND_IN_PORT', config.AR_STAND_IN_PORT, '127.0.0.1', () => startDemoStandIn(config, logger)).catch(
    async (err: unknown) => {
      await simulator?.close();
      throw err;
    },
  );
  // notifications by e-mail: to SMTP_HOST, else to the demo's own SMTP server, which keeps what it gets
  const smtp = config.SMTP_HOST
    ? undefined
    : await namingThePort('SMTP_STAND_IN_PORT', config.SMTP_STAND_IN_PORT, '127.0.0.1', () => startSmtpStandIn({ port: config.SMTP_STAND_IN_PORT })).catch(
        async (err: unknown) => {
          await standIn?.close();
          await simulator?.close();
          throw err;
        },
      );
  const mailSettings = smtp ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: smtp.port, SMTP_SECURITY: 'none' as const } : {};
  const finalClosers: Closable[] = [
    ...(simulator ? [{ name: 'NHN simulator', close: () => simulator.close() }] : []),
    ...(standIn ? [{ name: 'address register stand-in', close: () => standIn.close() }] : []),
    ...(smtp ? [{ name: 'SMTP stand-in', close: () => smtp.close() }] : []),
    ...(bus ? [{ name: 'service bus broker', close: () => bus.stop() }] : []),
  ];
  // the simulator also serves the sample CA's CRL, as the revocation checker's proxy
  const settings = simulator && !config.REVOCATION_HTTP_PROXY ? { ...config, REVOCATION_HTTP_PROXY: simulator.url } : config;
  const far: FarSide = {
    ...(simulator ? { mshUrl: simulator.url, tokenUrl: simulator.tokenUrl } : farSideFromSettings(config)),
    ...(standIn ? { registerAddress: standInAddress(standIn) } : {}),
    ...(bus ? { amqpUrl: bus.url } : {}),
  };

  const gateway = await composeGateway(settings, logger, {
    clinics: clinics.map((c) => ({ ...c, settings: { ...c.settings, REVOCATION_HTTP_PROXY: settings.REVOCATION_HTTP_PROXY, ...mailSettings } })),
    far,
    finalClosers,
    opsRoutes: ({ herId, gate, audit, keys, recheck, rollover, forgetRegister }) => {
      const original = keys.settingsNow();
      return [
        ...(standIn && simulator
          ? [demoRolloverRouter({ herId, gate, audit, keys, recheck, rollover, forgetRegister, standIn, citizen: simulator.citizen })]
          : []),
        opsDemoRouter({
          gate,
          audit,
          expireCertificate: async () => keys.reload(SAMPLE_EXPIRED),
          restoreCertificate: async () => keys.reload(original),
          recheck,
          herId,
          ...(smtp ? { mail: () => smtp.received() } : {}),
        }),
      ];
    },
  });
  return { gateway, simulator, standIn, ...(smtp ? { smtp } : {}), ...(bus ? { busUrl: redacted(bus.url) } : {}) };
}

/** The demo as the `serve` command starts it: the composition and the banner lines of its stand-ins. */
export const demoCompose = async (config: Config, logger: Logger) => {
  const { gateway, simulator, standIn, smtp, busUrl } = await composeDemo(config, logger, demoClinics(config));
  return {
    gateway,
    banner: [
      ...(simulator ? [`  NHN simulator:                  ${simulator.url}  (epj-gateway send fixtures/office-contact/request.xml --as-citizen)`] : []),
      ...(standIn ? [`  Address register stand-in:      ${standIn.url}`] : []),
      ...(smtp ? [`  SMTP stand-in (notifications):  127.0.0.1:${smtp.port}  (GET /ops/demo/mail)`] : []),
      ...(busUrl ? [`  Service bus (AMQP 1.0):          ${busUrl}  (queues <HER-id>_async, _sync, _syncreply, _error)`] : []),
      ...gateway.clinics
        .slice(1)
        .flatMap((c) => [
          `  Clinic ${c.clinic.herId} (${c.clinic.name}):  Authorization: Bearer ${c.settings.EPJ_TOKENS[0]?.token ?? '—'}`,
          ...(c.epj.inboxDir ? [`    EPJ inbox folder:             ${c.epj.inboxDir}`] : []),
          `    EPJ outbox folder:            ${c.epj.outboxDir}`,
        ]),
    ],
  };
};
