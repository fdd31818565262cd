/**
 * The obligations calendar as an iCalendar file (RFC 5545) through ical-generator: one VEVENT per item, times in
 * UTC (`...Z`), lines folded at 75 octets, and each event's UID the item's stable `uid` (domain/calendar.ts), so
 * a calendar app that imports the file again updates the events it already has instead of adding copies. DTSTAMP
 * and SEQUENCE come from the calendar's generation time, so two files of the same moment are byte-identical and a
 * later file supersedes an earlier one.
 */
import ical, { ICalEventTransparency } from 'ical-generator';
import type { CalendarReport } from './calendar';

/** How long each obligation's event lasts (a marker at its due time). */
const EVENT_MINUTES = 30;

export function calendarIcs(c: CalendarReport): string {
  const cal = ical({
    name: `Steward obligations: ${c.project.title}`,
    description: `Obligations of project ${c.project.id} (refresh deadlines, expiries, holds, copies, project end, key deletion), from steward calendar`,
    prodId: { company: 'steward', product: 'obligations-calendar', language: 'EN' },
  });
  const stamp = new Date(c.generatedAt);
  for (const item of c.items) {
    const start = new Date(item.at);
    cal.createEvent({
      id: item.uid,
      start,
      end: new Date(start.getTime() + EVENT_MINUTES * 60_000),
      stamp,
      // Minutes since 1970 at generation: a newer file's events carry a higher SEQUENCE, so calendar apps that
      // compare it (RFC 5545 3.8.7.4) take the newer counts on re-import.
      sequence: Math.floor(stamp.getTime() / 60_000),
      summary: item.title,
      description: item.detail,
      transparency: ICalEventTransparency.TRANSPARENT,
    });
  }
  return cal.toString();
}
