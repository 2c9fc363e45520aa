import assert from 'node:assert/strict';
import { worthTelling } from '../../../src/gate/announce.js';
import type { GateReason } from '../../../src/gate/gate-state.js';
import type { GateTransition } from '../../../src/gate/service-gate.js';

const reason = (scope: GateReason['scope'], code: string): GateReason => ({
  source: 'certificate',
  code,
  severity: 'closed',
  scope,
  message: code,
  since: 'x',
});
const t = (scope: GateTransition['scope'], from: GateTransition['from'], to: GateTransition['to'], reasons: GateReason[] = []): GateTransition => ({
  scope,
  from,
  to,
  reasons,
  at: 'x',
});

/** People are told of each change once, at the level where it happened. */
describe('gate notifications: told once, at the right level', () => {
  it('a clinic-wide fault is told at the gateway, not again for each service it closes; its fix likewise', () => {
    const expired = [reason('all', 'expired')];
    const gateway = t('gateway', 'open', 'closed', expired);
    assert.equal(worthTelling(gateway, gateway), true);
    assert.equal(worthTelling(t('e-consultation', 'open', 'closed', expired), gateway), false);
    const reopened = t('gateway', 'closed', 'open');
    assert.equal(worthTelling(reopened, reopened), true);
    assert.equal(worthTelling(t('e-consultation', 'closed', 'open'), reopened), false);
  });

  it("one service's closing is told for the service, not as the gateway's warning that follows; its reopening likewise", () => {
    const own = [reason('e-consultation', 'operator-closed')];
    const gateway = t('gateway', 'open', 'warning', own);
    assert.equal(worthTelling(gateway, gateway), false);
    assert.equal(worthTelling(t('e-consultation', 'open', 'closed', own), gateway), true);
    const back = t('gateway', 'warning', 'open');
    assert.equal(worthTelling(back, back), false);
    assert.equal(worthTelling(t('e-consultation', 'closed', 'open'), back), true);
  });

  it('a service closing on its own (no gateway change in the same moment) is told', () => {
    assert.equal(worthTelling(t('appointment', 'open', 'closed', [reason('appointment', 'ar-service-not-registered')]), undefined), true);
  });
});
