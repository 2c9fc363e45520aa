import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { loadConfig } from '../../../src/config.js';
import { isGatewayError } from '../../../src/errors.js';
import { CertificateRollover, type RolloverState } from '../../../src/gate/certificate-rollover.js';
import { checkRegister } from '../../../src/gate/register-watcher.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import type { GateLevel } from '../../../src/gate/gate-state.js';
import { render } from '../../../src/notify/templates.js';
import { CachedAddressRegister } from '../../../src/registry/cached-register.js';
import { ownEntryAuditor } from '../../../src/registry/register-from-config.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { checkOtherCertificates } from '../../../src/trust/clinic-certificates.js';
import { ClinicKeys, readCertificate, readPrivateKey } from '../../../src/trust/clinic-keys.js';
import { CmsEnvelope } from '../../../src/trust/cms-envelope.js';
import { trustFromConfig } from '../../../src/trust/trust-from-config.js';
import { captureLogger } from '../../helpers/logger.js';
import { useTestRedis } from '../../helpers/redis.js';

/**
 * A certificate rollover on real parts: the sample CA's certificates (the current pairs and their
 * successors, certs-sample/clinic-*-next), the AR stand-in publishing the current, the next or a
 * mixture, the cached register, the own-entry audit, the register watcher, the gate in Redis. The
 * gate never closes through a correct rollover, and closes when the register publishes a
 * certificate that is neither the current nor the next.
 */

const SAMPLE = fileURLToPath(new URL('../../../certs-sample/', import.meta.url));
const file = (name: string) => path.join(SAMPLE, name);
const HER_ID = '8142987';

const CURRENT = {
  CLINIC_SIGNING_CERT: file('clinic-signing.cert.pem'),
  CLINIC_SIGNING_KEY: file('clinic-signing.key.pem'),
  CLINIC_ENCRYPTION_CERT: file('clinic-encryption.cert.pem'),
  CLINIC_ENCRYPTION_KEY: file('clinic-encryption.key.pem'),
};
const NEXT = {
  CLINIC_NEXT_SIGNING_CERT: file('clinic-signing-next.cert.pem'),
  CLINIC_NEXT_SIGNING_KEY: file('clinic-signing-next.key.pem'),
  CLINIC_NEXT_ENCRYPTION_CERT: file('clinic-encryption-next.cert.pem'),
  CLINIC_NEXT_ENCRYPTION_KEY: file('clinic-encryption-next.key.pem'),
};
const cert = (name: string) => readCertificate(file(`${name}.cert.pem`));

