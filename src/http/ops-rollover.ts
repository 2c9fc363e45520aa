import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError } from '../errors.js';
import type { CertificateRollover, RolloverState } from '../gate/certificate-rollover.js';
import { operatorOf } from './operator.js';
import { needs } from './ops-roles.js';

/** What the rollover routes need of one clinic. */
export interface RolloverClinic {
  herId: string;
  rollover: CertificateRollover;
  audit: AuditLog;
  /** runs the clinic's gate checks now, so the gate's reasons name the step left at once */
  recheck: () => Promise<void>;
}

/** The clinics file, where the next pairs are installed and the old ones retired. */
export interface RolloverFile {
  installNext(herId: string, next: unknown, helseIdNextKey?: string): Promise<void>;
  retire(herId: string): Promise<void>;
}

const installBody = z.object({
  signing: z.record(z.string(), z.unknown()).optional(),
  encryption: z.record(z.string(), z.unknown()).optional(),
  helseIdKey: z.string().min(1).optional(),
});

/**
 * A certificate rollover through the operations API, per clinic (`?clinic=HERID`; the first clinic
 * when left out), each change audited:
 *   GET  /ops/certificates/rollover           the state: what is installed, what AR publishes, the step left
 *   POST /ops/certificates/rollover/next      installs the next pairs (clinics-file credentials)
 *   POST /ops/certificates/rollover/switch    puts the next pairs in use
 *   POST /ops/certificates/rollover/retire    the next pairs become the current ones in the clinics file
 */
export function opsRolloverRouter(clinics: () => readonly RolloverClinic[], file: RolloverFile): Router {
  const router = Router();
  const clinicOf = (req: Request): RolloverClinic => {
    const herId = typeof req.query.clinic === 'string' && req.query.clinic !== '' ? req.query.clinic : undefined;
    const clinic = herId ? clinics().find((c) => c.herId === herId) : clinics()[0];
    if (!clinic) throw new GatewayError('CLINIC_UNKNOWN', herId ? `(HER-id ${herId.slice(0, 12)})` : undefined);
    return clinic;
  };
  const done = async (clinic: RolloverClinic, req: Request, action: string, state: RolloverState) => {
    await clinic.recheck();
    await clinic.audit.record({
      actor: operatorOf(req),
      action: `certificate.rollover.${action}`,
      outcome: state.phase,
      details: { nextStep: state.nextStep ?? 'none', signingWith: state.signingWith },
    });
    return clinic.rollover.state();
  };

  router.get('/certificates/rollover', needs('viewer'), async (req, res) => {
    res.json(await clinicOf(req).rollover.state());
  });

  router.post('/certificates/rollover/next', needs('operator'), async (req, res) => {
    const clinic = clinicOf(req);
    const body = installBody.safeParse(req.body ?? {});
    if (!body.success || (!body.data.signing && !body.data.encryption))
      throw new GatewayError('CLINIC_INVALID', '(certificates.next: { signing, encryption }, each { cert, key } or { p12, password })');
    const { helseIdKey, ...next } = body.data;
    await file.installNext(clinic.herId, next, helseIdKey);
    const state = await clinic.rollover.state();
    if (state.phase === 'none')
      throw new GatewayError('ROLLOVER_NO_NEXT', '(the clinics file took the next pairs, but the keys could not be read: the log says why)');
    res.json(await done(clinic, req, 'install', state));
  });

  router.post('/certificates/rollover/switch', needs('operator'), async (req, res) => {
    const clinic = clinicOf(req);
    const state = await clinic.rollover.switch(operatorOf(req));
    res.json(await done(clinic, req, 'switch', state));
  });

  router.post('/certificates/rollover/retire', needs('operator'), async (req, res) => {
    const clinic = clinicOf(req);
    const before = await clinic.rollover.state();
    if (before.phase !== 'switched') throw new GatewayError(before.phase === 'none' ? 'ROLLOVER_NO_NEXT' : 'ROLLOVER_NOT_SWITCHED');
    await file.retire(clinic.herId);
    await clinic.rollover.sync();
    res.json(await done(clinic, req, 'retire', await clinic.rollover.state()));
  });
  return router;
}
