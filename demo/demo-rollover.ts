import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import forge from 'node-forge';
import { makeLeaf, readSampleCa, serialFor } from '../certs-sample/make-sample-certs.js';
import type { AuditLog } from '../src/audit/audit-log.js';
import type { CertificateRollover, RolloverStep } from '../src/gate/certificate-rollover.js';
import type { GateLevel } from '../src/gate/gate-state.js';
import type { GateTransition, ServiceGate } from '../src/gate/service-gate.js';
import { operatorOf } from '../src/http/operator.js';
import { needs } from '../src/http/ops-roles.js';
import { orgNumberOfCertificate } from '../src/registry/own-entry-audit.js';
import { readCertificate, type ClinicKeys } from '../src/trust/clinic-keys.js';
import type { ArStandIn } from './ar-stand-in/stand-in-server.js';

/**
 * `epj-gateway demo rollover` (POST /ops/demo/rollover): the whole rollover of a clinic's
 * encryption certificate against the AR stand-in while citizen messages flow, step by step as an
 * operations provider would take them — a successor issued by the sample CA for the clinic's
 * organisation and installed in the next slot, published in the stand-in, the switch, the old one
 * retired — then everything put back as it was. The signing certificate is not rolled here: the
 * simulator's HelseID and citizen side know each clinic by its current signing certificate.
 *
 * Prints one object: `{"ok":true,"steps":[…],"gateClosed":false,"messagesLost":0}`.
 */

const SAMPLE_DIR = fileURLToPath(new URL('../certs-sample', import.meta.url));
const MESSAGES_PER_STEP = 2;
const ANSWER_TIMEOUT_MS = 30_000;

export interface DemoRolloverDeps {
  herId: string;
  gate: ServiceGate;
  audit: AuditLog;
  keys: ClinicKeys;
  rollover: CertificateRollover;
  recheck: () => Promise<void>;
  /** drops the stand-in's cached answers for the clinic, so the next check asks it */
  forgetRegister: () => Promise<void>;
  standIn: ArStandIn;
  citizen: {
    sendFixture(name: string, options?: { to?: number }): { id: string };
    waitForAppRec(id: string, timeoutMs: number): Promise<{ status: string } | undefined>;
  };
}

export interface DemoRolloverStep {
  step: RolloverStep;
  gate: GateLevel;
  /** the gate's reason codes after the step */
  reasons: string[];
  nextStep: RolloverStep | null;
}

export interface DemoRolloverResult {
  ok: boolean;
  steps: DemoRolloverStep[];
  gateClosed: boolean;
  messagesLost: number;
}

/** A successor of the clinic's encryption certificate, from the sample CA, for the same organisation. */
function issueNextEncryption(currentCert: string, herId: string): { cert: string; key: string } {
  const current = readCertificate(currentCert);
  const org = orgNumberOfCertificate(current) ?? '921543212';
  const name = /(?:^|\n)O=([^\n]+)/.exec(current.subject)?.[1] ?? 'Demo clinic';
  const issued = makeLeaf(
    { name: 'demo-rollover', issuer: 'ca', party: { name, org }, profile: 'SEID2', usage: 'encryption', from: new Date(Date.now() - 86_400_000) },
    readSampleCa(SAMPLE_DIR),
    undefined,
    { serial: serialFor(`demo-rollover ${herId} ${Date.now()}`) },
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'epj-demo-rollover-'));
  const files = { cert: path.join(dir, 'encryption-next.cert.pem'), key: path.join(dir, 'encryption-next.key.pem') };
  writeFileSync(files.cert, forge.pki.certificateToPem(issued.cert));
  writeFileSync(files.key, issued.pkcs8Pem, { mode: 0o600 });
  return files;
}

export async function runDemoRollover(deps: DemoRolloverDeps, by: string): Promise<DemoRolloverResult> {
  const { herId, gate, keys, rollover, standIn } = deps;
  const original = keys.settingsNow();
  const publishedBefore = standIn.entry(herId)?.certificates;
  let gateClosed = false;
  const watch = (t: GateTransition) => {
    if (t.to === 'closed') gateClosed = true;
  };
  gate.on('transition', watch);
  const sent: string[] = [];
  const steps: DemoRolloverStep[] = [];
  const step = async (name: RolloverStep, act: () => Promise<unknown>) => {
    for (let i = 0; i < MESSAGES_PER_STEP; i++) sent.push(deps.citizen.sendFixture('office-contact/request.xml', { to: Number(herId) }).id);
    await act();
    await deps.forgetRegister();
    await deps.recheck();
    const snapshot = await gate.refresh();
    if (snapshot.gateway.state === 'closed') gateClosed = true;
    steps.push({ step: name, gate: snapshot.gateway.state, reasons: snapshot.gateway.reasons.map((r) => r.code), nextStep: (await rollover.state()).nextStep });
  };
  try {
    const next = issueNextEncryption(original.CLINIC_ENCRYPTION_CERT, herId);
    await step('install-next', async () => keys.reload({ CLINIC_NEXT_ENCRYPTION_CERT: next.cert, CLINIC_NEXT_ENCRYPTION_KEY: next.key }));
    await step('publish-next', async () => standIn.update(herId, { certificates: { encryption: next.cert } }));
    await step('switch', () => rollover.switch(by));
    await step('retire-current', async () => {
      keys.reload({
        CLINIC_ENCRYPTION_CERT: next.cert,
        CLINIC_ENCRYPTION_KEY: next.key,
        CLINIC_PREVIOUS_ENCRYPTION_CERT: original.CLINIC_ENCRYPTION_CERT,
        CLINIC_PREVIOUS_ENCRYPTION_KEY: original.CLINIC_ENCRYPTION_KEY,
        CLINIC_NEXT_ENCRYPTION_CERT: undefined,
        CLINIC_NEXT_ENCRYPTION_KEY: undefined,
      });
      await rollover.sync();
    });
    const answers = await Promise.all(sent.map((id) => deps.citizen.waitForAppRec(id, ANSWER_TIMEOUT_MS)));
    const messagesLost = answers.filter((a) => a?.status !== 'OK').length;
    const allDone = steps.length === 4 && steps.at(-1)!.nextStep === null;
    return { ok: !gateClosed && messagesLost === 0 && allDone, steps, gateClosed, messagesLost };
  } finally {
    gate.off('transition', watch);
    // the demo as it was: the original pairs, the stand-in publishing them
    keys.reload({
      ...original,
      CLINIC_PREVIOUS_ENCRYPTION_CERT: original.CLINIC_PREVIOUS_ENCRYPTION_CERT,
      CLINIC_PREVIOUS_ENCRYPTION_KEY: original.CLINIC_PREVIOUS_ENCRYPTION_KEY,
    });
    await rollover.sync();
    standIn.update(herId, { certificates: publishedBefore ?? null });
    await deps.forgetRegister();
    await deps.recheck();
  }
}

/** POST /ops/demo/rollover: runs the demo's rollover for the clinic (`?clinic=`), audited. */
export function demoRolloverRouter(deps: DemoRolloverDeps): Router {
  const router = Router();
  router.post('/demo/rollover', needs('operator'), async (req, res) => {
    const result = await runDemoRollover(deps, operatorOf(req));
    await deps.audit.record({
      actor: operatorOf(req),
      action: 'demo.rollover',
      outcome: result.ok ? 'ok' : 'failed',
      details: { gateClosed: result.gateClosed, messagesLost: result.messagesLost },
    });
    res.json(result);
  });
  return router;
}
