import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { clinicFromSettings } from '../../../src/clinics/clinic.js';
import { loadClinics, parseClinics, readClinicsFile } from '../../../src/clinics/clinics-file.js';
import { redactClinic } from '../../../src/clinics/redact-clinic.js';
import { ConfigError, loadConfig, type Config } from '../../../src/config.js';
import { isGatewayError } from '../../../src/errors.js';
import { readCredential } from '../../../src/trust/credential-source.js';
import { tempDir } from '../../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLE = path.join(ROOT, 'certs-sample');
const DEMO_FILE = path.join(ROOT, 'demo', 'clinics.yaml');
const demoConfig = loadConfig({});

/** A valid clinic of the file; tests change one field at a time. */
function clinicEntry(herId: string, token: string): Record<string, unknown> {
  return {
    herId,
    orgNumber: '913876547',
    name: `Testklinikk ${herId} AS`,
    certificates: {
      signing: { cert: 'certs/signing.cert.pem', key: 'certs/signing.key.pem' },
      encryption: { cert: 'certs/encryption.cert.pem', key: 'certs/encryption.key.pem' },
    },
    epj: { delivery: 'folder', tokens: [{ client: 'epj', token }] },
  };
}

const twoClinics = () => ({ clinics: [clinicEntry('8143100', 'token-aaaaaaaa'), clinicEntry('8143200', 'token-bbbbbbbb')] });

function faultOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.setting, 'CLINICS_FILE');
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

const parse = (raw: unknown, config: Config = demoConfig, dir = '/srv/epj') => parseClinics(raw, config, dir);
const faultOfFile = (raw: unknown, config: Config = demoConfig) => faultOf(() => parse(raw, config));

/** The file as a tree the tests change freely, any field to any value: that is what a file may hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FileTree = { clinics: Record<string, any>[] };

/** The file with one change made to a deep copy. */
function changed(edit: (file: FileTree) => void): unknown {
  const file: FileTree = structuredClone(twoClinics());
  edit(file);
  return file;
}