describe('gate: a certificate rollover never closes the gate (sample certificates, AR stand-in, Redis)', function () {
  this.timeout(60_000);
  const ctx = useTestRedis();
  let standIn: ArStandIn;
  let gate: ServiceGate;
  let keys: ClinicKeys;
  let rollover: CertificateRollover;
  let clock = Date.parse('2026-12-01T08:00:00Z');
  const levels: GateLevel[] = [];
  const config = loadConfig({});
  const trust = trustFromConfig(config);
  // Helsenorge's side: seals to the clinic's encryption certificate, opens what the clinic signed
  const helsenorge = new CmsEnvelope({
    signing: { certificate: cert('helsenorge-signing'), key: readPrivateKey(file('helsenorge-signing.key.pem')) },
    decryption: [{ certificate: cert('helsenorge-encryption'), key: readPrivateKey(file('helsenorge-encryption.key.pem')) }],
    rejectWeakCiphers: true,
  });

  before(async () => {
    standIn = await startArStandIn();
    gate = new ServiceGate(ctx.redis, 'rollover', captureLogger().logger);
    keys = new ClinicKeys({ ...CURRENT, CMS_REJECT_3DES: true });
    const register = new CachedAddressRegister(new SoapAddressRegister({ url: standIn.url, timeoutMs: 2_000 }), ctx.redis, {
      prefix: 'rollover',
      ttlS: 60,
      staleLimitS: 600,
      now: () => clock,
    });
    const settings = { ...config, CLINIC_HER_ID: HER_ID, CLINIC_ORG_NUMBER: '921543212' };
    const audit = () => ownEntryAuditor({ ...settings, ...keys.settingsNow() }, register, rollover.heldFiles())();
    rollover = new CertificateRollover({
      herId: HER_ID,
      redis: ctx.redis,
      key: 'rollover:8142987:rollover',
      keys,
      judge: (pairs) => checkOtherCertificates(pairs, 'next', '921543212', { trust }),
      auditRegister: audit,
    });
    // as the composition wires the register watcher: sync the switch, audit, let the register choose the signing pair
    check = async () => {
      clock += 61_000; // past the register cache's TTL: the stand-in is asked again
      await checkRegister({
        audit: async () => {
          await rollover.sync();
          const a = await audit();
          rollover.noteRegister(a);
          return a;
        },
        gate,
      });
      const snapshot = await gate.refresh();
      levels.push(snapshot.gateway.state);
      return { state: snapshot.gateway.state, codes: snapshot.gateway.reasons.map((r) => r.code).sort() };
    };
  });
  after(() => standIn.close());
  let check: () => Promise<{ state: GateLevel; codes: string[] }>;

  const publish = (signing: string, encryption: string) =>
    standIn.update(HER_ID, { certificates: { signing: `certs-sample/${signing}.cert.pem`, encryption: `certs-sample/${encryption}.cert.pem` } });
  /** what Helsenorge sees as the signer of an outbound message, and whether it opens a message sealed to `to` */
  const signerOfOutbound = async () => {
    const sealed = keys.get().seal(Buffer.from('<MsgHead/>'), cert('helsenorge-encryption'));
    for (const name of ['clinic-signing', 'clinic-signing-next']) {
      try {
        await helsenorge.open(sealed, cert(name));
        return name;
      } catch {
        // signed by the other one
      }
    }
    return 'neither';
  };
  const opensSealedTo = async (name: string) => {
    const sealed = helsenorge.seal(Buffer.from('<MsgHead>til kontoret</MsgHead>'), cert(name));
    return (await keys.get().open(sealed, cert('helsenorge-signing'))).content.toString();
  };
  const switchRefusal = async () => {
    try {
      await rollover.switch('drift@example.test');
    } catch (err) {
      assert.ok(isGatewayError(err), String(err));
      return err.code;
    }
    assert.fail('the switch was expected to be refused');
  };

  it('without a next pair: open while the register publishes the current certificates; no rollover in progress', async () => {
    publish('clinic-signing', 'clinic-encryption');
    assert.deepEqual(await check(), { state: 'open', codes: [] });
    const state = await rollover.state();
    assert.equal(state.phase, 'none');
    assert.equal(state.nextStep, null);
    assert.equal(await switchRefusal(), 'ROLLOVER_NO_NEXT');
  });

  it('next pairs installed, the register still on the current: a warning naming the upload, nothing closes; both encryption certificates open', async () => {
    keys.reload(NEXT);
    assert.deepEqual(await check(), {
      state: 'warning',
      codes: ['ar-encryption-certificate-rollover-publish-next', 'ar-signing-certificate-rollover-publish-next'],
    });
    const reason = gate.current().gateway.reasons.find((r) => r.code === 'ar-signing-certificate-rollover-publish-next')!;
    assert.match(reason.message, /Step left: upload the next signing certificate to the address register/);
    const state: RolloverState = await rollover.state();
    assert.equal(state.phase, 'installed');
    assert.deepEqual(state.addressRegister, { signing: 'current', encryption: 'current' });
    assert.equal(state.nextStep, 'publish-next');
    assert.equal(
      state.installed.signing.next?.serial.toLowerCase(),
      new X509Certificate(readFileSync(NEXT.CLINIC_NEXT_SIGNING_CERT)).serialNumber.toLowerCase(),
    );
    assert.deepEqual(state.installed.encryption.next?.faults, []);
    assert.equal(await signerOfOutbound(), 'clinic-signing');
    assert.equal(await opensSealedTo('clinic-encryption'), '<MsgHead>til kontoret</MsgHead>');
    assert.equal(await opensSealedTo('clinic-encryption-next'), '<MsgHead>til kontoret</MsgHead>');
    assert.equal(await switchRefusal(), 'ROLLOVER_NOT_PUBLISHED');
  });

  it('the register publishes the next signing and the current encryption certificate: outbound is signed with the next; the switch waits for both', async () => {
    publish('clinic-signing-next', 'clinic-encryption');
    assert.deepEqual(await check(), {
      state: 'warning',
      codes: ['ar-encryption-certificate-rollover-publish-next', 'ar-signing-certificate-rollover-switch'],
    });
    assert.equal(await signerOfOutbound(), 'clinic-signing-next');
    assert.equal((await rollover.state()).signingWith, 'next');
    assert.equal(await switchRefusal(), 'ROLLOVER_NOT_PUBLISHED');
  });

  it('the register publishes a certificate that is neither the current nor the next: closed, with that reason', async () => {
    publish('clinic-signing-next', 'clinic2-encryption');
    const closed = await check();
    assert.equal(closed.state, 'closed');
    assert.ok(closed.codes.includes('ar-encryption-certificate-mismatch'), closed.codes.join());
    levels.pop(); // the deliberate fault is not part of the rollover's run
  });

  it('the register publishes both next certificates: the step left is the switch; the switch is kept in Redis and survives a new process', async () => {
    publish('clinic-signing-next', 'clinic-encryption-next');
    assert.deepEqual(await check(), {
      state: 'warning',
      codes: ['ar-encryption-certificate-rollover-switch', 'ar-signing-certificate-rollover-switch'],
    });
    assert.equal((await rollover.state()).nextStep, 'switch');
    const switched = await rollover.switch('drift@example.test');
    assert.equal(switched.phase, 'switched');
    assert.equal(switched.switched?.by, 'drift@example.test');
    assert.equal(switched.nextStep, 'retire-current');
    assert.equal(keys.settingsNow().CLINIC_SIGNING_CERT, NEXT.CLINIC_NEXT_SIGNING_CERT, 'the next pair is in use');
    assert.equal(await switchRefusal(), 'ROLLOVER_ALREADY_SWITCHED');
    assert.deepEqual(await check(), {
      state: 'warning',
      codes: ['ar-encryption-certificate-rollover-retire', 'ar-signing-certificate-rollover-retire'],
    });
    assert.equal(await signerOfOutbound(), 'clinic-signing-next');
    assert.equal(await opensSealedTo('clinic-encryption'), '<MsgHead>til kontoret</MsgHead>', 'a message still on its way to the old key opens');
    assert.equal(await opensSealedTo('clinic-encryption-next'), '<MsgHead>til kontoret</MsgHead>');

    // another replica (or a restart) reads the same switch from Redis
    const fresh = new ClinicKeys({ ...CURRENT, ...NEXT, CMS_REJECT_3DES: true });
    const other = new CertificateRollover({
      herId: HER_ID,
      redis: ctx.redis,
      key: 'rollover:8142987:rollover',
      keys: fresh,
      judge: () => Promise.resolve([]),
      auditRegister: () => Promise.reject(new Error('not asked')),
    });
    assert.equal(await other.sync(), 'switched');
    assert.equal(fresh.settingsNow().CLINIC_ENCRYPTION_CERT, NEXT.CLINIC_NEXT_ENCRYPTION_CERT);
  });

  it('retired (the next pairs moved into the current slots, the old encryption pair kept as the previous): open, the switch record gone', async () => {
    keys.reload({
      CLINIC_SIGNING_CERT: NEXT.CLINIC_NEXT_SIGNING_CERT,
      CLINIC_SIGNING_KEY: NEXT.CLINIC_NEXT_SIGNING_KEY,
      CLINIC_ENCRYPTION_CERT: NEXT.CLINIC_NEXT_ENCRYPTION_CERT,
      CLINIC_ENCRYPTION_KEY: NEXT.CLINIC_NEXT_ENCRYPTION_KEY,
      CLINIC_PREVIOUS_ENCRYPTION_CERT: CURRENT.CLINIC_ENCRYPTION_CERT,
      CLINIC_PREVIOUS_ENCRYPTION_KEY: CURRENT.CLINIC_ENCRYPTION_KEY,
      CLINIC_NEXT_SIGNING_CERT: undefined,
      CLINIC_NEXT_SIGNING_KEY: undefined,
      CLINIC_NEXT_ENCRYPTION_CERT: undefined,
      CLINIC_NEXT_ENCRYPTION_KEY: undefined,
    });
    assert.deepEqual(await check(), { state: 'open', codes: [] });
    assert.equal(await ctx.redis.exists('rollover:8142987:rollover'), 0);
    assert.equal((await rollover.state()).phase, 'none');
    assert.equal(await signerOfOutbound(), 'clinic-signing-next');
    assert.equal(await opensSealedTo('clinic-encryption'), '<MsgHead>til kontoret</MsgHead>');

    // the next rollover starts afresh: a newly installed pair is not signed with before the register publishes it
    keys.reload({ CLINIC_NEXT_SIGNING_CERT: CURRENT.CLINIC_SIGNING_CERT, CLINIC_NEXT_SIGNING_KEY: CURRENT.CLINIC_SIGNING_KEY });
    assert.equal(await signerOfOutbound(), 'clinic-signing-next');
    keys.reload({ CLINIC_NEXT_SIGNING_CERT: undefined, CLINIC_NEXT_SIGNING_KEY: undefined });
  });

  it('through the whole rollover the gate was never closed', () => {
    assert.ok(levels.length >= 6);
    assert.ok(!levels.includes('closed'), levels.join(' → '));
  });

  it('the office and its IT provider are told the step left in Norwegian', () => {
    const rendered = render({
      id: 'gate-reason:x',
      kind: 'gate-warning',
      title: 'warning',
      text: 'ar-signing-certificate-rollover-switch: …',
      clinic: { herId: HER_ID, orgNumber: '921543212', name: 'Fjordvik legekontor AS' },
      details: { scope: 'gateway', reasons: ['ar-signing-certificate-rollover-switch', 'ar-encryption-certificate-rollover-publish-next'] },
      at: '2026-12-01T08:00:00Z',
    });
    assert.equal(rendered.subject, 'Sertifikatbytte for Fjordvik legekontor AS: neste steg');
    assert.match(rendered.text, /Tjenestene er åpne/);
    assert.match(rendered.text, /Neste steg: bytt til de nye sertifikatene \(epj-gateway cert rollover --switch\)/);
    assert.match(rendered.text, /Neste steg: last opp det nye sertifikatet for kryptering til Adresseregisteret/);
  });
});
