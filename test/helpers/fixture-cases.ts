import { representationCases } from './representation-cases.js';
import { sampleCases, CLINIC, CLINIC_HER, GP_HER, HELSENORGE, HELSENORGE_HER, PATIENTS } from './sample-messages.js';
import { buildOfficeMessage, type OfficeAction } from '../../src/kith/office-message.js';
import { buildStatusCheck } from '../../src/kith/digital-status.js';

/**
 * Every fixture: the valid messages of each service, and each failure case made from the
 * service's first request by one small change. `npx tsx fixtures/make-fixtures.ts` writes them; a test checks the files on disk are what this produces.
 */

export interface Expected {
  readonly ok: boolean;
  readonly appRec: 'OK' | 'Avvist' | 'OK, feil i delmelding';
  readonly status: '1' | '2' | '3';
  readonly errors: readonly string[];
  readonly asReceiver: string;
  readonly action?: string;
  /** Judge with GATEWAY_MODE=production (synthetic ids refused). */
  readonly production?: boolean;
  /** Judge with this KITH_MAX_BYTES. */
  readonly maxBytes?: number;
}

export interface FixtureFile {
  /** Relative to fixtures/. */
  readonly path: string;
  readonly bytes: Buffer;
  readonly expected: Expected;
}

/** One element per line, indented: readable fixtures from the builders' compact output. */
export function indentXml(xml: string): string {
  const [decl, body] = xml.startsWith('<?xml') ? [xml.slice(0, xml.indexOf('?>') + 2), xml.slice(xml.indexOf('?>') + 2).trim()] : ['', xml.trim()];
  let depth = 0;
  const lines: string[] = [];
  for (const part of body.split(/(?<=>)(?=<)/)) {
    const closing = part.startsWith('</');
    const selfContained = part.endsWith('/>') || /^<([^\s>/]+)[^>]*>.*<\/\1>$/s.test(part);
    if (closing) depth--;
    lines.push('  '.repeat(Math.max(depth, 0)) + part);
    if (!closing && !selfContained && !part.startsWith('<?') && !part.startsWith('<!')) depth++;
  }
  return `${decl}\n${lines.join('\n')}\n`;
}

const OK = (asReceiver: string, action: string): Expected => ({ ok: true, appRec: 'OK', status: '1', errors: [], asReceiver, action });
const REJECTED = (errors: string[], extra: Partial<Expected> = {}): Expected => ({
  ok: false,
  appRec: 'Avvist',
  status: '2',
  errors,
  asReceiver: CLINIC_HER,
  ...extra,
});
const PART_FAULT = (errors: string[]): Expected => ({ ok: false, appRec: 'OK, feil i delmelding', status: '3', errors, asReceiver: CLINIC_HER });

