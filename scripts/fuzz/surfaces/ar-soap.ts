import fc from 'fast-check';
import { certificateAnswer, genericFault, partyAnswer, plainFault } from '../../../demo/ar-stand-in/soap-answers.js';
import { certificateOf, loadRegisterFile } from '../../../demo/ar-stand-in/register-entries.js';
import { AR_OPERATIONS, type ArOperation } from '../../../src/registry/soap-messages.js';
import { SoapAddressRegister } from '../../../src/registry/soap-client.js';
import { applyMutations, describeMutations, mutations, type Mutation } from '../mutate.js';
import { contentType, startScriptedServer, status } from '../scripted-server.js';
import { guarded, OK, type Surface } from '../surface.js';

/**
 * The address register's SOAP answers (src/registry/soap-client.ts and soap-messages.ts): the
 * stand-in's answers for every register entry (parties, organisations, certificates, faults), mutated
 * as XML and served by a real HTTP server with odd statuses, to the client asking each operation.
 */

interface SoapInput {
  answer: number;
  /** ask another operation than the answer was written for, now and then */
  operation: ArOperation | null;
  status: number;
  contentType: string;
  mutations: Mutation[];
}

export async function arSoapSurface(): Promise<Surface<SoapInput>> {
  const answers: { operation: ArOperation; xml: string }[] = [];
  for (const entry of loadRegisterFile().values()) {
    answers.push({ operation: 'GetCommunicationPartyDetails', xml: partyAnswer('GetCommunicationPartyDetails', entry) });
    if (entry.type === 'Organization') answers.push({ operation: 'GetOrganizationDetails', xml: partyAnswer('GetOrganizationDetails', entry) });
    for (const [use, operation] of [
      ['signing', 'GetCertificateDetailsForValidatingSignature'],
      ['encryption', 'GetCertificateDetailsForEncryption'],
    ] as const)
      answers.push({ operation, xml: certificateAnswer(operation, certificateOf(entry, use)) });
  }
  answers.push({ operation: 'GetCommunicationPartyDetails', xml: genericFault('InvalidHerIdSupplied', 'HerId 1 not found') });
  answers.push({ operation: 'GetOrganizationDetails', xml: genericFault('X', 'server', 's:Server') });
  answers.push({ operation: 'GetCommunicationPartyDetails', xml: plainFault('s:Client', 'no such action') });

  const server = await startScriptedServer();
  const register = new SoapAddressRegister({ url: `${server.url}/v1/AR/Basic`, username: 'fuzz', password: 'fuzz', timeoutMs: 3_000 });
  const arbitrary = fc.record({
    answer: fc.nat(answers.length - 1),
    operation: fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: fc.constantFrom(...AR_OPERATIONS), weight: 1 }),
    status: status([200, 500]),
    contentType,
    mutations: fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 1 }, { arbitrary: mutations('xml', 4), weight: 9 }),
  });
  const ask = (op: ArOperation): Promise<unknown> => {
    switch (op) {
      case 'GetCommunicationPartyDetails':
        return register.getCommunicationPartyDetails('8142987');
      case 'GetOrganizationDetails':
        return register.getOrganizationDetails('8142987');
      case 'GetCertificateDetailsForEncryption':
        return register.getCertificateForEncryption('8142987');
      case 'GetCertificateDetailsForValidatingSignature':
        return register.getCertificateForValidatingSignature('8142987');
    }
  };
  return {
    name: 'ar-soap',
    arbitrary,
    describe: (i) =>
      `answer#${i.answer} (${answers[i.answer]!.operation}) asked ${i.operation ?? 'as written'} HTTP ${i.status} ${i.contentType} ${describeMutations(i.mutations)}`,
    run: (input) =>
      guarded(async () => {
        const a = answers[input.answer]!;
        server.answer = {
          status: input.status,
          headers: { 'content-type': input.contentType },
          body: applyMutations(Buffer.from(a.xml, 'utf8'), input.mutations),
        };
        await ask(input.operation ?? a.operation);
        return OK;
      }),
    close: () => server.close(),
  };
}
