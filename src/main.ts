import { startDemoSimulator } from '../demo/start-simulator.js';
import type { Simulator } from '../demo/simulator/server.js';
import { composeEpjSide, type EpjSide } from './compose-epj.js';
import { composeTransport, type TransportSide } from './compose-transport.js';
import { clinicCertificateStatus, composeTrust, type TrustSide } from './compose-trust.js';
import { loadConfig, ConfigError, messageProtectionOf, type Config } from './config.js';
import { isGatewayError } from './errors.js';
import { checkCertificates } from './gate/certificate-watcher.js';
import { checkRegister } from './gate/register-watcher.js';
import { createGateway, type Gateway } from './gateway.js';
import { opsDemoRouter } from '../demo/ops-demo-routes.js';
import { createLogger, type Logger } from './logging.js';
import { kithJudge } from './pipeline/inbound-judge.js';
import { startPipeline, type RunningPipeline } from './pipeline/start.js';
import { createAddressRegister, ownEntryAuditor, startDemoStandIn } from './registry/register-from-config.js';
import { addressRegisterReadiness, registerAddressRegisterMetrics } from './registry/register-status.js';
import type { ArStandIn } from '../demo/ar-stand-in/stand-in-server.js';
import { checkClinicCertificates } from './trust/clinic-certificates.js';
import { inboundOpener } from './trust/counterparty-protection.js';

/**
 * Composition root: settings, then the far side (NHN's message service and address register, or
 * the demo's simulator and AR stand-in), the trust side, the EPJ side, the pipeline, the gate's
 * watchers, and HTTP. Nothing else lives here.
 */

export interface ComposedGateway {
  gateway: Gateway;
  pipeline: RunningPipeline;
  epj: EpjSide;
  trust: TrustSide;
  transport: TransportSide;
  /** the demo's stand-ins, when they run in this process */
  simulator: Simulator | undefined;
  standIn: ArStandIn | undefined;
}

const SAMPLE_EXPIRED = {
  CLINIC_SIGNING_CERT: 'certs-sample/clinic-signing-expired.cert.pem',
  CLINIC_SIGNING_KEY: 'certs-sample/clinic-signing-expired.key.pem',
};

