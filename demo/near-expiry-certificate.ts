import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { CLINIC3, keyPairFromPem, makeLeaf, readSampleCa, serialFor, type LeafSpec } from '../certs-sample/make-sample-certs.js';

/**
 * The demo's certificate that expires soon, so the fleet view shows one clinic in warning. Made
 * when the demo starts rather than committed: a committed certificate valid for ten days would be
 * expired a month later. It certifies the key of a committed sample pair again (the key file is
 * referenced, not copied), so the address register stand-in's entry, which publishes the long-lived
 * certificate of the same key, still matches what the gateway holds.
 */

const SAMPLE_DIR = fileURLToPath(new URL('../certs-sample', import.meta.url));
const DAY_MS = 86_400_000;

export interface NearExpiryOptions {
  /** the key to certify again (PKCS#8 PEM); default: the demo's third clinic's signing key */
  keyFile?: string;
  /** whose certificate it is; default: the demo's third clinic */
  party?: { name: string; org: string };
  /** where the sample CA's ca.cert.pem and ca.key.pem are; default: certs-sample/ */
  caDir?: string;
  /** the file name's stem in `dir`; default `clinic3-signing-near-expiry` */
  name?: string;
  now?: Date;
}

export interface NearExpiryCertificate {
  /** the certificate file in `dir` */
  cert: string;
  /** the key file it certifies (not copied) */
  key: string;
  notAfter: Date;
}

/**
 * A signing certificate in `dir` that expires `days` days from now. One still there from an earlier
 * start is kept when it certifies the same key and expires within the last day of that span, so a
 * restart does not churn it; otherwise a new one is issued.
 */
export function ensureNearExpiryCertificate(dir: string, days: number, options: NearExpiryOptions = {}): NearExpiryCertificate {
  if (!(days > 0)) throw new RangeError('days: a positive number of days');
  const now = options.now ?? new Date();
  const key = path.resolve(options.keyFile ?? path.join(SAMPLE_DIR, 'clinic3-signing.key.pem'));
  const cert = path.resolve(dir, `${options.name ?? 'clinic3-signing-near-expiry'}.cert.pem`);
  const keyPem = readFileSync(key, 'utf8');

  const kept = reusable(cert, keyPem, now.getTime() + days * DAY_MS);
  if (kept) return { cert, key, notAfter: kept };

  const notAfter = new Date(now.getTime() + days * DAY_MS);
  const spec: LeafSpec = {
    name: 'near-expiry',
    issuer: 'ca',
    party: options.party ?? CLINIC3,
    profile: 'SEID2',
    usage: 'signing',
    // a day back, so a clock a little behind does not find it not yet valid
    from: new Date(now.getTime() - DAY_MS),
    to: notAfter,
  };
  const issued = makeLeaf(spec, readSampleCa(options.caDir ?? SAMPLE_DIR), undefined, {
    keyPair: keyPairFromPem(keyPem),
    serial: serialFor(`near-expiry ${notAfter.toISOString()}`),
  });
  mkdirSync(path.dirname(cert), { recursive: true });
  writeFileSync(cert, forge.pki.certificateToPem(issued.cert));
  return { cert, key, notAfter };
}

/** The kept certificate's expiry when it certifies `keyPem` and expires within the day before `until`. */
function reusable(file: string, keyPem: string, until: number): Date | undefined {
  let existing: X509Certificate;
  try {
    existing = new X509Certificate(readFileSync(file));
  } catch {
    return undefined;
  }
  const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
  if (!spki(existing.publicKey).equals(spki(createPublicKey(keyPem)))) return undefined;
  const notAfter = new Date(existing.validTo);
  return notAfter.getTime() <= until && notAfter.getTime() > until - DAY_MS ? notAfter : undefined;
}
