/**
 * Obligations calendar (on demand): refresh deadlines per source and day, expiries, open purge holds, pulled copies
 * to replace, the project end and the content key's deletion, as `steward calendar --json` prints them (the CLI
 * writes the .ics from this answer). Reads the due index up to the window's end, never a Scan; writes nothing.
 */
import * as z from 'zod';
import { MAX_CALENDAR_DAYS, obligationsCalendar } from '../lib/jobs/calendar';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const CalendarEventSchema = z.object({ days: z.int().min(1).max(MAX_CALENDAR_DAYS).optional() }).strict();

export const handler = jobHandler(CalendarEventSchema, async (event) => {
  const { ctx } = await deployment();
  const calendar = await obligationsCalendar(ctx, event.days !== undefined ? { days: event.days } : {});
  logger.info('obligations calendar built', { items: calendar.items.length, recordsRead: calendar.recordsRead });
  return calendar;
});
