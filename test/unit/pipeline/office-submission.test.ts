import assert from 'node:assert/strict';
import { isGatewayError } from '../../../src/errors.js';
import { submitOfficeJson, type OfficeSubmissionDeps } from '../../../src/pipeline/office-submission.js';

/**
 * onlyIfDigitalUser is decided before anything is built or queued: no answer in time, or no way to
 * ask, is DIGITAL_STATUS_UNAVAILABLE; "not a digital user" is CITIZEN_NOT_DIGITAL_USER.
 */
describe('pipeline: office-started messages sent only if the citizen is a digital user', () => {
  const body = {
    service: 'appointment',
    action: 'Henvendelse',
    patient: { id: '15838510075', idType: 'FNR', givenName: 'Ola', familyName: 'Testesen' },
    text: 'Hei!',
    onlyIfDigitalUser: true,
  };
  // nothing past the check is reached in these cases: the rest of the deps are never used
  const deps = (digitalUser?: OfficeSubmissionDeps['digitalUser']) => ({ ...(digitalUser ? { digitalUser } : {}) }) as unknown as OfficeSubmissionDeps;
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'sent',
      (e: unknown) => (isGatewayError(e) ? e.code : String(e)),
    );

  it('no answer in time: 503 DIGITAL_STATUS_UNAVAILABLE', async () => {
    assert.equal(
      await codeOf(
        submitOfficeJson(
          deps(async () => undefined),
          body,
          'test',
        ),
      ),
      'DIGITAL_STATUS_UNAVAILABLE',
    );
  });
  it('no way to ask: DIGITAL_STATUS_UNAVAILABLE too', async () => {
    assert.equal(await codeOf(submitOfficeJson(deps(), body, 'test')), 'DIGITAL_STATUS_UNAVAILABLE');
  });
  it('not a digital user: 409 CITIZEN_NOT_DIGITAL_USER', async () => {
    assert.equal(
      await codeOf(
        submitOfficeJson(
          deps(async () => false),
          body,
          'test',
        ),
      ),
      'CITIZEN_NOT_DIGITAL_USER',
    );
  });
});