function must(xml: string, from: string | RegExp, to: string | ((m: string, ...groups: string[]) => string)): string {
  const out = xml.replace(from, to as string);
  if (out === xml) throw new Error(`fixture change found nothing to change: ${String(from)}`);
  return out;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
`;
const XXE = `<?xml version="1.0"?>
<!DOCTYPE MsgHead [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
`;

function failures(request: string): [string, string | Buffer, Expected][] {
  const body = request.slice(request.indexOf('?>') + 2);
  const patient = /<Patient>[\s\S]*?<\/Patient>/;
  return [
    ['t01-not-well-formed', must(request, /<\/MsgHead>\s*$/, ''), REJECTED(['T01'])],
    [
      't01-encoding-not-utf8',
      Buffer.from(must(request, /<GivenName>[^<]*<\/GivenName>(?=[\s\S]*<\/Patient>)/, '<GivenName>Åse Øydis</GivenName>'), 'latin1'),
      REJECTED(['T01']),
    ],
    ['t99-doctype-billion-laughs', BILLION_LAUGHS + must(body, '<MsgId>', '<MsgId>&lol3;'), REJECTED(['T99'])],
    ['t99-doctype-xxe', XXE + must(body, '<MsgId>', '<MsgId>&xxe;'), REJECTED(['T99'])],
    ['t99-too-large', request, REJECTED(['T99'], { maxBytes: 1024 })],
    ['t02-mig-version', must(request, 'v1.2 2006-05-24', 'v1.3'), REJECTED(['T02'])],
    ['t02-unknown-element', must(request, '</MsgId>', '</MsgId><Priority>high</Priority>'), REJECTED(['T02'])],
    [
      't10-unsupported-type',
      must(request, /<Type V="[^"]+" DN="[^"]*"\/>/, '<Type V="DIALOG_INNBYGGER_KOORDINATOR" DN="Dialog mellom innbygger og koordinator"/>'),
      REJECTED(['T10']),
    ],
    ['e10-msgid-empty', must(request, /<MsgId>[^<]*<\/MsgId>/, '<MsgId></MsgId>'), REJECTED(['E10'])],
    ['e21-wrong-receiver', must(must(request, `<Id>${CLINIC_HER}</Id>`, '<Id>8142999</Id>'), `<Id>${GP_HER}</Id>`, '<Id>8142998</Id>'), REJECTED(['E21'])],
    ['e30-patient-id-missing', must(request, patient, (m) => m.replace(/\s*<Ident>[\s\S]*?<\/Ident>/, '')), REJECTED(['E30'])],
    [
      'e31-patient-id-invalid',
      must(request, patient, (m) => m.replace(/<Id>(\d{10})(\d)<\/Id>/, (_x, a: string, b: string) => `<Id>${a}${(Number(b) + 1) % 10}</Id>`)),
      REJECTED(['E31']),
    ],
    ['e31-synthetic-id-in-production', request, REJECTED(['E31'], { production: true })],
    ['e32-patient-name-missing', must(request, patient, (m) => m.replace(/\s*<FamilyName>[^<]*<\/FamilyName>/, '')), REJECTED(['E32'])],
    ['x99-empty-dialogmelding', must(request, /(<Dialogmelding [^>]*)>[\s\S]*?<\/Dialogmelding>/, '$1/>'), REJECTED(['X99'])],
  ] as [string, string | Buffer, Expected][];
}

export function fixtureFiles(): FixtureFile[] {
  const out: FixtureFile[] = [];
  const add = (path: string, content: string | Buffer, expected: Expected) =>
    out.push({ path, bytes: typeof content === 'string' ? Buffer.from(content, 'utf8') : content, expected });
  for (const [service, cases] of Object.entries(sampleCases())) {
    for (const c of cases) add(`${service}/${c.name}.xml`, indentXml(c.xml), OK(c.asReceiver, c.action));
    const first = indentXml(cases[0]!.xml);
    for (const [name, content, expected] of failures(first)) add(`${service}/${name}.xml`, content, expected);
  }
  const contact = indentXml(sampleCases()['office-contact']![0]!.xml);
  add('office-contact/ok-iso-8859-1.xml', Buffer.from(must(contact, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'latin1'), OK(CLINIC_HER, 'Foresporsel'));
  add('office-contact/x99-attachment-without-mimetype.xml', must(contact, /\s*<MimeType>text\/plain<\/MimeType>/, ''), PART_FAULT(['X99']));
  add('office-contact/t02-attachment-not-base64.xml', must(contact, /(<Base64Container[^>]*>)[^<]*/, '$1not base64!'), PART_FAULT(['T02']));
  const wish = indentXml(sampleCases()['appointment']![0]!.xml);
  add('appointment/x99-calendar-ends-before-start.xml', must(wish, '2026-03-09T09:20:00', '2026-03-09T08:20:00'), REJECTED(['X99']));
  add(
    'appointment/x99-calendar-missing.xml',
    must(wish, /\s*<Document>\s*<RefDoc>\s*<MsgType V="XML" DN="XML-instans"\/>\s*<MimeType>application\/calendar\+xml<\/MimeType>[\s\S]*?<\/Document>/, ''),
    REJECTED(['X99']),
  );
  // the office writes first (Dialog_Innbygger_Timer) and asks whether the citizen is a digital user (Dialog_Innbygger_Digitalbruker)
  const genDate = new Date('2026-03-02T13:40:00Z');
  const office = (name: string, action: OfficeAction, msgId: string, text: string, start?: string) =>
    add(
      `appointment/${name}.xml`,
      indentXml(
        buildOfficeMessage({
          action,
          msgId,
          genDate,
          clinic: CLINIC,
          helsenorge: HELSENORGE,
          patient: PATIENTS.ola,
          text,
          ...(start
            ? { appointment: { uid: 'time-4711@fjordvik.example', start, end: start.replace(':00:00', ':20:00'), location: 'Fjordvik legekontor, rom 2' } }
            : {}),
        }),
      ),
      OK(HELSENORGE_HER, action),
    );
  office('office-confirms-appointment', 'BekreftTime', '9c3e2a90-4d3b-4f6a-8e21-5a9b0c7d6e01', 'Timen din er bekreftet.', '2026-03-10T09:00:00');
  office('office-moves-appointment', 'EndreTime', '9c3e2a90-4d3b-4f6a-8e21-5a9b0c7d6e02', 'Timen din er flyttet til kl. 11.00.', '2026-03-10T11:00:00');
  office(
    'office-cancels-appointment',
    'AvslutteTime',
    '9c3e2a90-4d3b-4f6a-8e21-5a9b0c7d6e03',
    'Legen er syk, og timen din er avlyst. Ring oss for en ny time.',
    '2026-03-10T11:00:00',
  );
  office('office-writes', 'Henvendelse', '9c3e2a90-4d3b-4f6a-8e21-5a9b0c7d6e04', 'Husk å ta med blodtrykksmåleren til timen.');
  add(
    'appointment/digital-status-check.xml',
    indentXml(buildStatusCheck({ msgId: '9c3e2a90-4d3b-4f6a-8e21-5a9b0c7d6e05', genDate, clinic: CLINIC, helsenorge: HELSENORGE, patient: PATIENTS.ola })),
    OK(HELSENORGE_HER, 'SjekkStatus'),
  );
  for (const r of representationCases()) {
    add(`${r.service}/${r.name}.xml`, indentXml(r.xml), r.errors.length ? REJECTED([...r.errors]) : OK(CLINIC_HER, r.action));
  }
  return out;
}
