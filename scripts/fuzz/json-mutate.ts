import fc from 'fast-check';
import { anyJson, applyMutations, describeMutations, mutations, type Mutation } from './mutate.js';

/**
 * Mutations of a JSON answer that keep it JSON (a field's value replaced by any other value, a field
 * dropped, the whole wrapped or replaced), then optionally a few byte mutations that usually do not.
 */

export type JsonMutation = { op: 'replace'; at: number; value: unknown } | { op: 'drop'; at: number } | { op: 'whole'; value: unknown } | { op: 'wrap' };

export interface JsonInput {
  sample: number;
  json: JsonMutation[];
  bytes: Mutation[];
}

type Path = (string | number)[];

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) pathsOf((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown, drop: boolean): void {
  let v = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) v = v[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (!drop) Object.defineProperty(v, last, { value, enumerable: true, writable: true, configurable: true });
  else if (Array.isArray(v)) v.splice(Number(last), 1);
  else delete v[last];
}

export function applyJsonMutations(sample: unknown, ms: readonly JsonMutation[]): unknown {
  let doc: unknown = structuredClone(sample);
  for (const m of ms) {
    // values are cloned in: fast-check hands out the same constant objects to many inputs
    if (m.op === 'whole') doc = structuredClone(m.value);
    else if (m.op === 'wrap') doc = [doc];
    else {
      const paths = pathsOf(doc);
      const p = paths[m.at % Math.max(1, paths.length)];
      if (p) setAt(doc, p, m.op === 'replace' ? structuredClone(m.value) : undefined, m.op === 'drop');
    }
  }
  return doc;
}

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.noBias(fc.nat(500)), value: anyJson }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.noBias(fc.nat(500)) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('whole' as const), value: anyJson }), weight: 1 },
  { arbitrary: fc.constant({ op: 'wrap' as const }), weight: 1 },
);

export function jsonInput(samples: number): fc.Arbitrary<JsonInput> {
  return fc.record({
    sample: fc.nat(samples - 1),
    json: fc.array(jsonMutation, { minLength: 0, maxLength: 3 }),
    bytes: fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 4 }, { arbitrary: mutations('bytes', 2), weight: 1 }),
  });
}

/** The answer's body: the sample, mutated, as JSON text, then the byte mutations. */
export function jsonBody(samples: readonly unknown[], input: JsonInput): Buffer {
  const doc = applyJsonMutations(samples[input.sample], input.json);
  return applyMutations(Buffer.from(JSON.stringify(doc) ?? '', 'utf8'), input.bytes);
}

export function describeJsonInput(input: JsonInput): string {
  const json = input.json.map((m) =>
    m.op === 'replace' || m.op === 'whole'
      ? `${m.op}(${'at' in m ? `${m.at},` : ''}${String(JSON.stringify(m.value)).slice(0, 60)})`
      : `${m.op}(${'at' in m ? m.at : ''})`,
  );
  return `sample#${input.sample} json[${json.join(' ')}] bytes[${describeMutations(input.bytes)}]`;
}
