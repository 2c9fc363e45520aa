import { NS } from './namespaces.js';
import { at, child, children, textOf, type XmlEl } from './xml-tree.js';

/**
 * The iCalendar subset the appointment services carry, as RFC 6321 xCal: one vcalendar with
 * METHOD, and one or more vevents with UID, DTSTAMP, DTSTART, DTEND, SUMMARY, LOCATION, STATUS, SEQUENCE.
 */

export const CALENDAR_METHODS = ['PUBLISH', 'REQUEST', 'REPLY', 'CANCEL'] as const;
export type CalendarMethod = (typeof CALENDAR_METHODS)[number];

export const EVENT_STATUSES = ['TENTATIVE', 'CONFIRMED', 'CANCELLED'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export interface CalendarEvent {
  readonly uid: string;
  /** UTC, `YYYY-MM-DDThh:mm:ssZ`. */
  readonly dtstamp: string;
  /** Local or UTC date-time, `YYYY-MM-DDThh:mm:ss[Z]`. */
  readonly start: string;
  readonly end?: string;
  readonly summary?: string;
  readonly location?: string;
  readonly status?: EventStatus;
  /** RFC 5546 SEQUENCE: 0 for the event as first sent; raised each time it is moved (EndreTime). */
  readonly sequence?: number;
}

export interface Calendar {
  readonly method: CalendarMethod;
  readonly events: readonly CalendarEvent[];
}

export const XCAL_PRODID = '-//epj-gateway//KITH appointments//NO';

/** The text of a property's single value element (text, date-time, ...). */
export function propertyValue(props: XmlEl | undefined, name: string): string | undefined {
  const p = child(props, name);
  return p ? textOf(p.children[0]) : undefined;
}

/** The highest SEQUENCE of the calendar's events (0 when none says). */
export function calendarSequence(icalendar: XmlEl): number {
  return Math.max(0, ...calendarEvents(icalendar).map((ev) => Number(propertyValue(at(ev, 'properties'), 'sequence') ?? 0) || 0));
}

export function readCalendarMethod(icalendar: XmlEl): string | undefined {
  return propertyValue(at(icalendar, 'vcalendar', 'properties'), 'method');
}

export function calendarEvents(icalendar: XmlEl): XmlEl[] {
  return children(at(icalendar, 'vcalendar', 'components'), 'vevent');
}

export function isXcalRoot(el: XmlEl): boolean {
  return el.ns === NS.xcal && el.name === 'icalendar';
}
