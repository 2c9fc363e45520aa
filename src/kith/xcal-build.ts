import { NS } from './namespaces.js';
import { XCAL_PRODID, type Calendar, type CalendarEvent } from './xcal-read.js';
import { el, txt, type Node } from './xml-write.js';

/** Writes the xCal (RFC 6321) subset: one vcalendar, its METHOD, and its events. */

function prop(name: string, valueType: 'text' | 'date-time' | 'integer', value: string | undefined): Node | undefined {
  return value === undefined ? undefined : el(name, undefined, txt(valueType, value));
}

function vevent(e: CalendarEvent): Node {
  return el(
    'vevent',
    undefined,
    el(
      'properties',
      undefined,
      prop('uid', 'text', e.uid),
      prop('dtstamp', 'date-time', e.dtstamp),
      prop('dtstart', 'date-time', e.start),
      prop('dtend', 'date-time', e.end),
      prop('summary', 'text', e.summary),
      prop('location', 'text', e.location),
      prop('status', 'text', e.status),
      prop('sequence', 'integer', e.sequence === undefined ? undefined : String(e.sequence)),
    ),
  );
}

export function buildCalendar(cal: Calendar): Node {
  return el(
    'icalendar',
    { xmlns: NS.xcal },
    el(
      'vcalendar',
      undefined,
      el('properties', undefined, prop('prodid', 'text', XCAL_PRODID), prop('version', 'text', '2.0'), prop('method', 'text', cal.method)),
      el('components', undefined, cal.events.map(vevent)),
    ),
  );
}
