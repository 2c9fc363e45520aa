import assert from 'node:assert/strict';
import {
  CMS_CONTENT_TYPE,
  TTL_MS,
  bodyOf,
  conditionOfRefusal,
  errorMessage,
  parseQueueName,
  queueNameFromRegister,
  readError,
  readIncoming,
  receiveAddress,
  sendAddress,
  toWire,
  type WireMessage,
} from '../../../../adapters/transport/amqp/wire.js';

const section = (b: Buffer) => ({ typecode: 0x75, content: b });
const v1 = { form: 'v1' as const, exchange: 'DigitalDialog' };
const v2 = { form: 'v2' as const, exchange: 'DigitalDialog' };

describe('service bus wire (Helsenorge.Messaging)', () => {
  it('names the queues per HER-id and takes the name from the register address', () => {
    assert.equal(queueNameFromRegister('sb.test.nhn.no/DigitalDialog/91468_async'), '91468_async');
    assert.equal(queueNameFromRegister('91468_sync'), '91468_sync');
    assert.throws(() => queueNameFromRegister('sb.test.nhn.no/DigitalDialog/'), /no queue name/);
    assert.deepEqual(parseQueueName('8142987_syncreply'), { herId: 8142987, kind: 'syncreply' });
    assert.deepEqual(parseQueueName('8142987_dl'), { herId: 8142987, kind: 'dl' });
    assert.equal(parseQueueName('8142987_deadletter'), undefined);
  });

  it('writes RabbitMQ v1 and v2 addresses', () => {
    assert.equal(sendAddress('91468_async', v1), '/exchange/DigitalDialog/91468_async');
    assert.equal(receiveAddress('91468_async', v1), '/amq/queue/91468_async');
    assert.equal(sendAddress('91468_async', v2), '/queues/91468_async');
    assert.equal(receiveAddress('91468_async', v2), '/queues/91468_async');
  });

  it('puts the properties and application properties Helsenorge.Messaging reads on every message', () => {
    const at = new Date('2026-12-03T10:11:12.345Z');
    const m = toWire(
      {
        messageId: 'm-1',
        correlationId: 'c-1',
        subject: 'DIALOG_INNBYGGER_EKONTAKT',
        fromHerId: 8142987,
        toHerId: 8142519,
        queue: '8142519_sync',
        kind: 'sync',
        replyTo: '8142987_syncreply',
        cpaId: 'cpa-1',
        body: Buffer.from('cms'),
        at,
      },
      v1,
      section,
    );
    assert.equal(m.message_id, 'm-1');
    assert.equal(m.correlation_id, 'c-1');
    assert.equal(m.subject, 'DIALOG_INNBYGGER_EKONTAKT');
    assert.equal(m.to, '/exchange/DigitalDialog/8142519_sync');
    assert.equal(m.reply_to, '8142987_syncreply');
    assert.equal(m.content_type, CMS_CONTENT_TYPE);
    assert.equal(m.ttl, 15_000);
    assert.equal(TTL_MS.async, 4 * 24 * 3600 * 1000);
    assert.deepEqual(m.application_properties, { fromHerId: '8142987', toHerId: '8142519', cpaId: 'cpa-1', applicationTimeStamp: '2026-12-03T10:11:12Z' });
    assert.deepEqual(bodyOf(m.body), Buffer.from('cms'));
  });

  it('reads a received message and refuses one with missing fields, another receiver or no body', () => {
    const good: WireMessage = {
      message_id: 'm-2',
      subject: 'DIALOG_INNBYGGER_EKONTAKT',
      content_type: CMS_CONTENT_TYPE,
      application_properties: { fromHerId: '8142519', toHerId: '8142987', applicationTimeStamp: '2026-12-03T10:11:12Z' },
      body: section(Buffer.from('x')),
    };
    const read = readIncoming(good, [8142987]);
    assert.ok('ok' in read);
    assert.equal(read.ok.fromHerId, 8142519);
    assert.equal(read.ok.toHerId, 8142987);

    const missing = readIncoming({ ...good, subject: undefined, application_properties: { toHerId: '8142987' } }, [8142987]);
    assert.ok('refused' in missing);
    assert.equal(missing.refused.condition, 'transport:invalid-field-value');
    assert.deepEqual(missing.refused.data, ['fromHerId', 'subject', 'applicationTimeStamp']);

    const noType = readIncoming({ ...good, content_type: undefined }, [8142987]);
    assert.ok('refused' in noType && noType.refused.data.includes('content-type'));

    const other = readIncoming(good, [8143100]);
    assert.ok('refused' in other);
    assert.equal(other.refused.condition, 'transport:invalid-field-value');
    assert.deepEqual(other.refused.data, ['8143100', '8142987']);

    const empty = readIncoming({ ...good, body: section(Buffer.alloc(0)) }, [8142987]);
    assert.ok('refused' in empty && empty.refused.condition === 'transport:not-well-formed-xml');
  });

  it("answers a refusal with a new message on the sender's error queue, going the other way, with a body", () => {
    const at = new Date('2026-12-03T10:00:00Z');
    const m = errorMessage(
      { messageId: 'orig-1', subject: 'DIALOG_INNBYGGER_EKONTAKT', fromHerId: 8142519, toHerId: 8142987 },
      { condition: 'abuse:spoofing-attack', description: 'signed by another party', data: ['a', 'b'] },
      v1,
      section,
      () => 'err-1',
      at,
    );
    assert.equal(m.message_id, 'err-1');
    assert.equal(m.to, '/exchange/DigitalDialog/8142519_error');
    assert.equal(m.subject, 'DIALOG_INNBYGGER_EKONTAKT');
    const read = readError(m);
    assert.deepEqual(read, {
      originalMessageId: 'orig-1',
      errorCondition: 'abuse:spoofing-attack',
      errorDescription: 'signed by another party',
      errorConditionData: 'a;b;',
      fromHerId: 8142987,
      toHerId: 8142519,
    });
    assert.equal(m.application_properties!.receiverTimeStamp, '2026-12-03T10:00:00Z');
    assert.ok(bodyOf(m.body)!.length > 0);
  });

  it('maps protection refusals to the transport conditions', () => {
    assert.equal(conditionOfRefusal('CERT_REVOKED', ''), 'transport:revoked-certificate');
    assert.equal(conditionOfRefusal('CERT_INVALID', 'codes: expired'), 'transport:expired-certificate');
    assert.equal(conditionOfRefusal('CERT_INVALID', 'untrusted-chain'), 'transport:invalid-certificate');
    assert.equal(conditionOfRefusal('CMS_SIGNER_MISMATCH', ''), 'abuse:spoofing-attack');
    assert.equal(conditionOfRefusal('CMS_WEAK_CIPHER', ''), 'transport:unsupported-message');
    assert.equal(conditionOfRefusal('CMS_MALFORMED', ''), 'transport:not-well-formed-xml');
    assert.equal(conditionOfRefusal(undefined, ''), 'transport:internal-error');
  });
});
