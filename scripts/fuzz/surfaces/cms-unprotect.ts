import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CmsEnvelope } from '../../../src/trust/cms-envelope.js';
import { encryptContent } from '../../../src/trust/cms-enveloped-data.js';
import { cmsProtection } from '../../../src/trust/cms-protection.js';
import { signContent } from '../../../src/trust/cms-signed-data.js';
import { applyDerMutations, derMutation, describeDerMutations, type DerMutation } from '../der-mutate.js';
import { applyMutations, describeMutations, mutations, type Mutation } from '../mutate.js';
import { crash, guarded, OK, type Surface } from '../surface.js';
import { kithCorpus } from './kith-judge.js';

/**
 * CMS/DER into the unprotect path (cms-protection.ts → CmsEnvelope.open): Helsenorge's sign-then-
 * encrypt of real fixtures, broken either as sent (the EnvelopedData: truncation, bit flips, elements
 * made indefinite, nested, re-tagged) or inside (the SignedData mutated, then encrypted properly to the
 * clinic, so the signature reader gets the broken bytes). The answer must be the document or a refusal
 * with an AppRec code; a thrown GatewayError (the message waits) is coded too.
 */

const SAMPLE = fileURLToPath(new URL('../../../certs-sample/', import.meta.url));
const cert = (name: string) => new X509Certificate(readFileSync(`${SAMPLE}${name}.cert.pem`));
const key = (name: string) => createPrivateKey(readFileSync(`${SAMPLE}${name}.key.pem`));

interface CmsInput {
  layer: 'envelope' | 'signed';
  content: number;
  bytes: Mutation[];
  der: DerMutation[];
}

export async function cmsUnprotectSurface(): Promise<Surface<CmsInput>> {
  const helsenorgeSigning = cert('helsenorge-signing');
  const helsenorgeKey = key('helsenorge-signing');
  const clinicEncryption = cert('clinic-encryption');
  const clinic = new CmsEnvelope({
    signing: { certificate: cert('clinic-signing'), key: key('clinic-signing') },
    decryption: [{ certificate: clinicEncryption, key: key('clinic-encryption') }],
    rejectWeakCiphers: true,
  });
  const protection = cmsProtection(() => clinic, {
    signingCertificateOf: async () => helsenorgeSigning,
    encryptionCertificateOf: async () => clinicEncryption,
  });
  const contents = [
    Buffer.alloc(0),
    Buffer.from('x'),
    ...kithCorpus()
      .slice(0, 6)
      .map((e) => e.bytes),
  ];
  const signed = contents.map((c) => signContent(c, helsenorgeSigning, helsenorgeKey, { signingTime: new Date('2026-11-25T08:00:00Z') }));
  const sealed = signed.map((s) => encryptContent(s, clinicEncryption));

  const arbitrary = fc.record({
    layer: fc.constantFrom('envelope' as const, 'signed' as const),
    content: fc.nat(contents.length - 1),
    bytes: fc.oneof(fc.constant([] as Mutation[]), mutations('bytes', 3)),
    der: fc.array(derMutation, { minLength: 0, maxLength: 3 }),
  });
  return {
    name: 'cms-unprotect',
    arbitrary,
    describe: (i) => `${i.layer} content#${i.content} der[${describeDerMutations(i.der)}] bytes[${describeMutations(i.bytes)}]`,
    run: (input) =>
      guarded(async () => {
        const broken = (b: Buffer) => applyMutations(applyDerMutations(b, input.der), input.bytes);
        const wire = input.layer === 'envelope' ? broken(sealed[input.content]!) : encryptContent(broken(signed[input.content]!), clinicEncryption);
        // The readers answer any fault inside them as CMS_MALFORMED or CMS_UNSIGNED, keeping it as the
        // cause: a TypeError or RangeError there is a crash they hid, not a malformed message.
        try {
          await clinic.open(wire, helsenorgeSigning);
        } catch (err) {
          const cause = (err as { cause?: unknown }).cause;
          if (cause instanceof TypeError || cause instanceof RangeError || cause instanceof ReferenceError) {
            const where = (cause.stack ?? '').split('\n').slice(1, 3).join(' |');
            return crash(`${(err as Error & { code?: string }).code ?? ''} hid ${cause.name}: ${cause.message} ${where}`);
          }
        }
        const answer = await protection.unprotect(wire, 8093244);
        if ('refused' in answer) {
          if (!/^[A-Z]\d\d$/.test(answer.refused.errorCode) || !answer.refused.code) return crash(`a refusal without codes: ${JSON.stringify(answer.refused)}`);
          return { kind: 'coded', code: answer.refused.code };
        }
        if (!Buffer.isBuffer(answer.document)) return crash('the opened document is not bytes');
        return OK;
      }),
  };
}
