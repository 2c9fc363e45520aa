import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { auditOwnEntry, type OwnEntryAudit } from '../../../src/registry/own-entry-audit.js';
import { CachedAddressRegister } from '../../../src/registry/cached-register.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import type { StandInEntry } from '../../../demo/ar-stand-in/register-entries.js';
import { checkRegister } from '../../../src/gate/register-watcher.js';
import { useTestRedis } from '../../helpers/redis.js';

const CLINIC = { herId: '8142987', orgNumber: '921543212' };
const cert = (name: string) => readFileSync(new URL(`../../../certs-sample/${name}.cert.pem`, import.meta.url), 'utf8');
const certPath = (name: string) => `certs-sample/${name}.cert.pem`;

describe('registry: the own-entry audit, every fault by changing the stand-in at run time', () => {
  const ctx = useTestRedis();
  let standIn: ArStandIn;
  let original: StandInEntry;
  let prefixes = 0;

  before(async () => {
    standIn = await startArStandIn({ credentials: { username: 'ar-user', password: 'ar-password' } });
    original = structuredClone(standIn.entry(CLINIC.herId)!);
  });
  after(() => standIn.close());
  afterEach(() => {
    standIn.replace(CLINIC.herId, structuredClone(original));
    standIn.setDown(false);
  });

  function register(options: { ttlS?: number; password?: string; now?: () => number } = {}): CachedAddressRegister {
    const soap = new SoapAddressRegister({ url: standIn.url, username: 'ar-user', password: options.password ?? 'ar-password', timeoutMs: 1_000 });
    return new CachedAddressRegister(soap, ctx.redis, { prefix: `audit${++prefixes}`, ttlS: options.ttlS ?? 0, staleLimitS: 3_600, now: options.now });
  }

  function audit(
    overrides: { herId?: string; held?: { signing?: string; encryption?: string }; now?: Date; reg?: CachedAddressRegister } = {},
  ): Promise<OwnEntryAudit> {
    return auditOwnEntry({
      register: overrides.reg ?? register(),
      clinic: { ...CLINIC, herId: overrides.herId ?? CLINIC.herId },
      held: overrides.held ?? { signing: cert('clinic-signing'), encryption: cert('clinic-encryption') },
      warnDays: 30,
      ...(overrides.now ? { now: overrides.now } : {}),
    });
  }

  const codes = (a: OwnEntryAudit) => a.faults.map((f) => `${f.severity}:${f.code}`).sort();

  it('the sample entry is clean, checked live', async () => {
    const result = await audit();
    assert.deepEqual(result.faults, []);
    assert.equal(result.source, 'live');
    assert.equal(result.herId, CLINIC.herId);
  });

  it('gives the entry it read, each field as text the register watcher compares (a change of contact person shows)', async () => {
    const before = (await audit()).entry!;
    assert.equal(before.herId, CLINIC.herId);
    assert.equal(before.orgNumber, CLINIC.orgNumber);
    assert.match(before.signingCertificate, /^serial [0-9A-F]+, valid to \d{4}-\d{2}-\d{2}$/);
    assert.match(before.services, /DIALOG_INNBYGGER_EKONSULTASJON/);
    standIn.update(CLINIC.herId, { people: [{ herId: '8142989', name: 'Ingrid Kontorsen', active: true }] });
    const after = (await audit()).entry!;
    assert.equal(after.contactPerson, 'Ingrid Kontorsen (HER-id 8142989)');
    assert.deepEqual({ ...after, contactPerson: before.contactPerson }, before, 'nothing else changed');
  });

  it('HER-id unknown', async () => {
    standIn.remove(CLINIC.herId);
    assert.deepEqual(codes(await audit()), ['closed:ar-her-id-unknown']);
  });

  it('HER-id inactive, and invalid (by flag or by a validity that ended)', async () => {
    standIn.update(CLINIC.herId, { active: false });
    assert.deepEqual(codes(await audit()), ['closed:ar-her-id-inactive']);
    standIn.replace(CLINIC.herId, structuredClone(original));
    standIn.update(CLINIC.herId, { isValid: false });
    assert.deepEqual(codes(await audit()), ['closed:ar-her-id-invalid']);
    standIn.update(CLINIC.herId, { isValid: true, valid: { to: '2025-12-31T00:00:00Z' } });
    const ended = await audit();
    assert.deepEqual(codes(ended), ['closed:ar-her-id-invalid']);
    assert.match(ended.faults[0]!.message, /2025-12-31/);
  });

  it("a HER-id that is not the organisation (the GP's, set by mistake)", async () => {
    assert.deepEqual(codes(await audit({ herId: '8142988' })), ['closed:ar-her-id-not-organization']);
  });

  it('organisation number missing, failing mod 11, or not the configured one', async () => {
    standIn.update(CLINIC.herId, { organizationNumber: null });
    assert.deepEqual(codes(await audit()), ['closed:ar-org-number-missing']);
    standIn.update(CLINIC.herId, { organizationNumber: '921543213' });
    const invalid = await audit();
    assert.deepEqual(codes(invalid), ['closed:ar-org-number-invalid']);
    assert.match(invalid.faults[0]!.message, /mod-11/);
    // 974760673 passes mod 11 but is neither the setting nor the certificate's
    standIn.update(CLINIC.herId, { organizationNumber: '974760673' });
    assert.deepEqual(codes(await audit()), ['closed:ar-org-number-certificate-mismatch', 'closed:ar-org-number-mismatch']);
  });

  it("organisation number not the enterprise certificate's", async () => {
    standIn.update(CLINIC.herId, { certificates: { signing: certPath('clinic-signing-wrong-org') } });
    const held = { signing: cert('clinic-signing-wrong-org'), encryption: cert('clinic-encryption') };
    const result = await audit({ held });
    assert.deepEqual(codes(result), ['closed:ar-org-number-certificate-mismatch']);
    assert.match(result.faults[0]!.message, /974760673/);
  });

  it('no contact person', async () => {
    standIn.update(CLINIC.herId, { people: [] });
    assert.deepEqual(codes(await audit()), ['closed:ar-contact-person-missing']);
    standIn.update(CLINIC.herId, { people: [{ herId: '8142989', name: 'Ingrid Kontorsen', active: false }] });
    assert.deepEqual(codes(await audit()), ['closed:ar-contact-person-missing'], 'an inactive person is no contact');
  });

  for (const use of ['encryption', 'signing'] as const) {
    it(`${use} certificate missing, not the one held, or expired`, async () => {
      standIn.update(CLINIC.herId, { certificates: { [use]: null } });
      assert.deepEqual(codes(await audit()), [`closed:ar-${use}-certificate-missing`]);
      const other = use === 'encryption' ? 'clinic-encryption-next' : 'clinic-signing-seid1';
      standIn.update(CLINIC.herId, { certificates: { [use]: certPath(other) } });
      const mismatch = await audit();
      assert.deepEqual(codes(mismatch), [`closed:ar-${use}-certificate-mismatch`]);
      assert.match(mismatch.faults[0]!.message, use === 'encryption' ? /CLINIC_ENCRYPTION_CERT/ : /CLINIC_SIGNING_CERT/);
      // the gateway holds the expired one too: only its expiry is at fault
      standIn.update(CLINIC.herId, { certificates: { [use]: certPath(`clinic-${use}-expired`) } });
      const held = { signing: cert('clinic-signing'), encryption: cert('clinic-encryption'), [use]: cert(`clinic-${use}-expired`) };
      assert.deepEqual(codes(await audit({ held })), [`closed:ar-${use}-certificate-expired`]);
    });
  }

  it('certificates about to expire warn, with the date', async () => {
    const result = await audit({ now: new Date('2044-12-20T00:00:00Z') });
    assert.deepEqual(codes(result), ['warning:ar-encryption-certificate-expiring', 'warning:ar-signing-certificate-expiring']);
    assert.match(result.faults[0]!.message, /2045-01-01 \(in 12 days\)/);
  });

  it('a service the gateway offers not registered, one fault per service, naming it', async () => {
    const services = original.services!.filter((s) => s.code?.value !== 'DIALOG_INNBYGGER_EKONSULTASJON');
    services[0] = { ...services[0]!, active: false };
    standIn.update(CLINIC.herId, { services });
    const result = await audit();
    assert.deepEqual(codes(result), ['closed:ar-service-not-registered', 'closed:ar-service-not-registered']);
    assert.deepEqual(result.faults.map((f) => f.service).sort(), ['appointment', 'e-consultation']);
  });

  it('every fault at once, each with a fix in words', async () => {
    standIn.update(CLINIC.herId, { active: false, organizationNumber: null, people: [], services: [], certificates: null });
    const result = await audit();
    assert.equal(result.faults.length, 1 + 1 + 1 + 4 + 2);
    for (const f of result.faults) assert.ok(f.message.length > 40 && /\.$/.test(f.message), f.code);
  });

  it('AR refusing the credentials: a fault saying so, and the entry unchecked', async () => {
    const result = await audit({ reg: register({ password: 'wrong' }) });
    assert.equal(result.source, 'unavailable');
    assert.deepEqual(codes(result), ['closed:ar-access-refused']);
  });

  it('AR down: the cached entry is audited and the source says stale-cache; nothing cached: unavailable', async () => {
    let now = Date.now();
    const reg = register({ ttlS: 1, now: () => now });
    await audit({ reg });
    standIn.setDown(true);
    now += 1_100; // past the TTL
    const stale = await audit({ reg });
    assert.equal(stale.source, 'stale-cache');
    assert.deepEqual(stale.faults, []);
    assert.ok(stale.fetchedAt && Date.now() - Date.parse(stale.fetchedAt) < 10_000);
    const none = await audit();
    assert.deepEqual([none.source, none.faults], ['unavailable', []]);
  });

  it('feeds the register watcher: faults become gate reasons with their severity', async () => {
    standIn.update(CLINIC.herId, { people: [] });
    const reported: { code: string; severity: string }[][] = [];
    const gate = { report: async (_source: string, reasons: { code: string; severity: string }[]) => void reported.push(reasons) };
    await checkRegister({ audit: () => audit(), gate: gate as never });
    assert.deepEqual(
      reported[0]!.map((r) => `${r.severity}:${r.code}`),
      ['closed:ar-contact-person-missing'],
    );
  });
});
