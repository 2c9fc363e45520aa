/**
 * Message protection throughput on one core: sign-then-encrypt (protect) and decrypt-then-verify
 * (unprotect) of a 10 KB message with RSA-2048, the gateway's way (RSA in OpenSSL through Node's
 * crypto) next to node-forge alone (pure-JS RSA), measured in the same run:
 *   npm run bench:crypto
 * Ends with one JSON line:
 *   {"protect_per_s": N, "unprotect_per_s": N, "forge_protect_per_s": N, "forge_unprotect_per_s": N}
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { decryptContent, encryptContent } from '../src/trust/cms-enveloped-data.js';
import { signContent, verifySignedContent } from '../src/trust/cms-signed-data.js';
import { children, octets, readOne } from '../src/trust/der.js';
import { rate } from './measure.js';

const SAMPLE = new URL('../certs-sample/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(name, SAMPLE), 'utf8');

const clinicSigning = { cert: pem('clinic-signing.cert.pem'), key: pem('clinic-signing.key.pem') };
const helsenorgeEncryption = { cert: pem('helsenorge-encryption.cert.pem'), key: pem('helsenorge-encryption.key.pem') };

const content = Buffer.alloc(10 * 1024);
for (let i = 0; i < content.length; i++) content[i] = 0x41 + (i % 26);

// --- the gateway's way ----------------------------------------------------------------------------
const signer = new X509Certificate(clinicSigning.cert);
const signerKey = createPrivateKey(clinicSigning.key);
const recipient = new X509Certificate(helsenorgeEncryption.cert);
const recipientKey = createPrivateKey(helsenorgeEncryption.key);
const decryption = { keys: [{ certificate: recipient, key: recipientKey }], rejectWeakCiphers: true };

const protect = () => encryptContent(signContent(content, signer, signerKey), recipient);
const unprotect = (der: Buffer) => verifySignedContent(decryptContent(der, decryption).content, signer).content;

// --- node-forge alone -----------------------------------------------------------------------------
const forgeSigner = forge.pki.certificateFromPem(clinicSigning.cert);
const forgeSignerKey = forge.pki.privateKeyFromPem(clinicSigning.key);
const forgeRecipient = forge.pki.certificateFromPem(helsenorgeEncryption.cert);
const forgeRecipientKey = forge.pki.privateKeyFromPem(helsenorgeEncryption.key);
const contentBinary = content.toString('binary');

function forgeProtect(): Buffer {
  const signed = forge.pkcs7.createSignedData();
  signed.content = forge.util.createBuffer(contentBinary);
  signed.addCertificate(forgeSigner);
  signed.addSigner({
    key: forgeSignerKey,
    certificate: forgeSigner,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
      { type: forge.pki.oids.signingTime! },
    ],
  });
  signed.sign();
  const enveloped = forge.pkcs7.createEnvelopedData();
  enveloped.addRecipient(forgeRecipient);
  enveloped.content = forge.asn1.toDer(signed.toAsn1());
  enveloped.encrypt(undefined, forge.pki.oids['aes256-CBC']);
  return Buffer.from(forge.asn1.toDer(enveloped.toAsn1()).getBytes(), 'binary');
}

/** forge decrypts (RSA and AES in JS) and verifies the RSA signature over the signed attributes. */
function forgeUnprotect(der: Buffer): Buffer {
  const enveloped = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pkcs7.PkcsEnvelopedData & {
    findRecipient(cert: forge.pki.Certificate): unknown;
    decrypt(recipient: unknown, key: forge.pki.PrivateKey): void;
    content: forge.util.ByteStringBuffer;
  };
  enveloped.decrypt(enveloped.findRecipient(forgeRecipient), forgeRecipientKey);
  const signedDer = Buffer.from(enveloped.content.getBytes(), 'binary');
  // forge has no SignedData verification: take the parts, let forge do the hashing and the RSA
  const sd = children(children(children(readOne(signedDer))[1]!)[0]!);
  const signedContent = octets(children(children(sd[2]!)[1]!)[0]!);
  const si = children(children(sd[sd.length - 1]!)[0]!);
  const attrs = Buffer.from(si[3]!.raw);
  attrs[0] = 0x31;
  const md = forge.md.sha256.create();
  md.update(Buffer.from(attrs).toString('binary'));
  const signature = Buffer.from(si[5]!.value).toString('binary');
  if (!(forgeSigner.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), signature)) throw new Error('forge: signature does not verify');
  const digest = forge.md.sha256.create().update(Buffer.from(signedContent).toString('binary')).digest().getBytes();
  if (!Buffer.from(attrs).toString('binary').includes(digest)) throw new Error('forge: content digest mismatch');
  return Buffer.from(signedContent);
}

// Each side opens what the other made, so the figures compare the same work.
const ours = protect();
const theirs = forgeProtect();
if (!unprotect(theirs).equals(content) || !forgeUnprotect(ours).equals(content)) throw new Error('the two implementations disagree');

const ms = Number(process.env.BENCH_MS ?? 3000);
const protectPerS = rate(protect, ms);
const unprotectPerS = rate(() => unprotect(ours), ms);
const forgeProtectPerS = rate(forgeProtect, ms, 3);
const forgeUnprotectPerS = rate(() => forgeUnprotect(theirs), ms, 3);

const line = (what: string, n: number) => console.log(`${what.padEnd(34)} ${n.toFixed(0).padStart(6)}/s  (${(1000 / n).toFixed(2)} ms each)`);
console.log(`10 KB message, RSA-2048, SHA-256, AES-256-CBC, one core (${process.version}, OpenSSL ${process.versions.openssl})`);
line('protect (Node crypto / OpenSSL)', protectPerS);
line('unprotect (Node crypto / OpenSSL)', unprotectPerS);
line('protect (node-forge only)', forgeProtectPerS);
line('unprotect (node-forge only)', forgeUnprotectPerS);
console.log(`speed-up: protect ${(protectPerS / forgeProtectPerS).toFixed(1)}x, unprotect ${(unprotectPerS / forgeUnprotectPerS).toFixed(1)}x`);
console.log(
  JSON.stringify({
    protect_per_s: Math.round(protectPerS),
    unprotect_per_s: Math.round(unprotectPerS),
    forge_protect_per_s: Math.round(forgeProtectPerS),
    forge_unprotect_per_s: Math.round(forgeUnprotectPerS),
  }),
);
