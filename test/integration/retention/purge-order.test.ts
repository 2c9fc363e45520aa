import assert from 'node:assert/strict';
import { DeliveryOrder } from '../../../src/pipeline/epj-delivery.js';
import { useTestRedis } from '../../helpers/redis.js';

describe("purge and a patient's delivery order: a purged message never holds up the ones after it", () => {
  const ctx = useTestRedis();
  let order: DeliveryOrder;
  let n = 0;
  const patient = () => `patient-${n}`;
  beforeEach(() => {
    n++;
    order = new DeliveryOrder(ctx.redis, `t-order-${n}`);
  });

  it('purging the next one due moves delivered past it, so the one after is due at once', async () => {
    for (const id of ['a', 'b', 'c']) await order.numberFor(patient(), id);
    assert.equal(await order.forget(patient(), 'a'), 1);
    assert.equal(await order.delivered(patient()), 1);
    assert.equal(await order.msgIdOf(patient(), 2), 'b');
    assert.equal(await order.msgIdOf(patient(), 1), '', 'the number stays, without its MsgId');
  });

  it('purging one further on leaves a gap that delivery steps over', async () => {
    for (const id of ['a', 'b', 'c']) await order.numberFor(patient(), id);
    assert.equal(await order.forget(patient(), 'b'), 0, 'a is still undelivered');
    assert.equal(await order.markDeliveredAndNext(patient(), 1), 'c', "c's turn once a is delivered");
    assert.equal(await order.delivered(patient()), 2, 'delivering a steps over the purged b');
    assert.equal(await order.msgIdOf(patient(), 3), 'c');
  });

  it('a message without a number is no change', async () => {
    await order.numberFor(patient(), 'a');
    assert.equal(await order.forget(patient(), 'unknown'), -1);
    assert.equal(await order.delivered(patient()), 0);
  });
});
