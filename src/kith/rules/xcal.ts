import { CALENDAR_METHODS, EVENT_STATUSES, calendarEvents, propertyValue, readCalendarMethod } from '../xcal-read.js';
import { at, child, type XmlEl } from '../xml-tree.js';
import { isXsDateTime, type Findings } from './common.js';

/**
 * Own rules for the xCal subset (no official schema is installed for it): VERSION 2.0, PRODID,
 * a known METHOD, and events with UID, DTSTAMP (UTC), DTSTART, an end after the start and a
 * non-negative SEQUENCE when given.
 * REQUEST and CANCEL name exactly one event; PUBLISH may list several free slots.
 */
export function checkCalendar(root: XmlEl, f: Findings): void {
  const cal = child(root, 'vcalendar');
  if (!f.require(root, cal, 'icalendar/vcalendar')) return;
  const props = child(cal, 'properties');
  if (!f.require(cal, props, 'vcalendar/properties')) return;
  if (propertyValue(props, 'version') !== '2.0') f.add('KITH_CONTENT_INVALID', 'vcalendar VERSION must be 2.0.', props);
  if (!propertyValue(props, 'prodid')) f.add('KITH_CONTENT_INVALID', 'vcalendar PRODID is missing.', props);
  const method = readCalendarMethod(root);
  if (!method || !(CALENDAR_METHODS as readonly string[]).includes(method)) {
    f.add('KITH_CONTENT_INVALID', `vcalendar METHOD must be one of ${CALENDAR_METHODS.join(', ')}.`, props);
  }
  const events = calendarEvents(root);
  if (events.length === 0) f.add('KITH_CONTENT_INVALID', 'vcalendar has no vevent.', cal);
  if ((method === 'REQUEST' || method === 'CANCEL') && events.length > 1) {
    f.add('KITH_CONTENT_INVALID', `METHOD ${method} names exactly one vevent.`, cal);
  }
  for (const ev of events) {
    const p = at(ev, 'properties');
    if (!p) {
      f.add('KITH_CONTENT_INVALID', 'vevent has no properties.', ev);
      continue;
    }
    if (!propertyValue(p, 'uid')) f.add('KITH_CONTENT_INVALID', 'vevent UID is missing.', p);
    const stamp = propertyValue(p, 'dtstamp');
    if (!stamp || !isXsDateTime(stamp) || !stamp.endsWith('Z')) f.add('KITH_CONTENT_INVALID', 'vevent DTSTAMP must be a UTC date-time.', p);
    const start = propertyValue(p, 'dtstart');
    const end = propertyValue(p, 'dtend');
    if (!start || !isXsDateTime(start)) f.add('KITH_CONTENT_INVALID', 'vevent DTSTART must be a date-time.', p);
    if (end !== undefined && (!isXsDateTime(end) || (start && end <= start)))
      f.add('KITH_CONTENT_INVALID', 'vevent DTEND must be a date-time after DTSTART.', p);
    const status = propertyValue(p, 'status');
    if (status !== undefined && !(EVENT_STATUSES as readonly string[]).includes(status)) {
      f.add('KITH_CONTENT_INVALID', `vevent STATUS must be one of ${EVENT_STATUSES.join(', ')}.`, p);
    }
    const sequence = propertyValue(p, 'sequence');
    if (sequence !== undefined && !/^\d{1,9}$/.test(sequence)) f.add('KITH_CONTENT_INVALID', 'vevent SEQUENCE must be a non-negative integer.', p);
  }
}
