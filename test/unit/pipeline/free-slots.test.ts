import assert from 'node:assert/strict';
import { osloOffset, readSlotsIcal, readSlotsJson } from '../../../src/pipeline/free-slots.js';

describe('free slots the EPJ publishes', () => {
  it('reads JSON slots with an optional practitioner and kind', () => {
    const slots = readSlotsJson({
      slots: [{ start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00', practitioner: 'Dr. Fjell', kind: 'Video' }],
    });
    assert.deepEqual(slots, [{ start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00', practitioner: 'Dr. Fjell', kind: 'Video' }]);
  });

  it('refuses what it cannot offer with FREE_SLOTS_INVALID naming the field', () => {
    const refused = (body: unknown) => {
      try {
        readSlotsJson(body);
      } catch (err) {
        const e = err as { code: string; message: string };
        assert.equal(e.code, 'FREE_SLOTS_INVALID');
        return e.message;
      }
      assert.fail('accepted');
    };
    assert.match(refused({ slots: [{ start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T08:00:00+01:00' }] }), /slots\.0\.end: start must be before end/);
    assert.match(refused({ slots: [{ start: 'tomorrow', end: '2027-01-11T08:00:00+01:00' }] }), /slots\.0\.start/);
    assert.match(refused({ slots: [{ start: '2027-01-11T09:00:00', end: '2027-01-11T09:20:00' }] }), /slots\.0\.start/, 'an instant needs its offset');
    assert.match(refused({ slots: [{ start: '2027-01-11T09:00:00Z', end: '2027-01-11T09:20:00Z', patient: 'x' }] }), /slots\.0/, 'no other fields');
    assert.match(refused({}), /slots/);
    assert.match(refused({ slots: Array.from({ length: 5001 }, () => ({ start: '2027-01-11T09:00:00Z', end: '2027-01-11T09:20:00Z' })) }), /slots/);
  });

  it('reads an iCalendar: UTC and Oslo local times, folded lines, the summary as kind and the organizer as practitioner', () => {
    const ical = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'DTSTART:20270111T090000',
      'DTEND:20270111T092000',
      'SUMMARY:Konsul',
      ' tasjon',
      'ORGANIZER;CN="Dr. Fjell":mailto:fjell@fjordvik.example',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART:20270701T070000Z',
      'DTEND:20270701T071500Z',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    assert.deepEqual(readSlotsIcal(ical), [
      { start: '2027-01-11T09:00:00+01:00', end: '2027-01-11T09:20:00+01:00', kind: 'Konsultasjon', practitioner: 'Dr. Fjell' },
      { start: '2027-07-01T07:00:00Z', end: '2027-07-01T07:15:00Z' },
    ]);
    assert.throws(() => readSlotsIcal('BEGIN:VEVENT\r\nEND:VEVENT'), /VCALENDAR/);
    assert.throws(() => readSlotsIcal('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027-01-11\r\nEND:VEVENT\r\nEND:VCALENDAR'), /line 3/);
  });

  it("knows Norway's summer time (last Sunday of March to last Sunday of October, 01:00 UTC)", () => {
    assert.equal(osloOffset(new Date('2027-03-28T00:59:00Z')), '+01:00');
    assert.equal(osloOffset(new Date('2027-03-28T01:00:00Z')), '+02:00');
    assert.equal(osloOffset(new Date('2027-10-31T00:59:00Z')), '+02:00');
    assert.equal(osloOffset(new Date('2027-10-31T01:00:00Z')), '+01:00');
    assert.equal(osloOffset(new Date('2027-01-15T12:00:00Z')), '+01:00');
  });
});
