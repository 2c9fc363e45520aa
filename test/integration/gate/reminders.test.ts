import assert from 'node:assert/strict';
import { remindOfFaults } from '../../../src/gate/announce.js';
import { Notifier } from '../../../src/gate/notifier.js';
import { ServiceGate } from '../../../src/gate/service-gate.js';
import { render } from '../../../src/notify/templates.js';
import { captureLogger } from '../../helpers/logger.js';
import { useTestRedis } from '../../helpers/redis.js';

/** While a fault lasts, those who must act are reminded every NOTIFY_REMINDER_HOURS, once per period. */
describe('reminders while a fault lasts', () => {
  const ctx = useTestRedis();
  const config = { CLINIC_HER_ID: '8142987', CLINIC_ORG_NUMBER: '921543212', CLINIC_NAME: 'Fjordvik legekontor AS' } as never;

  it('reminds of a closed service once per period, in Norwegian, and of nothing when all is open', async () => {
    const { logger } = captureLogger();
    const gate = new ServiceGate(ctx.redis, 'rem', logger);
    const notifier = new Notifier(ctx.redis, 'rem', [], logger);
    await gate.report('address-register', [
      { code: 'ar-service-not-registered', severity: 'closed', scope: 'e-consultation', message: 'Register the e-consultation service.' },
    ]);
    await gate.refresh();
    const since = Date.parse(gate.current().services['e-consultation'].since!);
    const at = (h: number) => new Date(since + h * 3600_000);

    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: at(23) }), 0, 'not before the first period');
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: at(25) }), 1);
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: at(30) }), 0, 'once per period, across calls and processes');
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: at(49) }), 1, 'the next day again');
    const reminder = (await notifier.recent(5))[0]!;
    assert.equal(reminder.details?.scope, 'e-consultation', 'the service, not the gateway that follows from it');
    assert.match(render(reminder).subject, /^Påminnelse: tjenesten e-konsultasjon er fortsatt stengt for Fjordvik legekontor AS$/);
    assert.match(render(reminder).text, /Registrer tjenesten/);
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 0, now: at(200) }), 0, 'NOTIFY_REMINDER_HOURS=0: none');

    await gate.report('address-register', []);
    await gate.refresh();
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: at(100) }), 0);

    // the office's own closing (a holiday) is no fault to be reminded of
    await gate.closeByOperator('office-contact', 'Ferie', 'kontoret');
    assert.equal(await remindOfFaults({ gate, notifier, config, everyH: 24, now: new Date(Date.now() + 72 * 3600_000) }), 0);
    await gate.openByOperator('office-contact');
  });
});
