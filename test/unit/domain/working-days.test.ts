import assert from 'node:assert/strict';
import { workingDaysBefore, workingDaysBetween } from '../../../src/domain/working-days.js';

const at = (iso: string) => Date.parse(iso);

describe('working days: the age of a citizen request, Monday to Friday', () => {
  it('counts weekday time only: Friday afternoon to Monday afternoon is one working day', () => {
    assert.equal(workingDaysBetween(at('2026-12-04T14:00:00Z'), at('2026-12-07T14:00:00Z')), 1);
    assert.equal(workingDaysBetween(at('2026-12-01T08:00:00Z'), at('2026-12-03T08:00:00Z')), 2);
    assert.equal(workingDaysBetween(at('2026-12-05T10:00:00Z'), at('2026-12-06T10:00:00Z')), 0, 'a weekend is no working time');
    assert.equal(workingDaysBetween(at('2026-12-03T08:00:00Z'), at('2026-12-01T08:00:00Z')), 0);
  });

  it('workingDaysBefore is the inverse: what came at or before it is at least that many working days old', () => {
    for (const now of ['2026-12-07T14:00:00Z', '2026-12-05T10:00:00Z', '2026-12-09T00:00:00Z', '2026-12-03T23:59:59Z']) {
      for (const days of [1, 2, 3, 5, 10]) {
        const cutoff = workingDaysBefore(at(now), days);
        assert.ok(Math.abs(workingDaysBetween(cutoff, at(now)) - days) < 1e-9, `${now} ${days}`);
        assert.ok(workingDaysBetween(cutoff + 60_000, at(now)) < days, `${now} ${days}: a minute later is younger`);
      }
    }
    assert.equal(workingDaysBefore(at('2026-12-07T14:00:00Z'), 1), at('2026-12-04T14:00:00Z'));
  });
});
