import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPREC_STATUS } from '../../../src/domain/codes.js';
import { buildAppRecFor } from '../../../src/kith/apprec-build.js';
import { judgeReceivedMessage, type JudgeOptions } from '../../../src/kith/judge.js';
import { loadSchemaSet } from '../../../src/kith/schema-set.js';
import { inboundJudge } from '../../../src/pipeline/inbound-judge.js';
import { hasShared, STANDARDS_DIR, XSD_DIR } from '../../../test/helpers/shared.js';
import { CLINIC_HER, GP_HER } from '../../../test/helpers/sample-messages.js';
import { applyMutations, describeMutations, mutatedCorpus, type CorpusEntry, type CorpusInput } from '../mutate.js';
import { crash, guarded, OK, type Surface } from '../surface.js';

/**
 * Inbound KITH documents through the judge: every fixture (and the reference samples when ../shared
 * is there) mutated in bytes, encodings, namespaces, nesting and attributes, judged with the official
 * schemas as the inbound worker judges them, then answered with an AppRec as `validate --apprec` does.
 * A judgement is the valid result; a finding with the catch-all INTERNAL code is a crash the judge hid.
 */

const FIXTURES = fileURLToPath(new URL('../../../fixtures', import.meta.url));

export function kithCorpus(): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xml')) out.push({ name: path.relative(FIXTURES, p), bytes: readFileSync(p) });
    }
  };
  walk(FIXTURES);
  if (hasShared) {
    const examples = path.join(STANDARDS_DIR, 'examples');
    for (const f of readdirSync(examples).filter((f) => f.endsWith('.xml'))) out.push({ name: `shared/${f}`, bytes: readFileSync(path.join(examples, f)) });
  }
  return out;
}

export async function kithJudgeSurface(): Promise<Surface<CorpusInput>> {
  const opts: JudgeOptions = {
    allowSyntheticIds: true,
    ownHerIds: [CLINIC_HER, GP_HER],
    // a smaller limit than production's 20 MB so inputs around it are cheap to make
    maxBytes: 2 * 1024 * 1024,
    ...(hasShared ? { schemas: loadSchemaSet(XSD_DIR) } : {}),
  };
  const judge = inboundJudge(opts);
  const arbitrary = mutatedCorpus(kithCorpus(), 'xml');
  return {
    name: 'kith-judge',
    arbitrary,
    describe: (i) => `${i.entry.name} ${describeMutations(i.mutations)}`,
    run: (input) =>
      guarded(async () => {
        const bytes = applyMutations(input.entry.bytes, input.mutations);
        const judgement = judgeReceivedMessage(bytes, opts);
        const internal = judgement.findings.find((f) => f.error === 'INTERNAL');
        if (internal) return crash(`the judge hid an exception as INTERNAL: ${internal.message}`);
        if (!Object.hasOwn(APPREC_STATUS, judgement.appRec)) return crash(`no AppRec status: ${String(judgement.appRec)}`);
        if (judgement.appRec === 'Avvist' && judgement.errors.length === 0) return crash('rejected without an error code');
        await judge(bytes);
        if (judgement.answerable) buildAppRecFor(judgement, { fallbackSender: { herId: CLINIC_HER } });
        // a rejection is a valid result too; its first code is tallied with the coded errors
        return judgement.findings[0] ? { kind: 'coded', code: `${judgement.findings[0].error}(${judgement.findings[0].code})` } : OK;
      }),
  };
}