describe('clinics: the clinics file', () => {
  describe('a valid file', () => {
    it("reads the demo's three clinics; the first is today's demo clinic", () => {
      const clinics = loadClinics({ ...demoConfig, CLINICS_FILE: DEMO_FILE });
      assert.deepEqual(
        clinics.map((c) => [c.herId, c.orgNumber, c.settings.EPJ_TOKENS.map((t) => t.token)]),
        [
          ['8142987', '921543212', ['demo-token']],
          ['8143100', '913876547', ['demo-token-2']],
          ['8143200', '924681357', ['demo-token-3']],
        ],
      );
      const [first] = clinics;
      const today = clinicFromSettings(demoConfig);
      assert.equal(first!.name, today.name);
      assert.deepEqual(first!.settings.EPJ_TOKENS, today.settings.EPJ_TOKENS);
      assert.equal(first!.settings.HELSEID_CLIENT_ID, today.settings.HELSEID_CLIENT_ID);
      for (const key of ['CLINIC_SIGNING_CERT', 'CLINIC_SIGNING_KEY', 'CLINIC_ENCRYPTION_CERT', 'CLINIC_ENCRYPTION_KEY'] as const)
        assert.equal(first!.settings[key], path.resolve(ROOT, today.settings[key]), key);
      assert.equal(first!.settings.EPJ_INBOX_DIR, path.join('./var', 'epj', '8142987', 'inbox'));
      assert.equal(clinics[2]!.settings.CERT_WARN_DAYS.join(','), '60,30,14,7,1');
      assert.equal(clinics[1]!.settings.CERT_WARN_DAYS.join(','), '30,14,7,1', "one clinic's override leaves the others alone");
    });

    it('YAML and JSON of the same content give the same clinics', () => {
      const dir = tempDir('clinics');
      const content = twoClinics();
      writeFileSync(path.join(dir, 'clinics.yaml'), yaml.dump(content));
      writeFileSync(path.join(dir, 'clinics.json'), JSON.stringify(content));
      const fromYaml = readClinicsFile(path.join(dir, 'clinics.yaml'), demoConfig);
      const fromJson = readClinicsFile(path.join(dir, 'clinics.json'), demoConfig);
      assert.equal(fromYaml.length, 2);
      assert.deepEqual(fromYaml, fromJson);
    });

    it("resolves the file's paths from its own directory; default folders per clinic under DATA_DIR", () => {
      const raw = changed((f) => {
        f.clinics[0]!.certificates.previousEncryption = { cert: '/etc/epj/old.cert.pem', key: 'old.key.pem' };
        f.clinics[0]!.helseId = { clientId: 'helseid-client-1', key: 'helseid.jwk.pem' };
        f.clinics[1]!.epj.inboxDir = '../epj/in';
        f.clinics[1]!.epj.outboxDir = '/var/epj/out';
      });
      const [a, b] = parse(raw, { ...demoConfig, DATA_DIR: '/data' }, '/srv/epj/conf');
      assert.equal(a!.settings.CLINIC_SIGNING_CERT, '/srv/epj/conf/certs/signing.cert.pem');
      assert.equal(a!.settings.CLINIC_ENCRYPTION_KEY, '/srv/epj/conf/certs/encryption.key.pem');
      assert.equal(a!.settings.CLINIC_PREVIOUS_ENCRYPTION_CERT, '/etc/epj/old.cert.pem');
      assert.equal(a!.settings.CLINIC_PREVIOUS_ENCRYPTION_KEY, '/srv/epj/conf/old.key.pem');
      assert.equal(a!.helseIdKeyFile, '/srv/epj/conf/helseid.jwk.pem');
      assert.equal(a!.settings.HELSEID_CLIENT_ID, 'helseid-client-1');
      assert.equal(a!.settings.EPJ_INBOX_DIR, '/data/epj/8143100/inbox');
      assert.equal(a!.settings.EPJ_OUTBOX_DIR, '/data/epj/8143100/outbox');
      assert.equal(b!.settings.EPJ_INBOX_DIR, '/srv/epj/epj/in');
      assert.equal(b!.settings.EPJ_OUTBOX_DIR, '/var/epj/out');
      assert.equal(b!.settings.CLINIC_PREVIOUS_ENCRYPTION_CERT, undefined);
      assert.equal(b!.settings.HELSEID_CLIENT_ID, demoConfig.HELSEID_CLIENT_ID, "the deployment's client id by default");
    });

    it('loads the next slot (a rollover) like the current pairs: paths from the file, one role or both, the HelseID next key', () => {
      const raw = changed((f) => {
        f.clinics[0]!.certificates.next = { signing: { cert: 'next/signing.cert.pem', key: 'next/signing.key.pem' }, encryption: { p12: 'next/enc.p12' } };
        f.clinics[0]!.helseId = { clientId: 'helseid-client-1', nextKey: 'next/helseid.key.pem' };
        f.clinics[1]!.certificates.next = { encryption: { cert: '/etc/epj/enc-next.cert.pem', key: 'enc-next.key.pem' } };
      });
      const [a, b] = parse(raw, demoConfig, '/srv/epj/conf');
      assert.equal(a!.settings.CLINIC_NEXT_SIGNING_CERT, '/srv/epj/conf/next/signing.cert.pem');
      assert.equal(a!.settings.CLINIC_NEXT_SIGNING_KEY, '/srv/epj/conf/next/signing.key.pem');
      assert.equal(a!.settings.CLINIC_NEXT_ENCRYPTION_CERT, '/srv/epj/conf/next/enc.p12');
      assert.deepEqual(a!.credentials.next?.encryption, { kind: 'pkcs12', file: '/srv/epj/conf/next/enc.p12', password: undefined });
      assert.equal(a!.helseIdNextKeyFile, '/srv/epj/conf/next/helseid.key.pem');
      assert.deepEqual(redactClinic(a!).certificates.next, {
        signing: { cert: '/srv/epj/conf/next/signing.cert.pem', key: '/srv/epj/conf/next/signing.key.pem' },
        encryption: { p12: '/srv/epj/conf/next/enc.p12' },
      });
      assert.equal(redactClinic(a!).helseId.nextKeyFile, '/srv/epj/conf/next/helseid.key.pem');
      assert.equal(b!.settings.CLINIC_NEXT_SIGNING_CERT, undefined);
      assert.equal(b!.settings.CLINIC_NEXT_ENCRYPTION_KEY, '/srv/epj/conf/enc-next.key.pem');
      assert.deepEqual(Object.keys(b!.credentials.next ?? {}), ['encryption']);
    });

    it('reads the next slot of the environment (a fleet of one); a next certificate without its key is refused', () => {
      const config = loadConfig({
        CLINIC_NEXT_SIGNING_CERT: `${SAMPLE}/clinic-signing-next.cert.pem`,
        CLINIC_NEXT_SIGNING_KEY: `${SAMPLE}/clinic-signing-next.key.pem`,
      });
      const [clinic] = loadClinics(config);
      assert.deepEqual(clinic!.credentials.next, {
        signing: { kind: 'pem', cert: `${SAMPLE}/clinic-signing-next.cert.pem`, key: `${SAMPLE}/clinic-signing-next.key.pem` },
      });
      assert.equal(readCredential(clinic!.credentials.next.signing).certificate.subject.includes('921543212'), true);
      assert.throws(
        () => loadConfig({ CLINIC_NEXT_ENCRYPTION_CERT: `${SAMPLE}/clinic-encryption-next.cert.pem` }),
        (err: unknown) => err instanceof ConfigError && err.setting === 'CLINIC_NEXT_ENCRYPTION_KEY',
      );
    });

    it('takes HER-ids and organisation numbers YAML reads as numbers', () => {
      const raw = yaml.load(yaml.dump(twoClinics()).replaceAll("'", ''), { schema: yaml.CORE_SCHEMA }) as { clinics: { herId: unknown; orgNumber: unknown }[] };
      assert.equal(typeof raw.clinics[0]!.herId, 'number');
      raw.clinics[0] = { ...raw.clinics[0]!, subHerIds: [8143106] } as (typeof raw.clinics)[0];
      const [clinic] = parse(raw);
      assert.equal(clinic!.herId, '8143100');
      assert.deepEqual(clinic!.subHerIds, ['8143106']);
      assert.equal(clinic!.orgNumber, '913876547');
    });

    it('maps a PKCS#12 file to the file the key readers are given, and reads it', () => {
      const raw = changed((f) => {
        f.clinics[0]!.certificates.signing = { p12: path.join(SAMPLE, 'clinic.p12'), password: 'sample' };
      });
      const [clinic] = parse(raw);
      assert.deepEqual(clinic!.credentials.signing, { kind: 'pkcs12', file: path.join(SAMPLE, 'clinic.p12'), password: 'sample' });
      assert.equal(clinic!.settings.CLINIC_SIGNING_CERT, path.join(SAMPLE, 'clinic.p12'));
      assert.equal(clinic!.settings.CLINIC_SIGNING_KEY, path.join(SAMPLE, 'clinic.p12'));

      const fromP12 = readCredential(clinic!.credentials.signing);
      const fromPem = readCredential({ kind: 'pem', cert: path.join(SAMPLE, 'clinic-signing.cert.pem'), key: path.join(SAMPLE, 'clinic-signing.key.pem') });
      assert.equal(fromP12.certificate.fingerprint256, fromPem.certificate.fingerprint256);
      assert.ok(fromP12.certificate.checkPrivateKey(fromP12.key));
      assert.throws(
        () => readCredential({ kind: 'pkcs12', file: path.join(SAMPLE, 'clinic.p12'), password: 'wrong' }),
        (err: unknown) => isGatewayError(err) && err.code === 'KEY_UNREADABLE' && err.message.includes('clinic.p12'),
      );
    });

    it('lays overrides from the allow-list over the deployment, in the setting’s own terms', () => {
      const raw = changed((f) => {
        f.clinics[0]!.overrides = { POLL_INTERVAL_MS: 10000, CERT_WARN_DAYS: [60, 30], MESSAGE_PROTECTION: 'none', CMS_REJECT_3DES: false };
      });
      const [a, b] = parse(raw);
      assert.equal(a!.settings.POLL_INTERVAL_MS, 10_000);
      assert.deepEqual(a!.settings.CERT_WARN_DAYS, [60, 30]);
      assert.equal(a!.settings.MESSAGE_PROTECTION, 'none');
      assert.equal(a!.settings.CMS_REJECT_3DES, false);
      assert.deepEqual(a!.overridden.sort(), ['CERT_WARN_DAYS', 'CMS_REJECT_3DES', 'MESSAGE_PROTECTION', 'POLL_INTERVAL_MS']);
      assert.equal(b!.settings.POLL_INTERVAL_MS, demoConfig.POLL_INTERVAL_MS);
    });

    it("adds a clinic's notification webhooks to the deployment's", () => {
      const raw = changed((f) => {
        f.clinics[0]!.notify = { webhooks: [{ name: 'office', url: 'https://hooks.example.test/office' }], office: 'kontor@klinikk.example' };
      });
      const [a, b] = parse(raw, { ...demoConfig, NOTIFY_WEBHOOKS: ['provider=https://provider.example.test/hook'] });
      assert.deepEqual(a!.settings.NOTIFY_WEBHOOKS, ['provider=https://provider.example.test/hook', 'office=https://hooks.example.test/office']);
      assert.deepEqual(a!.contacts, { office: 'kontor@klinikk.example' });
      assert.deepEqual(b!.settings.NOTIFY_WEBHOOKS, ['provider=https://provider.example.test/hook']);
    });

    it('a contact may have the language of its mails (nb, the default, or en)', () => {
      const raw = changed((f) => {
        f.clinics[0]!.notify = {
          office: 'kontor@klinikk.example',
          itProvider: { address: 'ops@provider.example', language: 'en' },
          epjVendor: { address: 'support@epj.example' },
        };
      });
      const [a] = parse(raw);
      assert.deepEqual(a!.contacts, {
        office: 'kontor@klinikk.example',
        itProvider: 'ops@provider.example',
        epjVendor: 'support@epj.example',
        languages: { itProvider: 'en' },
      });
    });
  });

  describe('one line naming the clinic and the field', () => {
    const cases: [string, (f: FileTree) => void, string][] = [
      [
        'a short token',
        (f) => f.clinics[0]!.epj.tokens.push({ client: 'b', token: 'short' }),
        'clinic 8143100 (clinics[0]) epj.tokens[1].token: a token of 8 characters or more',
      ],
      ['no HER-id', (f) => delete f.clinics[1]!.herId, 'clinics[1] herId: missing: a HER-id of digits'],
      ['a HER-id of letters', (f) => (f.clinics[1]!.herId = 'abc'), 'clinics[1] herId: a HER-id of digits'],
      ['a sub HER-id of letters', (f) => (f.clinics[0]!.subHerIds = ['8143106', 'x']), 'clinic 8143100 (clinics[0]) subHerIds[1]: a HER-id of digits'],
      [
        'a wrong check digit',
        (f) => (f.clinics[0]!.orgNumber = '913876548'),
        'clinic 8143100 (clinics[0]) orgNumber: a nine-digit organisation number with a valid check digit',
      ],
      ['an empty name', (f) => (f.clinics[0]!.name = ' '), "clinic 8143100 (clinics[0]) name: the clinic's name"],
      ['a misspelt field', (f) => (f.clinics[0]!.epj.tokns = []), 'clinic 8143100 (clinics[0]) epj.tokns: not a field here; check the spelling'],
      [
        'no certificates',
        (f) => delete f.clinics[0]!.certificates,
        'clinic 8143100 (clinics[0]) certificates: missing: { signing, encryption, previousEncryption, next }',
      ],
      [
        'an empty next slot',
        (f) => (f.clinics[0]!.certificates.next = {}),
        'clinic 8143100 (clinics[0]) certificates.next: the next signing or encryption pair (or both); leave out next when none is installed',
      ],
      [
        'a next certificate without its key',
        (f) => (f.clinics[0]!.certificates.next = { signing: { cert: 'next.cert.pem' } }),
        'clinic 8143100 (clinics[0]) certificates.next.signing.key: missing: the key file of the certificate',
      ],
      [
        'a misspelt next role',
        (f) => (f.clinics[0]!.certificates.next = { sign: { cert: 'a', key: 'b' } }),
        'clinic 8143100 (clinics[0]) certificates.next.sign: not a field here; check the spelling',
      ],
      [
        'PEM and PKCS#12 at once',
        (f) => (f.clinics[0]!.certificates.signing.p12 = 'x.p12'),
        'clinic 8143100 (clinics[0]) certificates.signing: either cert and key (PEM files) or p12 (a PKCS#12 file), not both',
      ],
      [
        'a certificate without its key',
        (f) => delete f.clinics[0]!.certificates.encryption.key,
        'clinic 8143100 (clinics[0]) certificates.encryption.key: missing: the key file of the certificate',
      ],
      [
        'a password with PEM',
        (f) => (f.clinics[0]!.certificates.signing.password = 'pw'),
        'clinic 8143100 (clinics[0]) certificates.signing.password: a password goes with p12 only (PEM keys are read unencrypted)',
      ],
      ['an unknown delivery', (f) => (f.clinics[0]!.epj.delivery = 'fax'), 'clinic 8143100 (clinics[0]) epj.delivery: folder, webhook or pull'],
      ['no tokens', (f) => (f.clinics[0]!.epj.tokens = []), 'clinic 8143100 (clinics[0]) epj.tokens: at least one { client, token }'],
      [
        'webhook without URL',
        (f) => (f.clinics[0]!.epj.delivery = 'webhook'),
        "clinic 8143100 (clinics[0]) epj.webhookUrl: missing: webhook delivery needs the EPJ's URL",
      ],
      [
        'webhook with a short secret',
        (f) => Object.assign(f.clinics[0]!.epj, { delivery: 'webhook', webhookUrl: 'https://epj.example.test/in', webhookSecret: 'short' }),
        'clinic 8143100 (clinics[0]) epj.webhookSecret: webhook delivery needs a secret of 16 characters or more',
      ],
      [
        'a webhook URL of another scheme',
        (f) => (f.clinics[0]!.epj.webhookUrl = 'ftp://x'),
        'clinic 8143100 (clinics[0]) epj.webhookUrl: an http:// or https:// URL',
      ],
      ['a bad e-mail', (f) => (f.clinics[0]!.notify = { office: 'kontor' }), 'clinic 8143100 (clinics[0]) notify.office: an e-mail address'],
      [
        'a contact in a language there are no texts in',
        (f) => (f.clinics[0]!.notify = { office: { address: 'kontor@klinikk.example', language: 'de' } }),
        'clinic 8143100 (clinics[0]) notify.office: an e-mail address, or { address, language: nb | en }',
      ],
      [
        'a notify webhook name with a space',
        (f) => (f.clinics[0]!.notify = { webhooks: [{ name: 'the office', url: 'https://x.example.test' }] }),
        'clinic 8143100 (clinics[0]) notify.webhooks[0].name: a name of letters, digits, ".", "_" and "-"',
      ],
      [
        'a shared setting as override',
        (f) => (f.clinics[0]!.overrides = { REDIS_URL: 'redis://x' }),
        'clinic 8143100 (clinics[0]) overrides.REDIS_URL: not a setting a clinic may override (those are CERT_WARN_DAYS,',
      ],
      [
        'a bad override value',
        (f) => (f.clinics[0]!.overrides = { POLL_INTERVAL_MS: 1 }),
        'clinic 8143100 (clinics[0]) overrides.POLL_INTERVAL_MS: a whole number from 10 to 3600000',
      ],
      ['no clinics', (f) => (f.clinics = []), 'clinics: at least one clinic'],
      ['a field beside clinics', (f) => Object.assign(f, { clinic: [] }), 'clinic: not a field here; check the spelling'],
    ];
    for (const [name, edit, expected] of cases) {
      it(name, () => assert.ok(faultOfFile(changed(edit)).startsWith(`Setting CLINICS_FILE: ${expected}`), faultOfFile(changed(edit))));
    }

    it('a file that is not an object of clinics', () => {
      assert.equal(faultOfFile(null), 'Setting CLINICS_FILE: the file: { clinics: [ … ] }');
      assert.equal(faultOfFile([1]), 'Setting CLINICS_FILE: the file: { clinics: [ … ] }');
    });

    it('a file that cannot be read, or is not YAML or JSON, names the file (and the line)', () => {
      const dir = tempDir('clinics-bad');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'none.yaml'), demoConfig)),
        /cannot read .*none\.yaml \(ENOENT\)$/,
      );
      writeFileSync(path.join(dir, 'bad.yaml'), 'clinics:\n  - herId: [1\n');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'bad.yaml'), demoConfig)),
        /bad\.yaml is not valid YAML: .* \(line \d+, column \d+\)$/,
      );
      writeFileSync(path.join(dir, 'bad.json'), '{"clinics": [}');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'bad.json'), demoConfig)),
        /bad\.json is not valid JSON: /,
      );
      writeFileSync(path.join(dir, 'empty.yaml'), '# nothing yet\n');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'empty.yaml'), demoConfig)),
        /empty\.yaml is empty; expected \{ clinics: \[ … \] \}$/,
      );
      writeFileSync(path.join(dir, 'twice.yaml'), 'clinics: []\nclinics: []\n');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'twice.yaml'), demoConfig)),
        /duplicated mapping key/,
      );
    });

    it('YAML is read safely: no custom tags, no dates', () => {
      const dir = tempDir('clinics-tags');
      writeFileSync(path.join(dir, 'fn.yaml'), 'clinics: !!js/function "function () { return 1 }"\n');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'fn.yaml'), demoConfig)),
        /is not valid YAML: unknown tag/,
      );
      writeFileSync(path.join(dir, 'tag.yaml'), 'clinics: !secret vault/clinics\n');
      assert.match(
        faultOf(() => readClinicsFile(path.join(dir, 'tag.yaml'), demoConfig)),
        /is not valid YAML: unknown tag/,
      );
      // a timestamp stays text, so it fails as a name would, rather than becoming a Date
      const entry = { ...clinicEntry('8143100', 'token-aaaaaaaa'), name: undefined };
      writeFileSync(path.join(dir, 'date.yaml'), `${yaml.dump({ clinics: [entry] })}`.replace('herId:', 'name: 2026-01-01\n    herId:'));
      assert.equal(readClinicsFile(path.join(dir, 'date.yaml'), demoConfig)[0]!.name, '2026-01-01');
    });
  });

  describe('what no two clinics share', () => {
    it('a HER-id, as a clinic or under one', () => {
      assert.equal(
        faultOfFile(changed((f) => (f.clinics[1]!.herId = '8143100'))),
        'Setting CLINICS_FILE: clinic 8143100 (clinics[1]) herId: HER-id 8143100 is already served by clinic 8143100 (Testklinikk 8143100 AS); a HER-id belongs to one clinic',
      );
      assert.equal(
        faultOfFile(changed((f) => (f.clinics[1]!.subHerIds = ['8143206', '8143100']))),
        'Setting CLINICS_FILE: clinic 8143200 (clinics[1]) subHerIds[1]: HER-id 8143100 is already served by clinic 8143100 (Testklinikk 8143100 AS); a HER-id belongs to one clinic',
      );
      assert.match(
        faultOfFile(changed((f) => (f.clinics[0]!.subHerIds = ['8143100']))),
        /clinics\[0\]\) subHerIds\[0\]: HER-id 8143100 is already served by this clinic/,
      );
    });

    it('an EPJ token, across clinics and within one', () => {
      assert.equal(
        faultOfFile(changed((f) => (f.clinics[1]!.epj.tokens[0].token = 'token-aaaaaaaa'))),
        'Setting CLINICS_FILE: clinic 8143200 (clinics[1]) epj.tokens[0].token: the same token as clinic 8143100 (Testklinikk 8143100 AS), client epj; each EPJ token belongs to one client of one clinic',
      );
      assert.match(
        faultOfFile(changed((f) => f.clinics[0]!.epj.tokens.push({ client: 'other', token: 'token-aaaaaaaa' }))),
        /clinics\[0\]\) epj\.tokens\[1\]\.token: the same token as this clinic's client epj/,
      );
    });

    it('an EPJ folder, the same or one inside another', () => {
      const same = changed((f) => {
        f.clinics[0]!.epj.inboxDir = '/srv/shared/in';
        f.clinics[1]!.epj.inboxDir = '/srv/shared/in';
      });
      assert.equal(
        faultOfFile(same),
        'Setting CLINICS_FILE: clinic 8143200 (clinics[1]) epj.inboxDir: /srv/shared/in is also the inbox of clinic 8143100 (Testklinikk 8143100 AS) (/srv/shared/in); each EPJ folder belongs to one clinic',
      );
      const nested = changed((f) => {
        f.clinics[0]!.epj.outboxDir = '/srv/shared';
        f.clinics[1]!.epj.inboxDir = '/srv/shared/clinic2/in';
      });
      assert.match(faultOfFile(nested), /clinics\[1\]\) epj\.inboxDir: \/srv\/shared\/clinic2\/in lies inside the outbox of clinic 8143100/);
      // a pull clinic has no inbox folder, so the same inboxDir setting does not count against it
      const pull = changed((f) => {
        f.clinics[0]!.epj.inboxDir = '/srv/shared/in';
        Object.assign(f.clinics[1]!.epj, { delivery: 'pull', inboxDir: '/srv/shared/in' });
      });
      assert.equal(parse(pull).length, 2);
    });
  });

  describe('production mode, per clinic', () => {
    const production: Config = { ...demoConfig, GATEWAY_MODE: 'production' };

    it('a clinic with its own tokens and certificates passes', () => {
      assert.equal(parse(twoClinics(), production).length, 2);
    });

    it('refuses the demo tokens, the numbered ones too', () => {
      for (const token of ['demo-token', 'demo-token-2']) {
        assert.equal(
          faultOfFile(
            changed((f) => (f.clinics[1]!.epj.tokens[0].token = token)),
            production,
          ),
          "Setting CLINICS_FILE: clinic 8143200 (clinics[1]) epj.tokens: production mode refuses the demo token; set your EPJ clients' own tokens",
        );
      }
    });

    it('refuses the sample certificates, PEM or PKCS#12, naming the field', () => {
      assert.equal(
        faultOf(() => loadClinics({ ...production, CLINICS_FILE: DEMO_FILE })),
        "Setting CLINICS_FILE: clinic 8142987 (clinics[0]) epj.tokens: production mode refuses the demo token; set your EPJ clients' own tokens",
      );
      assert.equal(
        faultOfFile(
          changed((f) => (f.clinics[0]!.certificates.encryption = { cert: '/x/certs-sample/enc.pem', key: '/x/enc.key' })),
          production,
        ),
        "Setting CLINICS_FILE: clinic 8143100 (clinics[0]) certificates.encryption.cert: production mode refuses the sample certificates; set the clinic's own",
      );
      assert.equal(
        faultOfFile(
          changed((f) => (f.clinics[1]!.certificates.signing = { p12: '../certs-sample/clinic.p12', password: 'sample' })),
          production,
        ),
        "Setting CLINICS_FILE: clinic 8143200 (clinics[1]) certificates.signing.p12: production mode refuses the sample certificates; set the clinic's own",
      );
    });
  });

  describe('the settings', () => {
    it('without CLINICS_FILE: the one clinic of the settings, as today', () => {
      const config = loadConfig({ CLINIC_HER_ID: '8143100', CLINIC_NAME: 'Testklinikk AS', EPJ_TOKENS: 'epj:token-aaaaaaaa' });
      const [clinic, ...more] = loadClinics(config);
      assert.equal(more.length, 0);
      assert.equal(clinic!.settings, config, 'the settings themselves, unchanged');
      assert.equal(clinic!.herId, '8143100');
      assert.deepEqual(clinic!.subHerIds, []);
      assert.equal(clinic!.orgNumber, config.CLINIC_ORG_NUMBER);
      assert.equal(clinic!.name, 'Testklinikk AS');
      assert.deepEqual(clinic!.credentials, {
        signing: { kind: 'pem', cert: config.CLINIC_SIGNING_CERT, key: config.CLINIC_SIGNING_KEY },
        encryption: { kind: 'pem', cert: config.CLINIC_ENCRYPTION_CERT, key: config.CLINIC_ENCRYPTION_KEY },
      });
      assert.deepEqual(clinic!.overridden, []);
    });

    it("with CLINICS_FILE the environment's per-clinic settings are refused, not silently ignored", () => {
      assert.throws(
        () => loadConfig({ CLINICS_FILE: DEMO_FILE, CLINIC_HER_ID: '8142987' }),
        (err: unknown) => err instanceof ConfigError && err.setting === 'CLINIC_HER_ID' && /set per clinic in CLINICS_FILE/.test(err.message),
      );
      assert.throws(
        () => loadConfig({ CLINICS_FILE: DEMO_FILE, EPJ_TOKENS: 'a:bbbbbbbbbbbb' }),
        (err: unknown) => err instanceof ConfigError && err.setting === 'EPJ_TOKENS',
      );
    });

    it("with CLINICS_FILE production mode does not judge the unused CLINIC_* defaults (the file's clinics are judged)", () => {
      const production = {
        GATEWAY_MODE: 'production',
        OPS_TOKEN: 'ops-0123456789abcdef',
        TRUST_CA_FILES: '/etc/epj/buypass.pem',
        MSH_BASE_URL: 'https://msh.example.test',
        HELSEID_TOKEN_URL: 'https://helseid.example.test/connect/token',
        AR_URL: 'https://ar.example.test/v1/AR/Basic',
        JOB_ENCRYPTION_KEYS: `2026:${Buffer.alloc(32, 7).toString('base64')}`,
      };
      assert.equal(loadConfig({ ...production, CLINICS_FILE: DEMO_FILE }).CLINICS_FILE, DEMO_FILE);
      assert.throws(
        () => loadConfig(production),
        (err: unknown) => err instanceof ConfigError && err.setting === 'EPJ_TOKENS',
      );
    });
  });

  describe('redaction', () => {
    it('leaves no token, secret or password in the view; key files and client names stay', () => {
      const secrets = [
        'token-secret-aaaa',
        'token-secret-bbbb',
        'webhook-secret-0123456789',
        'p12-password-xyz',
        'hookpath-secret',
        'ops-secret-token',
        'ar-password-secret',
      ];
      const raw = changed((f) => {
        Object.assign(f.clinics[0]!.epj, {
          delivery: 'webhook',
          webhookUrl: 'https://epj.example.test/in?key=hookpath-secret',
          webhookSecret: 'webhook-secret-0123456789',
          tokens: [
            { client: 'epj-a', token: 'token-secret-aaaa' },
            { client: 'epj-b', token: 'token-secret-bbbb' },
          ],
        });
        f.clinics[0]!.certificates.encryption = { p12: 'enc.p12', password: 'p12-password-xyz' };
        f.clinics[0]!.notify = { webhooks: [{ name: 'office', url: 'https://hooks.example.test/services/hookpath-secret' }], office: 'kontor@klinikk.example' };
      });
      const [clinic] = parse(raw, { ...demoConfig, OPS_TOKEN: 'ops-secret-token', AR_PASSWORD: 'ar-password-secret' });
      const view = redactClinic(clinic!);
      const json = JSON.stringify(view);
      for (const secret of secrets) assert.ok(!json.includes(secret), `${secret} in ${json}`);
      assert.deepEqual(view.epj.clients, ['epj-a', 'epj-b']);
      assert.equal(view.epj.webhookUrl, 'https://epj.example.test/…');
      assert.deepEqual(view.certificates.encryption, { p12: '/srv/epj/enc.p12' });
      assert.deepEqual(view.certificates.signing, { cert: '/srv/epj/certs/signing.cert.pem', key: '/srv/epj/certs/signing.key.pem' });
      assert.deepEqual(view.notify, { webhooks: [{ name: 'office', url: 'https://hooks.example.test/…' }], office: 'kontor@klinikk.example' });
      // the whole clinic, for contrast, does carry them: the view is what makes it safe
      assert.ok(JSON.stringify(clinic).includes('token-secret-aaaa'));
    });

    it("the demo's clinics redact to no token", () => {
      const json = JSON.stringify(loadClinics({ ...demoConfig, CLINICS_FILE: DEMO_FILE }).map(redactClinic));
      assert.doesNotMatch(json, /demo-token/);
      assert.ok(readFileSync(DEMO_FILE, 'utf8').includes('demo-token-3'));
    });
  });
});
