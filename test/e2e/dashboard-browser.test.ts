import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import request from 'supertest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway.js';
import { eventually, startStack, type TestStack } from '../helpers/stack.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const E_CONSULTATION_REQUEST = '5b0f0d3e-1c2a-4b7e-9a51-0c8f1e2d3a03'; // fixtures/e-consultation/request.xml
/** UPDATE_DOCS_SCREENSHOT=1 copies the screenshot to the README's picture */
const DOCS_SCREENSHOT = path.resolve(fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url)));
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

describe('dashboard in a real browser (headless Chromium)', function () {
  this.timeout(90_000);
  let server: TestRedis;
  let gateway: Gateway;
  let stack: TestStack;
  let url: string;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; CI installs it with scripts/install-system-deps.sh`);
      console.log(`      (skipped: ${CHROMIUM} not found; apt-get install -y chromium, or run scripts/install-system-deps.sh --browser)`);
      this.skip();
    }
    server = await startTestRedis();
    stack = await startStack(server.url);
    ({ url } = stack);
    gateway = stack.composed.gateway;
    const sent = stack.simulator.citizen.sendFixture('e-consultation/request.xml');
    await stack.simulator.citizen.waitForAppRec(sent.id, 15_000);
    // The browser may resolve localhost to ::1 first; the gateway listens on 127.0.0.1.
    url = url.replace('//localhost', '//127.0.0.1');
    context = await chromium.launchPersistentContext(tempDir('chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    await stack?.stop();
    await server?.stop();
  });

  const row = (service: string) => page.locator(`#gate tr[data-service="${service}"]`);

  it('sends a visitor without a session to the login form, and logs in through it', async () => {
    await page.goto(`${url}/ops/dashboard/`);
    await page.waitForURL(/login\.html/);
    await page.fill('#operator', 'kari.drift');
    await page.fill('#token', 'wrong-token-here');
    await page.click('button[type=submit]');
    await page.waitForURL(/failed=1/);
    assert.match(await page.locator('#login-message').innerText(), /not the operator token/);

    await page.fill('#operator', 'kari.drift');
    await page.fill('#token', 'demo-ops-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-loaded="true"]');
    assert.equal(await row('e-consultation').getAttribute('data-state'), 'open');
    assert.match(await page.locator('#operator').innerText(), /kari\.drift/);
    const cookie = (await context.cookies()).find((c) => c.name === 'epjgw_ops');
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Strict');
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
    await page.reload();
    await page.waitForSelector('body[data-loaded="true"]');

    const reason = 'The GP is away until Monday';
    await page.fill('#reason-e-consultation', reason);
    await row('e-consultation').getByRole('button', { name: 'Close' }).click();
    await page.waitForSelector('#gate tr[data-service="e-consultation"][data-state="closed"]');
    assert.match(await row('e-consultation').innerText(), new RegExp(reason));
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
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(path.join(ARTIFACTS, 'dashboard.png'), DOCS_SCREENSHOT);
    stack.simulator.faults.clear();

    await row('e-consultation').getByRole('button', { name: 'Open' }).click();
    await page.waitForSelector('#gate tr[data-service="e-consultation"][data-state="open"]');
    await eventually(async () => (await waiting.locator('li[data-kind="gate-closed"]').count()) === 0, 30_000, 'the gate reason gone from the waiting message');
    await eventually(() => stack.simulator.citizen.answers().some((a) => a.msgId === msgId), 30_000, 'the answer sent once the service is open');

    const audit = await gateway.audit.read();
    const close = audit.find((e) => e.action === 'gate.close');
    assert.match(close?.actor ?? '', /^kari\.drift@/, 'the audit log names the person who logged in');
    assert.ok(audit.some((e) => e.action === 'gate.open'));
  });
});
