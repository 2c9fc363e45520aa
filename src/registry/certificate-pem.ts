import { X509Certificate } from 'node:crypto';

/** The register sends certificates as DER; the gateway keeps them as PEM, so a cached entry is plain JSON. */

export function pemFromDer(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

export function derFromPem(pem: string): Buffer {
  return Buffer.from(new X509Certificate(pem).raw);
}
