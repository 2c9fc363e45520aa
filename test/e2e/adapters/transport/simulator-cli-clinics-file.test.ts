import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DpopKey } from '../../../../adapters/transport/dpop.js';
import { HelseIdClient, loadClinicCredentials } from '../../../../adapters/transport/helseid.js';
import { demoClinics } from '../../../../demo/compose-demo.js';
import { loadConfig } from '../../../../src/config.js';
import { startCli } from '../../../helpers/cli.js';
import { eventually } from '../../../helpers/eventually.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * Found by `npm run chaos`: `epj-gateway simulator` with the demo's clinics file registered the third
 * clinic's HelseID client with the certificate in the file, while the demo's `serve` signs with the
 * near-expiry certificate it makes under DATA_DIR, so HelseID refused that clinic ("the certificate
 * in x5c is not the one registered") and nothing of it moved. Both now take the clinics alike.
 */
describe('epj-gateway simulator with CLINICS_FILE: the clinics as the demo gateway has them', function () {
  this.timeout(60_000);

  it("gives every clinic of the demo's file a token with the certificate the gateway signs with", async () => {
    const dataDir = tempDir('sim-clinics');
    const env = { CLINICS_FILE: fileURLToPath(new URL('../../../../demo/clinics.yaml', import.meta.url)), DATA_DIR: dataDir };
    const sim = startCli(['simulator', '--port', '0'], { LOG_LEVEL: 'silent', MSH_BASE_URL: '', ...env });
    try {
      const url = (
        await eventually(
          () => /listening on (http:\/\/\S+)/.exec(sim.output()),
          30_000,
          () => `the simulator to print its URL:\n${sim.output()}`,
        )
      )[1]!;
      const clinics = demoClinics(loadConfig(env), {});
      assert.equal(clinics.length, 3);
      for (const clinic of clinics) {
        const signing = clinic.credentials.signing;
        assert.equal(signing.kind, 'pem');
        if (signing.kind !== 'pem') continue;
        const helseId = new HelseIdClient({
          ...loadClinicCredentials(signing.cert, signing.key),
          tokenUrl: `${url}/connect/token`,
          clientId: clinic.settings.HELSEID_CLIENT_ID,
          scope: 'nhn:msh/api',
          dpop: DpopKey.generate(),
          timeoutMs: 5_000,
        });
        assert.ok(await helseId.accessToken(), `a token for clinic ${clinic.herId}`);
      }
    } finally {
      sim.child.kill('SIGTERM');
      await sim.exited;
    }
  });
});
