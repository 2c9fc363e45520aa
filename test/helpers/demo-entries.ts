import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { DEMO_CLINICS_FILE } from '../../demo/compose-demo.js';

export type DemoEntry = Record<string, unknown> & { herId: string };

/** The demo's clinics file with every path made absolute, so a copy works from anywhere. */
export function demoEntries(): DemoEntry[] {
  const doc = yaml.load(readFileSync(DEMO_CLINICS_FILE, 'utf8')) as { clinics: DemoEntry[] };
  const dir = path.dirname(DEMO_CLINICS_FILE);
  const abs = (v: unknown): unknown =>
    typeof v === 'string' && v.startsWith('../')
      ? path.resolve(dir, v)
      : Array.isArray(v)
        ? v.map(abs)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, abs(x)]))
          : v;
  return doc.clinics.map((c) => abs(c) as DemoEntry);
}