export async function composeGateway(config: Config, logger: Logger): Promise<ComposedGateway> {
  const demo = config.GATEWAY_MODE === 'demo';
  // The demo's far side first: the simulator also serves the sample CA's CRL through its proxy port.
  const simulator = demo && !config.MSH_BASE_URL ? await startDemoSimulator(config) : undefined;
  if (simulator && !config.REVOCATION_HTTP_PROXY) config = { ...config, REVOCATION_HTTP_PROXY: simulator.url };
  const standIn = await startDemoStandIn(config, logger);

  const gateway = await createGateway(config, logger);
  if (simulator) gateway.lifecycle.onFinalClose('NHN simulator', () => simulator.close());
  if (standIn) gateway.lifecycle.onFinalClose('address register stand-in', () => standIn.close());

  const register = createAddressRegister(config, gateway.redis, logger, standIn ? { standIn } : {});
  registerAddressRegisterMetrics(gateway.metrics.registry, register);
  gateway.readiness.push(addressRegisterReadiness(register, config.AR_API));

  const trust = composeTrust(config, { redis: gateway.redis, register, logger });
  const endpoints = simulator
    ? { mshUrl: simulator.url, tokenUrl: simulator.tokenUrl }
    : { mshUrl: config.MSH_BASE_URL!, tokenUrl: config.HELSEID_TOKEN_URL ?? `${config.MSH_BASE_URL!.replace(/\/+$/, '')}/connect/token` };
  const transport = composeTransport(gateway, endpoints, trust);
  const epj = composeEpjSide(gateway);

  // The gate's watchers read the clinic's certificate files as they are now (the demo may swap them).
  const clinic = { herId: config.CLINIC_HER_ID, orgNumber: config.CLINIC_ORG_NUMBER, name: config.CLINIC_NAME };
  const pipelineRef: { current?: RunningPipeline } = {};
  const certificatesNow = () => ({ ...config, ...trust.protection.settingsNow() });
  gateway.gateChecks.push(
    async () => {
      await checkCertificates({
        check: () => checkClinicCertificates(certificatesNow(), { trust: trust.trust }),
        gate: gateway.gate,
        notifier: gateway.notifier,
        warnDays: config.CERT_WARN_DAYS,
        clinic,
        metrics: gateway.metrics,
      });
    },
    async () => {
      await checkRegister({ audit: () => ownEntryAuditor(certificatesNow(), register)(), gate: gateway.gate, metrics: gateway.metrics });
    },
    () => transport.checkAuth(),
  );
  gateway.statusSections.certificates = () => clinicCertificateStatus(certificatesNow(), trust.trust);
  gateway.statusSections.addressRegister = async () => {
    const audit = await ownEntryAuditor(certificatesNow(), register)();
    return { herId: config.CLINIC_HER_ID, source: audit.source, faults: audit.faults.length > 0 ? audit.faults.map((f) => `${f.code}: ${f.message}`) : 'none' };
  };
  gateway.statusSections.transport = () => {
    const { tokensFetched, refused } = transport.authState();
    const lastPoll = pipelineRef.current?.poller.lastSuccessAt;
    return {
      endpoint: endpoints.mshUrl,
      protection: messageProtectionOf(config) === 'cms' ? 'CMS, end to end' : "NHN's (HelseID + TLS)",
      lastSuccessfulPoll: lastPoll ? lastPoll.toISOString() : 'not yet',
      pollError: pipelineRef.current?.poller.lastError ?? 'none',
      helseIdTokens: tokensFetched,
      helseId: refused ? `refused: ${refused}` : 'accepted',
    };
  };

  if (demo) {
    const original = trust.protection.settingsNow();
    gateway.opsRoutes.push(
      opsDemoRouter({
        gate: gateway.gate,
        audit: gateway.audit,
        expireCertificate: async () => trust.protection.reload(SAMPLE_EXPIRED),
        restoreCertificate: async () => trust.protection.reload(original),
        recheck: () => gateway.recheck(),
      }),
    );
  }

  await gateway.recheck();
  const pipeline = (pipelineRef.current = await startPipeline(gateway, {
    transport: transport.transport,
    judge: kithJudge({
      allowSyntheticIds: demo,
      ownHerIds: [config.CLINIC_HER_ID],
      maxBytes: config.KITH_MAX_BYTES,
      ...(gateway.schemas ? { schemas: gateway.schemas } : {}),
    }),
    epj: epj.port,
    ...(messageProtectionOf(config) === 'cms' ? { open: inboundOpener(() => trust.protection.get(), trust.counterparties) } : {}),
  }));
  epj.outbox.start();
  return { gateway, pipeline, epj, trust, transport, simulator, standIn };
}

export async function startGateway(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`epj-gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);

  let composed: ComposedGateway;
  try {
    composed = await composeGateway(config, logger);
  } catch (err) {
    if (isGatewayError(err) || err instanceof ConfigError) {
      process.stderr.write(`epj-gateway: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { gateway, simulator, standIn, epj } = composed;
  gateway.lifecycle.installSignalHandlers();
  const { url } = await gateway.listen();

  logger.info({ url, mode: config.GATEWAY_MODE }, 'epj-gateway is listening');
  if (config.GATEWAY_MODE === 'demo') {
    const token = config.EPJ_TOKENS[0]!;
    process.stdout.write(
      [
        '',
        `  epj-gateway (demo) is ready at ${url}`,
        `  EPJ API token (${token.client}):  Authorization: Bearer ${token.token}`,
        `  Operations token:               Authorization: Bearer ${config.OPS_TOKEN}`,
        `  Dashboard:                      ${url}/ops/  (log in with the operations token)`,
        ...(simulator ? [`  NHN simulator:                  ${simulator.url}  (epj-gateway send fixtures/office-contact/request.xml --as-citizen)`] : []),
        ...(standIn ? [`  Address register stand-in:      ${standIn.url}`] : []),
        ...(epj.inboxDir ? [`  EPJ inbox folder:               ${epj.inboxDir}`] : []),
        `  EPJ outbox folder:              ${epj.outboxDir}`,
        `  Message protection:             ${messageProtectionOf(config) === 'cms' ? 'CMS, signed and encrypted end to end' : "NHN's message service (HelseID + TLS)"}`,
        `  Schema validation:              ${config.KITH_SCHEMA_DIR ? `official XSDs from ${config.KITH_SCHEMA_DIR}` : 'own rules only (set KITH_SCHEMA_DIR for the official XSDs)'}`,
        '',
      ].join('\n') + '\n',
    );
  }
}
