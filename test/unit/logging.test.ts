import assert from 'node:assert/strict';
import { withRequestId } from '../../src/logging.js';
import { captureLogger } from '../helpers/logger.js';

describe('logging', () => {
  it('redacts patient fields at any of the first levels', () => {
    const { logger, text } = captureLogger();
    logger.info(
      {
        msgId: 'a1b2',
        nationalId: '13896997245',
        patient: { name: 'Ola Testesen', fnr: '13896997245' },
        job: { data: { text: 'Jeg trenger ny resept', givenName: 'Ola' } },
      },
      'received',
    );
    const out = text();
    assert.match(out, /a1b2/);
    for (const secret of ['13896997245', 'Ola', 'resept']) assert.doesNotMatch(out, new RegExp(secret));
  });

  it('puts the request id on every line inside a request', async () => {
    const { logger, lines } = captureLogger();
    await withRequestId('req-42', async () => {
      logger.info('first');
      await new Promise((r) => setImmediate(r));
      logger.warn('after an await');
    });
    logger.info('outside');
    const [a, b, c] = lines();
    assert.equal(a!.requestId, 'req-42');
    assert.equal(b!.requestId, 'req-42');
    assert.equal(c!.requestId, undefined);
  });
});
