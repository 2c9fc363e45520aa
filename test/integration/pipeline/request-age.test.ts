import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { workingDaysBefore } from '../../../src/domain/working-days.js';
import { ROLES_BY_KIND } from '../../../src/gate/notifier.js';
import { render } from '../../../src/notify/templates.js';
import { tellOverdueRequests } from '../../../src/pipeline/request-age.js';
import { startTestGateway, type TestGateway as Gateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const EPJ = { Authorization: 'Bearer demo-token' };
const OPS = { Authorization: 'Bearer demo-ops-token' };
const HOUR = 3_600_000;

describe('open requests by age: the metric, the dashboard section, and the office told once per request past its limit', () => {
  let server: TestRedis;
  let gateway: Gateway;
  let url: string;
  const now = Date.now();
  const ids = { overdueContact: randomUUID(), freshContact: randomUUID(), renewal: randomUUID(), old: randomUUID() };

  before(async () => {
    server = await startTestRedis();
    ({ gateway, url } = await startTestGateway(server.url, { REQUEST_AGE_LIMITS: 'prescription-renewal:4' }));
    const open = async (msgId: string, service: 'office-contact' | 'prescription-renewal', receivedAtMs: number) => {
      await gateway.store.create({ msgId, direction: 'inbound', service, action: 'Foresporsel', state: 'delivered' });
      await gateway.requests.opened({ msgId, service, action: 'Foresporsel', receivedAt: new Date(receivedAtMs).toISOString(), representation: false });
    };
    // office-contact's limit is 2 working days (the default), prescription-renewal's 4 (set above)
    await open(ids.overdueContact, 'office-contact', workingDaysBefore(now, 2.5));
    await open(ids.freshContact, 'office-contact', now - HOUR);
    await open(ids.renewal, 'prescription-renewal', workingDaysBefore(now, 3.5));
    await open(ids.old, 'prescription-renewal', workingDaysBefore(now, 12));
  });
  after(async () => {
    await gateway.shutdown('test over');
    await server.stop();
  });

  it('epj_gateway_open_requests counts by clinic, service and age; _over_limit those past the limit', async () => {
    const text = (await request(url).get('/metrics').expect(200)).text;
    const clinic = gateway.config.CLINIC_HER_ID;
    const value = (name: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    assert.equal(value('epj_gateway_open_requests', `clinic="${clinic}",service="office-contact",age="0-1d"`), 1);
    assert.equal(value('epj_gateway_open_requests', `clinic="${clinic}",service="office-contact",age="2-3d"`), 1);
    assert.equal(value('epj_gateway_open_requests', `clinic="${clinic}",service="prescription-renewal",age="3-5d"`), 1);
    assert.equal(value('epj_gateway_open_requests', `clinic="${clinic}",service="prescription-renewal",age="10d+"`), 1);
    assert.equal(value('epj_gateway_open_requests', `clinic="${clinic}",service="e-consultation",age="0-1d"`), 0);
    assert.equal(value('epj_gateway_open_requests_over_limit', `clinic="${clinic}",service="office-contact"`), 1);
    assert.equal(value('epj_gateway_open_requests_over_limit', `clinic="${clinic}",service="prescription-renewal"`), 1, 'the 3.5-day renewal is within its 4');
  });

  it("the status page's openRequests section and the worklist say the same", async () => {
    const status = (await request(url).get('/ops/status').set(OPS).expect(200)).body;
    assert.deepEqual(status.openRequests.value['office-contact'], {
      open: 2,
      buckets: { '0-1d': 1, '1-2d': 0, '2-3d': 1, '3-5d': 0, '5-10d': 0, '10d+': 0 },
      overLimit: 1,
      limitWorkingDays: 2,
    });
    const list = (await request(url).get('/v1/requests?state=open').set(EPJ).expect(200)).body;
    const over = list.requests.filter((r: { overLimit: boolean }) => r.overLimit).map((r: { msgId: string }) => r.msgId);
    assert.deepEqual(over.sort(), [ids.overdueContact, ids.old].sort());
  });

  it('tells the office once per request past its limit, in Norwegian and without patient data', async () => {
    const clinic = { herId: gateway.config.CLINIC_HER_ID, orgNumber: gateway.config.CLINIC_ORG_NUMBER, name: gateway.config.CLINIC_NAME };
    const check = () => tellOverdueRequests({ requests: gateway.requests, notifier: gateway.notifier, limits: gateway.config.REQUEST_AGE_LIMITS, clinic });
    assert.equal(await check(), 2);
    assert.equal(await check(), 0, 'once per request, however often the check runs');
    const told = (await gateway.notifier.recent(10)).filter((n) => n.kind === 'request-overdue');
    assert.deepEqual(told.map((n) => n.details?.msgId).sort(), [ids.overdueContact, ids.old].sort());
    assert.deepEqual(ROLES_BY_KIND['request-overdue'], ['office'], 'the office answers its requests');
    const mail = render(
      told.find((n) => n.details?.msgId === ids.overdueContact)!,
      'nb',
    );
    assert.match(mail.subject, /En henvendelse om kontakt med legekontoret har ventet på svar i 2 arbeidsdager/);
    assert.match(mail.text, new RegExp(`meldings-ID ${ids.overdueContact}`));
    assert.doesNotMatch(mail.text, /\d{11}/, 'no national id');

    // answered: off the worklist and out of the counts
    await gateway.requests.claim(ids.overdueContact, randomUUID());
    const text = (await request(url).get('/metrics').expect(200)).text;
    assert.match(text, new RegExp(`^epj_gateway_open_requests_over_limit\\{clinic="${clinic.herId}",service="office-contact"\\} 0$`, 'm'));
  });
});
