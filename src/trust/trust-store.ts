/**
 * The CAs the gateway trusts (TRUST_CA_FILES): Buypass and Commfides in production, the sample CA
 * in demo and tests. Every configured CA certificate is a trust anchor, roots and issuing CAs alike,
 * because the enterprise CAs' issuing certificates are what clinics are told to install.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.js';
import { certificatesInPem } from './enterprise-certificate.js';

export interface ChainCheck {
  trusted: boolean;
  /** the CA that issued and signed the certificate, when it is in the store */
  issuer: X509Certificate | null;
  /** why not, for logs and the CLI */
  reason?: string;
}

export class TrustStore {
  constructor(readonly authorities: readonly X509Certificate[]) {}

  /** The configured CA whose name and key match the certificate's issuer and signature. */
  issuerOf(cert: X509Certificate): X509Certificate | null {
    return this.authorities.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)) ?? null;
  }

  checkChain(cert: X509Certificate, now: Date): ChainCheck {
    const named = this.authorities.filter((ca) => cert.checkIssued(ca));
    if (named.length === 0)
      return { trusted: false, issuer: null, reason: `issuer "${cert.issuer.split('\n').reverse().join(', ')}" is not in the trust store` };
    const issuer = named.find((ca) => cert.verify(ca.publicKey));
    if (!issuer) return { trusted: false, issuer: null, reason: "the signature does not verify with the named CA's key" };
    if (!issuer.ca) return { trusted: false, issuer, reason: 'the issuer in the trust store is not a CA certificate' };
    if (now < new Date(issuer.validFrom) || now > new Date(issuer.validTo))
      return { trusted: false, issuer, reason: 'the issuing CA certificate is outside its validity' };
    return { trusted: true, issuer };
  }
}

/** CA certificates from PEM text; a file may hold several (a bundle). */
export function trustStoreOf(pems: Array<string | Buffer>): TrustStore {
  const authorities = pems.flatMap((pem) => {
    const text = typeof pem === 'string' ? pem : pem.toString('latin1');
    const ders = certificatesInPem(text);
    return ders.length > 0 ? ders.map((der) => new X509Certificate(der)) : [new X509Certificate(typeof pem === 'string' ? Buffer.from(pem) : pem)];
  });
  return new TrustStore(authorities);
}

export function loadTrustStore(files: readonly string[]): TrustStore {
  const authorities: X509Certificate[] = [];
  for (const file of files) {
    let store: TrustStore;
    try {
      store = trustStoreOf([readFileSync(file)]);
    } catch (err) {
      throw new GatewayError('TRUST_STORE_INVALID', `${file}: ${(err as NodeJS.ErrnoException).code ?? 'not a certificate'}.`, { file }, { cause: err });
    }
    for (const ca of store.authorities) {
      if (!ca.ca)
        throw new GatewayError('TRUST_STORE_INVALID', `${file} holds a certificate that is not a CA (${ca.subject.split('\n').reverse().join(', ')}).`, {
          file,
        });
      authorities.push(ca);
    }
  }
  if (authorities.length === 0) throw new GatewayError('TRUST_STORE_INVALID', 'No CA certificate is configured.');
  return new TrustStore(authorities);
}
