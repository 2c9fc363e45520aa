import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TransportError } from '../../adapters/transport/errors.js';
import { DpopKey } from '../../adapters/transport/dpop.js';
import { HelseIdClient, loadClinicCredentials, type ClinicCredentials, type HelseIdOptions } from '../../adapters/transport/helseid.js';
import { MshClient, type MshClientOptions } from '../../adapters/transport/msh-client.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../demo/simulator/server.js';

/** The clinic's sample signing pair (certs-sample), the HelseID client registered with it, and a client over real HTTP. */

export const CLIENT_ID = 'epj-gateway-test';
export const CLINIC_HER = 8142987;
export const HELSENORGE_HER = 8093244;

const certs = (name: string) => fileURLToPath(new URL(`../../certs-sample/${name}`, import.meta.url));

export function sampleCredentials(name = 'clinic-signing'): ClinicCredentials {
  return loadClinicCredentials(certs(`${name}.cert.pem`), certs(`${name}.key.pem`));
}

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ clients: [{ clientId: CLIENT_ID, certificate: sampleCredentials().signingCert }], ...options });
}

export function helseIdFor(sim: Simulator, overrides: Partial<HelseIdOptions> = {}): HelseIdClient {
  return new HelseIdClient({
    ...sampleCredentials(),
    tokenUrl: sim.tokenUrl,
    clientId: CLIENT_ID,
    scope: 'nhn:msh/api',
    dpop: DpopKey.generate(),
    timeoutMs: 2_000,
    ...overrides,
  });
}

export function mshClientFor(sim: Simulator, overrides: Partial<MshClientOptions> = {}, auth = helseIdFor(sim)): MshClient {
  return new MshClient({ baseUrl: sim.url, timeoutMs: 1_000, auth, retryBaseMs: 10, ...overrides });
}

/** The TransportError a call ends in; fails the test when it succeeds or throws anything else. */
export async function rejection(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TransportError, `a TransportError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
