/**
 * The clinic's own key and certificate from a PKCS#12 file (.p12/.pfx), as Buypass and Commfides
 * deliver them. node-forge reads the container; the key goes on as a Node KeyObject so the RSA work
 * stays in OpenSSL.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { GatewayError } from '../errors.js';
import { parseCertificate, type EnterpriseCertificate, type ParseOptions } from './enterprise-certificate.js';

export interface Pkcs12Identity {
  certificate: EnterpriseCertificate;
  privateKey: KeyObject;
  /** the other certificates in the file (usually the issuing CA) */
  chain: EnterpriseCertificate[];
}

export function readPkcs12(bytes: Buffer, password: string, options: ParseOptions = {}): Pkcs12Identity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary'))), password);
  } catch (err) {
    throw new GatewayError('KEY_UNREADABLE', `PKCS#12: ${err instanceof Error ? err.message : String(err)}.`, undefined, { cause: err });
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const keyBag = keyBags.find((b) => b.key);
  if (!keyBag?.key) throw new GatewayError('KEY_UNREADABLE', 'The PKCS#12 file holds no private key.');
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));

  const certs = certBags
    .filter((b) => b.cert)
    .map((b) => parseCertificate(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert!)).getBytes(), 'binary'), options));
  // The certificate is the one whose public key is the private key's, wherever it sits in the file.
  const ownSpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const own = certs.find((c) => c.publicKey.export({ type: 'spki', format: 'der' }).equals(ownSpki));
  if (!own) throw new GatewayError('KEY_CERT_MISMATCH', 'The PKCS#12 file holds no certificate for its private key.');
  return { certificate: own, privateKey, chain: certs.filter((c) => c !== own) };
}
