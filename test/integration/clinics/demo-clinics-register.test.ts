import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startArStandIn, type ArStandIn } from '../../../demo/ar-stand-in/stand-in-server.js';
import { ensureNearExpiryCertificate } from '../../../demo/near-expiry-certificate.js';
import { loadClinics } from '../../../src/clinics/clinics-file.js';
import { loadConfig } from '../../../src/config.js';
import { uncached } from '../../../src/registry/cached-register.js';
import { auditOwnEntry } from '../../../src/registry/own-entry-audit.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { tempDir } from '../../helpers/tmp.js';

const DEMO_FILE = fileURLToPath(new URL('../../../demo/clinics.yaml', import.meta.url));

describe("clinics: the demo's clinics in the address register stand-in", () => {
  let standIn: ArStandIn;
  before(async () => {
    standIn = await startArStandIn();
  });
  after(() => standIn.close());

  const clinics = loadClinics(loadConfig({ CLINICS_FILE: DEMO_FILE }));
  const audit = (clinic: (typeof clinics)[number], signingCert = clinic.settings.CLINIC_SIGNING_CERT) =>
    auditOwnEntry({
      register: uncached(new SoapAddressRegister({ url: standIn.url, username: 'u', password: 'p', timeoutMs: 2_000 })),
      clinic: { herId: clinic.herId, orgNumber: clinic.orgNumber },
      held: { signing: readFileSync(signingCert), encryption: readFileSync(clinic.settings.CLINIC_ENCRYPTION_CERT) },
      warnDays: Math.max(...clinic.settings.CERT_WARN_DAYS),
    });

  for (const [i, clinic] of clinics.entries()) {
    it(`clinic ${i + 1} (${clinic.herId}) has a clean own entry: certificates, organisation number, services`, async () => {
      const result = await audit(clinic);
      assert.deepEqual(result.faults, []);
      assert.equal(result.source, 'live');
    });
  }

  it('the GP under the second clinic is in the register under it', async () => {
    const register = new SoapAddressRegister({ url: standIn.url, username: 'u', password: 'p', timeoutMs: 2_000 });
    const gp = await register.getCommunicationPartyDetails(clinics[1]!.subHerIds[0]!);
    assert.equal(gp.parentHerId, clinics[1]!.herId);
  });

  it("the third clinic's near-expiry certificate still matches its register entry (the same key)", async () => {
    const made = ensureNearExpiryCertificate(tempDir('near-expiry-ar'), 10);
    const result = await audit(clinics[2]!, made.cert);
    assert.deepEqual(result.faults, []);
  });
});
