import fc from 'fast-check';
import { agreementXml, profileXml } from '../../../demo/ar-stand-in/cppa-answers.js';
import { loadRegisterFile, PROJECT_DIR } from '../../../demo/ar-stand-in/register-entries.js';
import { CppaClient } from '../../../src/registry/collaboration.js';
import { readCollaboration, routeTo } from '../../../src/registry/cppa.js';
import { applyMutations, describeMutations, mutations, type Mutation } from '../mutate.js';
import { contentType, startScriptedServer, status } from '../scripted-server.js';
import { guarded, OK, type Surface } from '../surface.js';

/**
 * NHN's CPPA register (agreements and profiles, src/registry/collaboration.ts and cppa.ts): the
 * stand-in's agreements between the clinics and Helsenorge and their profiles, mutated as XML, served
 * by a real HTTP server, read by the client and the reader the collaboration lookup uses, then routed.
 */

interface CppaInput {
  answer: number;
  status: number;
  contentType: string;
  mutations: Mutation[];
}

export async function cppaSurface(): Promise<Surface<CppaInput>> {
  const entries = [...loadRegisterFile().values()];
  const helsenorge = entries.filter((e) => e.herId === '8093244');
  const cppa = { helsenorgeHerIds: new Set(helsenorge.map((e) => e.herId)), withdrawn: new Set<string>() };
  const answers: string[] = [];
  for (const e of entries.filter((e) => e.type === 'Organization')) {
    answers.push(profileXml(e, cppa.helsenorgeHerIds.has(e.herId), PROJECT_DIR));
    for (const h of helsenorge) if (h.herId !== e.herId) answers.push(agreementXml(e, h, cppa, PROJECT_DIR));
  }
  const server = await startScriptedServer();
  const client = new CppaClient({ baseUrl: `${server.url}/cppa/v2`, accessToken: async () => 'fuzz-token', timeoutMs: 3_000 });
  const arbitrary = fc.record({
    answer: fc.nat(answers.length - 1),
    status: status([200, 404]),
    contentType,
    mutations: fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 1 }, { arbitrary: mutations('xml', 4), weight: 9 }),
  });
  return {
    name: 'cppa',
    arbitrary,
    describe: (i) => `answer#${i.answer} HTTP ${i.status} ${i.contentType} ${describeMutations(i.mutations)}`,
    run: (input) =>
      guarded(async () => {
        server.answer = {
          status: input.status,
          headers: { 'content-type': input.contentType },
          body: applyMutations(Buffer.from(answers[input.answer]!, 'utf8'), input.mutations),
        };
        const xml = await client.agreementBetween('8142987', '8093244');
        if (xml === undefined) return OK;
        const party = readCollaboration(xml, '8142987');
        routeTo(party, 'DIALOG_INNBYGGER_EKONTAKT', 'Svar');
        return OK;
      }),
    close: () => server.close(),
  };
}
