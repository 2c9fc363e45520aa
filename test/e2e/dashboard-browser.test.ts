import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import request from 'supertest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { startDemoStandIn, standInAddress } from '../../demo/start-ar-stand-in.js';
import { startDemoSimulator } from '../../demo/start-simulator.js';
import { loadClinics } from '../../src/clinics/clinics-file.js';
import { loadConfig } from '../../src/config.js';
import { composeGateway, type ComposedGateway, type Gateway } from '../../src/compose/gateway.js';
import { eventually } from '../helpers/eventually.js';
import { captureLogger } from '../helpers/logger.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { skipOrFail } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const E_CONSULTATION_REQUEST = '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a03'; // fixtures/e-consultation/request.xml
/** UPDATE_DOCS_SCREENSHOT=1 copies the screenshots to the pictures in the README and docs/operations.md */
const DOCS = path.resolve(fileURLToPath(new URL('../../docs', import.meta.url)));
const CLINICS_FILE = fileURLToPath(new URL('../../demo/clinics.yaml', import.meta.url));
const ARTIFACTS = path.resolve(fileURLToPath(new URL('../artifacts', import.meta.url)));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function launchBrowser(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(tempDir('chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 1000 },
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** The page as a picture: in test/artifacts always, in docs/ with UPDATE_DOCS_SCREENSHOT=1 when `docs`. */
async function screenshot(page: Page, name: string, options: { docs?: boolean; clipToContent?: boolean } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  // a short page is cut below its content instead of showing the rest of the window empty
  const height = options.clipToContent ? await page.locator('body').evaluate((body) => Math.ceil(body.getBoundingClientRect().bottom) + 16) : undefined;
  const width = page.viewportSize()?.width ?? 1280;
  await page.screenshot({ path: file, fullPage: true, ...(height ? { clip: { x: 0, y: 0, width, height } } : {}) });
  if (options.docs !== false && process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(file, path.join(DOCS, name));
}

/** The /ops calls the page makes until checked, to see that a clinic's page asks about that clinic only. */
function opsCalls(page: Page) {
  const calls: string[] = [];
  const listener = (r: Request) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/ops/') && ['fetch', 'xhr'].includes(r.resourceType())) calls.push(u.pathname + u.search);
  };
  page.on('request', listener);
  return {
    /** stops listening, and checks that every call carried `clinic=HERID` */
    allNaming(herId: string) {
      page.off('request', listener);
      assert.ok(calls.length >= 3, `the page called the API: ${calls.join(', ')}`);
      for (const call of calls) assert.match(call, new RegExp(`[?&]clinic=${herId}(&|$)`), `${call} names the clinic`);
      return calls;
    },
  };
}

async function logIn(page: Page, url: string) {
  await page.goto(`${url}/ops/dashboard/`);
  await page.waitForURL(/login\.html/);
  await page.fill('#token', 'demo-ops-token');
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
}

const fleetRow = (page: Page, herId: string) => page.locator(`#fleet tbody tr[data-herid="${herId}"]`);

describe('dashboard in a real browser (headless Chromium)', function () {
  this.timeout(90_000);
  let server: TestRedis;
  let gateway: Gateway;
  let stack: TestStack;
  let url: string;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) skipOrFail(this, `${CHROMIUM} not found; apt-get install -y chromium, or run scripts/install-system-deps.sh --browser`);
    server = await startTestRedis();
    stack = await startStack(server.url);
    ({ url } = stack);
    gateway = stack.composed;
    const sent = stack.simulator.citizen.sendFixture('e-consultation/request.xml');
    await stack.simulator.citizen.waitForAppRec(sent.id, 15_000);
    // The browser may resolve localhost to ::1 first; the gateway listens on 127.0.0.1.
    url = url.replace('//localhost', '//127.0.0.1');
    ({ context, page } = await launchBrowser());
  });
  after(async () => {
    await context?.close();
    await stack?.stop();
    await server?.stop();
  });

  const row = (service: string) => page.locator(`#gate tr[data-service="${service}"]`);
  const herId = () => gateway.config.CLINIC_HER_ID;

  it('sends a visitor without a session to the login form, and logs in through it', async () => {
    await page.goto(`${url}/ops/dashboard/`);
    await page.waitForURL(/login\.html/);
    await page.fill('#token', 'wrong-token-here');
    await page.click('button[type=submit]');
    await page.waitForURL(/failed=1/);
    assert.match(await page.locator('#login-message').innerText(), /not the operator token/);

    await page.fill('#token', 'demo-ops-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
    const cookie = (await context.cookies()).find((c) => c.name === 'epjgw_ops');
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Strict');
  });

  it('starts on the fleet page: one row per clinic, a search box that filters as one types', async () => {
    const config = gateway.config;
    assert.equal(await page.locator('#fleet tbody tr').count(), 1, 'a fleet of one still shows its one row');
    const clinic = fleetRow(page, herId());
    assert.equal(await clinic.getAttribute('data-state'), 'open');
    const text = await clinic.innerText();
    for (const part of [config.CLINIC_NAME, config.CLINIC_HER_ID, config.CLINIC_ORG_NUMBER, 'OPEN'])
      assert.ok(text.includes(part), `the row shows ${part}: ${text}`);
    assert.match(await clinic.locator('td').nth(6).innerText(), /^in \d+ d$/, 'days to the nearest certificate expiry');
    assert.match(await clinic.locator('td').nth(7).innerText(), /s ago|min ago/, 'the last successful poll, as an age');
    assert.match(await page.locator('#fleet-count').innerText(), /1 clinic — all open/);
    assert.equal(await page.locator('#queue-board').isVisible(), false, 'the queue board is per clinic, so not offered on the fleet page');

    await page.fill('#fleet-search', 'no such clinic');
    await page.locator('#fleet tbody tr').first().waitFor({ state: 'detached' });
    assert.match(await page.locator('#fleet-empty').innerText(), /No clinic's name or HER-id contains “no such clinic”/);
    await page.fill('#fleet-search', config.CLINIC_HER_ID.slice(0, 4));
    await clinic.waitFor();
    await page.fill('#fleet-search', config.CLINIC_NAME.split(' ')[0]!.toUpperCase());
    await clinic.waitFor();
    assert.equal(await page.locator('#fleet-empty').isVisible(), false);

    // a header click sorts by that column and says so; "Sort worst first" goes back to the gateway's order
    const waitingHeader = page.locator('#fleet th[data-sort="waiting"]');
    await waitingHeader.getByRole('button').click();
    assert.equal(await waitingHeader.getAttribute('aria-sort'), 'descending');
    await waitingHeader.getByRole('button').click();
    assert.equal(await waitingHeader.getAttribute('aria-sort'), 'ascending');
    await page.click('#fleet-worst-first');
    assert.equal(await waitingHeader.getAttribute('aria-sort'), 'none');
    assert.equal(await page.locator('#fleet-worst-first').isVisible(), false);
  });

  it("opens a clinic's status page from its row; every call the page makes names that clinic", async () => {
    const calls = opsCalls(page);
    await fleetRow(page, herId()).locator('td').first().click();
    await page.waitForURL(new RegExp(`\\?clinic=${herId()}$`));
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"]');
    assert.match(await page.locator('#clinic').innerText(), new RegExp(`${gateway.config.CLINIC_NAME} \\(HER-id ${herId()}\\)`));
    assert.equal(await row('e-consultation').getAttribute('data-state'), 'open');
    assert.match(await page.locator('#operator').innerText(), /ops, operator/);
    assert.equal(await page.locator('#queue-board').getAttribute('href'), `/ops/queues/${herId()}/`);
    assert.ok(await page.locator('#back').isVisible(), 'a way back to the fleet');
    // the citizen's e-consultation request is on the office's worklist, counted per service
    const openRow = page.locator('#open-requests tr[data-service="e-consultation"]');
    await openRow.waitFor();
    assert.equal(await openRow.locator('td').first().innerText(), '1');
    assert.equal(await page.locator('#open-requests tr[data-service="office-contact"] td').first().innerText(), '0');
    // "Test the connection": a communication test to Helsenorge (the simulator) and back
    await page.click('#commtest');
    await page.waitForSelector('#commtest-result[data-state="ok"]', { timeout: 30_000 });
    assert.match(await page.locator('#commtest-result').innerText(), /^OK: sent [0-9a-f-]{36}; AppRec OK after \d+ ms; answer after \d+ ms\.$/);
    await page.click('#recheck');
    await page.locator('#message', { hasText: 'Gate rechecked.' }).waitFor();
    calls.allNaming(herId());

    // a HER-id the gateway does not serve says so instead of showing another clinic's state
    await page.goto(`${url}/ops/dashboard/?clinic=1234567`);
    await page.locator('#updated', { hasText: /No clinic with this HER-id is served here/ }).waitFor();
    await page.click('#back');
    await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
  });

  it('closes a service with a reason, shows why a queued message waits, reopens it, and saves a screenshot', async () => {
    // The clinic's answer meets NHN answering 503, so it is queued when the service closes.
    stack.simulator.faults.add({ kind: 'error', status: 503, count: 10_000, path: '/Messages', method: 'POST' });
    const accepted = await request(url)
      .post('/v1/messages')
      .set(stack.epjAuth)
      .send({ service: 'e-consultation', inReplyTo: E_CONSULTATION_REQUEST, text: 'Vi ringer deg i morgen.' })
      .expect(202);
    const msgId = accepted.body.msgId as string;
    await page.goto(`${url}/ops/dashboard/`);
    await fleetRow(page, herId()).getByRole('link').click();
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"]');
    const calls = opsCalls(page);

    const reason = 'The GP is away until Monday';
    await page.fill('#reason-e-consultation', reason);
    await page.fill('#auto-answer-e-consultation', 'Legen er borte til mandag. Ved akutt sykdom ring legevakten på 116 117.');
    await page.fill('#expected-open-e-consultation', '2099-01-05');
    await row('e-consultation').getByRole('button', { name: 'Close' }).click();
    await page.waitForSelector('#gate tr[data-service="e-consultation"][data-state="closed"]');
    assert.match(await row('e-consultation').innerText(), new RegExp(reason));
    // the close form's auto-answer and date reach the gate
    const closing = (await request(url).get('/ops/gate').set(stack.opsAuth).expect(200)).body.services['e-consultation'].reasons[0] as {
      autoAnswer?: string;
      expectedOpen?: string;
    };
    assert.equal(closing.expectedOpen, '2099-01-05');
    assert.match(closing.autoAnswer ?? '', /Legen er borte til mandag/);
    assert.match(await page.locator('#gateway-state').innerText(), /WARNING/i);

    const waiting = page.locator(`#waiting tr[data-msgid="${msgId}"]`);
    await waiting.waitFor();
    assert.match(await waiting.locator('li[data-kind="gate-closed"]').innerText(), new RegExp(`gate closed: ${reason}`));

    // every section is filled by the composed gateway
    for (const section of ['#certificates', '#address-register', '#transport']) {
      await page
        .locator(section)
        .filter({ hasNotText: /not configured/i })
        .waitFor();
    }
    await screenshot(page, 'dashboard.png');
    assert.ok(calls.allNaming(herId()).some((c) => c.startsWith('/ops/gate/e-consultation/close?')));

    // the fleet shows the clinic in warning, naming the closed service and why, with the waiting answer
    await page.click('#back');
    await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
    const clinic = fleetRow(page, herId());
    assert.equal(await clinic.getAttribute('data-state'), 'warning');
    assert.match(await clinic.innerText(), new RegExp(`closed e-consultation[\\s\\S]*${reason}`));
    assert.ok(Number(await clinic.locator('td').nth(4).innerText()) >= 1, 'the answer counts as waiting');
    assert.match(await page.locator('#fleet-count').innerText(), /0 closed, 1 warning/);
    // docs/dashboard-fleet.png comes from the two clinics below
    await screenshot(page, 'dashboard-fleet-one.png', { docs: false, clipToContent: true });
    await clinic.click();
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"]');
    const reopen = opsCalls(page);
    stack.simulator.faults.clear();

    await row('e-consultation').getByRole('button', { name: 'Open' }).click();
    await page.waitForSelector('#gate tr[data-service="e-consultation"][data-state="open"]');
    await eventually(async () => (await waiting.locator('li[data-kind="gate-closed"]').count()) === 0, 30_000, 'the gate reason gone from the waiting message');
    await eventually(() => stack.simulator.citizen.answers().some((a) => a.msgId === msgId), 30_000, 'the answer sent once the service is open');

    const audit = await gateway.audit.read();
    const close = audit.find((e) => e.action === 'gate.close');
    assert.match(close?.actor ?? '', /^ops@/, "the audit log names the account of the token that logged in (OPS_TOKEN's, `ops`)");
    assert.ok(audit.some((e) => e.action === 'gate.open'));
    assert.ok(reopen.allNaming(herId()).some((c) => c.startsWith('/ops/gate/e-consultation/open?')));
  });

  it("a viewer's page shows the gate but offers no close, open or replay; the login names the viewer account", async () => {
    await page.locator('form[action="/ops/logout"] button').click();
    await page.waitForURL(/login\.html\?loggedOut=1/);
    await page.fill('#token', 'demo-viewer-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
    await fleetRow(page, herId()).click();
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"][data-role="viewer"]');
    assert.match(await page.locator('#operator').innerText(), /viewer, viewer/);
    assert.equal(await row('e-consultation').getAttribute('data-state'), 'open');
    assert.equal(await row('e-consultation').locator('form').isVisible(), false, 'no close form for a viewer');
  });
});

/**
 * Two clinics in one gateway, composed as the demo will be: the first two clinics of
 * demo/clinics.yaml, each with its own certificates, HelseID client and address-register entry, the
 * simulator and the register stand-in serving both.
 */
async function startTwoClinics(redisUrl: string) {
  const config = loadConfig({
    PORT: '0',
    REDIS_URL: redisUrl,
    DATA_DIR: tempDir('fleet'),
    QUEUE_PREFIX: `f${Math.random().toString(36).slice(2, 8)}`,
    SHUTDOWN_DEADLINE_MS: '2000',
    SIMULATOR_PORT: '0',
    AR_STAND_IN_PORT: '0',
    SMTP_STAND_IN_PORT: '0',
    POLL_INTERVAL_MS: '100',
    CLINICS_FILE,
  });
  const { logger } = captureLogger('info');
  const simulator = await startDemoSimulator(config, { port: 0 }, loadClinics(config).slice(0, 2));
  const standIn = await startDemoStandIn(config, logger);
  // the simulator also serves the sample CA's CRL, as the revocation checker's proxy
  const settings = { ...config, REVOCATION_HTTP_PROXY: simulator.url };
  const gateway = await composeGateway(settings, logger, {
    clinics: loadClinics(settings).slice(0, 2),
    far: { mshUrl: simulator.url, tokenUrl: simulator.tokenUrl, ...(standIn ? { registerAddress: standInAddress(standIn) } : {}) },
    finalClosers: [
      { name: 'NHN simulator', close: () => simulator.close() },
      ...(standIn ? [{ name: 'address register stand-in', close: () => standIn.close() }] : []),
    ],
  });
  return { gateway, url: gateway.url.replace('//localhost', '//127.0.0.1') };
}

describe('dashboard fleet page with two clinics (headless Chromium)', function () {
  this.timeout(90_000);
  let server: TestRedis;
  let gateway: ComposedGateway;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  const [FJORDVIK, NORDLYS] = ['8142987', '8143100'];

  before(async function () {
    if (!existsSync(CHROMIUM)) skipOrFail(this, `${CHROMIUM} not found; apt-get install -y chromium, or run scripts/install-system-deps.sh --browser`);
    server = await startTestRedis();
    ({ gateway, url } = await startTwoClinics(server.url));
    const ops = { authorization: `Bearer ${gateway.config.OPS_TOKEN}` };
    // both clinics' gates have had their first look at certificates and register before the page does
    await eventually(
      async () => {
        const rows = (await request(url).get('/ops/clinics').set(ops).expect(200)).body as { gate: { state: string }; lastSuccessfulPoll: string | null }[];
        return rows.length === 2 && rows.every((r) => r.gate.state === 'open' && r.lastSuccessfulPoll);
      },
      30_000,
      'both clinics open and polling',
    );
    ({ context, page } = await launchBrowser());
  });
  after(async () => {
    await context?.close();
    await gateway?.shutdown('test done');
    await server?.stop();
  });

  it('lists both clinics, filters them, and puts the clinic with a closed service first', async () => {
    await logIn(page, url);
    const rows = page.locator('#fleet tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await fleetRow(page, NORDLYS).innerText(), /Nordlys legesenter AS[\s\S]*913876547/);
    assert.match(await page.locator('#fleet-count').innerText(), /2 clinics — all open/);

    await page.fill('#fleet-search', 'nordlys');
    await fleetRow(page, FJORDVIK).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
    assert.match(await page.locator('#fleet-count').innerText(), /1 of 2 clinics/);
    await page.fill('#fleet-search', FJORDVIK.slice(0, 5));
    await fleetRow(page, FJORDVIK).waitFor();
    assert.equal(await rows.count(), 1, `only ${FJORDVIK} has a HER-id starting ${FJORDVIK.slice(0, 5)}`);
    await page.fill('#fleet-search', '');
    await fleetRow(page, NORDLYS).waitFor();

    // Nordlys's page, and its appointment service closed there
    const calls = opsCalls(page);
    await fleetRow(page, NORDLYS).click();
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"]');
    assert.match(await page.locator('#clinic').innerText(), /Nordlys legesenter AS \(HER-id 8143100\)/);
    await page.fill('#reason-appointment', 'No appointments during the move');
    await page.locator('#gate tr[data-service="appointment"]').getByRole('button', { name: 'Close' }).click();
    await page.waitForSelector('#gate tr[data-service="appointment"][data-state="closed"]');
    calls.allNaming(NORDLYS);
    assert.equal(gateway.clinics[0]!.gate.current().services.appointment.state, 'open', 'the other clinic keeps its service open');

    // back on the fleet, worst first: Nordlys, in warning, naming the closed service
    await page.click('#back');
    await page.waitForSelector('body[data-page="fleet"][data-loaded="true"]');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-herid'))), [NORDLYS, FJORDVIK]);
    assert.equal(await fleetRow(page, NORDLYS).getAttribute('data-state'), 'warning');
    assert.match(await fleetRow(page, NORDLYS).innerText(), /closed appointment[\s\S]*No appointments during the move/);
    assert.equal(await fleetRow(page, FJORDVIK).getAttribute('data-state'), 'open');
    assert.match(await page.locator('#fleet-count').innerText(), /2 clinics — 0 closed, 1 warning/);
    await screenshot(page, 'dashboard-fleet.png', { clipToContent: true });

    // sorted by name, Fjordvik comes first; "Sort worst first" brings Nordlys back on top
    await page.locator('#fleet th[data-sort="name"]').getByRole('button').click();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-herid'))), [FJORDVIK, NORDLYS]);
    await page.click('#fleet-worst-first');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-herid'))), [NORDLYS, FJORDVIK]);
  });
});

describe("dashboard: a clinic's notifications, their delivery per recipient and Resend (headless Chromium)", function () {
  this.timeout(90_000);
  let server: TestRedis;
  let stack: TestStack;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  // the demo's first clinic and its people (demo/clinics.yaml)
  const FJORDVIK = '8142987';
  const OFFICE = 'kontor@fjordvik-legekontor.example';
  const IT_PROVIDER = 'drift@fjellnett-it.example';

  before(async function () {
    if (!existsSync(CHROMIUM)) skipOrFail(this, `${CHROMIUM} not found; apt-get install -y chromium, or run scripts/install-system-deps.sh --browser`);
    server = await startTestRedis();
    stack = await startStack(server.url, {}, { fleet: true });
    url = stack.url.replace('//localhost', '//127.0.0.1');
    ({ context, page } = await launchBrowser());
  });
  after(async () => {
    await context?.close();
    await stack?.stop();
    await server?.stop();
  });

  it("lists a closing's delivery to each recipient, the one the SMTP server refused as dead with the reason, and Resend delivers it", async () => {
    const smtp = stack.smtp!;
    smtp.refuse(IT_PROVIDER);
    await logIn(page, url);
    await fleetRow(page, FJORDVIK).getByRole('link').click();
    await page.waitForSelector('body[data-page="clinic"][data-loaded="true"]');
    await page.fill('#reason-office-contact', 'Ferie til mandag');
    await page.locator('#gate tr[data-service="office-contact"]').getByRole('button', { name: 'Close' }).click();
    await page.waitForSelector('#gate tr[data-service="office-contact"][data-state="closed"]');

    // the page refreshes on its own; the closing's deliveries appear with their states
    const closing = page.locator('#notifications > li[data-kind="gate-closed"]').first();
    const deadOne = closing.locator('li[data-delivery="dead"]');
    await deadOne.waitFor({ timeout: 30_000 });
    assert.match(await deadOne.innerText(), new RegExp(`itProvider ${IT_PROVIDER.replace(/\./g, '\\.')} \\(mail\\)[\\s\\S]*dead, 1 try — SMTP 550`));
    await closing.locator('li[data-delivery="delivered"]', { hasText: OFFICE }).waitFor({ timeout: 30_000 });
    assert.equal(await closing.locator('li[data-delivery="delivered"] button').count(), 0, 'only a dead delivery can be resent');
    // the notice for NHN went to the IT provider too, and is dead the same way
    await page.locator('#notifications > li[data-kind="nhn-notice"] li[data-delivery="dead"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'dashboard-notifications.png', { docs: false });

    smtp.allow(IT_PROVIDER);
    await deadOne.getByRole('button', { name: 'Resend' }).click();
    await closing.locator('li[data-delivery="delivered"]', { hasText: IT_PROVIDER }).waitFor({ timeout: 30_000 });
    assert.equal(await closing.locator('li[data-delivery="dead"]').count(), 0);
    await eventually(
      () => smtp.received().some((m) => m.to.includes(IT_PROVIDER) && /Tjenesten kontakt med legekontoret er stengt/.test(m.subject)),
      15_000,
      'the closing mailed to the IT provider after Resend',
    );
    const audit = await stack.composed.clinics.find((c) => c.clinic.herId === FJORDVIK)!.audit.read();
    assert.ok(
      audit.some((e) => e.action === 'notification.resend' && /^ops@/.test(e.actor)),
      "the resend is audited with the account that logged in (OPS_TOKEN's, ops)",
    );
  });
});
