/**
 * `steward calendar [--days N]`: the lab's obligations per day (domain/calendar.ts), from
 * - the due index: every record whose next action falls before the end of the window, a Query per shard bounded by
 *   that instant (never a Scan; the cost grows with what is due in the window, not with the corpus). A record's
 *   next action is never later than its refresh deadline or its expiry, so every deadline and expiry in the window
 *   is read, and overdue ones too;
 * - open purge holds (the purge fuse's, when the ledger keeps them): the PI's decision is due within the policy's
 *   purge window from the first held record;
 * - pulled export copies from which records were purged since: to be replaced within the purge window;
 * - planned publications (steward publication add): the advance notice to the platform is due before each;
 * - the project end and the content key's deletion after it.
 * Counts, sources and dates only.
 */
import * as z from 'zod';
import { policyIdForApi } from '../config/load';
import { buildCalendar, KEY_PENDING_WINDOW_DAYS, type Calendar, type CopyItem, type DueRecord, type HoldItem, type PublicationItem } from '../domain/calendar';
import { MS_PER_DAY, utcDayKey } from '../domain/clock';
import { BadInputError } from '../domain/errors';
import { exportLabel } from '../domain/exports';
import type { ActiveRecord } from '../domain/records';
import type { JobContext } from './context';
import { dueRecords, sweepShards } from './due';
import { exportStoreOf, staleCopies } from './export';
import { publicationStoreOf } from './publications';

export interface CalendarReport extends Calendar {
  readonly kind: 'steward.calendar';
  readonly version: 1;
  readonly generatedAt: string;
  readonly project: { readonly id: string; readonly title: string };
  readonly days: Calendar['days'];
  /** Records read from the due index (those due before the window ends). */
  readonly recordsRead: number;
  /** What the calendar could not see, said plainly. */
  readonly notes: readonly string[];
}

export interface CalendarOptions {
  /** Days from today (today included). @default 30 */
  readonly days?: number;
  /** Planned publications' notices. @default the planned publications of the register (steward publication) */
  readonly publications?: readonly PublicationItem[];
}

export const MAX_CALENDAR_DAYS = 731;

/** A hold as the fuse lists it: only what the calendar needs, parsed at this edge. */
const HoldSchema = z.looseObject({
  id: z.string(),
  source: z.string(),
  status: z.string(),
  records: z.number().int().min(0),
  firstHeldAt: z.string().optional(),
});
type HoldLister = { listHolds(): Promise<unknown[]> };

export async function obligationsCalendar(ctx: JobContext, options: CalendarOptions = {}): Promise<CalendarReport> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > MAX_CALENDAR_DAYS) throw new BadInputError(`--days: must be a whole number from 1 to ${MAX_CALENDAR_DAYS} (got ${days})`);
  const { config, policies, ledger, clock } = ctx;
  const now = clock.now();
  const windowEnd = new Date(Date.parse(`${utcDayKey(now)}T00:00:00Z`) + days * MS_PER_DAY);

  const sourceOfSpec = new Map(config.specs.map((s) => [s.name, s.source]));
  const sourceNames = Object.keys(config.sources).sort();
  const fallback = (policyId: string) => sourceNames.find((n) => policyIdForApi(config.sources[n]!.api) === policyId) ?? sourceNames[0] ?? 'unknown';
  const asDue = (r: ActiveRecord): DueRecord => ({
    source: sourceOfSpec.get(r.provenance.specName) ?? fallback(r.policyId),
    refreshDueAt: r.refreshDueAt,
    expiresAt: r.expiresAt,
    purgePending: r.purgePending !== undefined,
    held: (r as { hold?: unknown }).hold != null,
  });
  const records: DueRecord[] = [];
  for await (const page of dueRecords(ledger, new Date(windowEnd.getTime() - 1), sweepShards(ledger))) for (const r of page.records) records.push(asDue(r));

  const purgeWithinHours = Math.max(...Object.values(policies).map((p) => p.purgeWithinHours));
  const notes: string[] = [];
  const holds = await openHolds(ctx, purgeWithinHours, notes);
  const copies: CopyItem[] = (await staleCopies(ctx, exportStoreOf(ctx))).map((s) => ({
    copyId: s.copy.copyId,
    member: s.copy.member,
    label: `${exportLabel(s.copy.name, s.copy.version)} (${s.copy.format})`,
    purgedSince: s.purgedSince,
    releaseBy: s.releaseDueAt ?? now.toISOString(),
  }));
  const publications =
    options.publications ??
    (await publicationStoreOf(ctx).list()).filter((p) => p.status === 'planned').map((p) => ({ id: p.id, title: p.title, noticeBy: p.noticeDueAt }));

  const calendar = buildCalendar({
    projectId: config.project.id,
    now,
    days,
    projectEnd: config.project.endDate,
    purgeWithinHours,
    keyPendingDays: KEY_PENDING_WINDOW_DAYS,
    records,
    holds,
    copies,
    publications,
  });
  return { kind: 'steward.calendar', version: 1, generatedAt: now.toISOString(), project: { id: config.project.id, title: config.project.title }, ...calendar, recordsRead: records.length, notes };
}

/** Open holds of the purge fuse, where the ledger keeps them (`ledger.holds`). */
async function openHolds(ctx: JobContext, fallbackHours: number, notes: string[]): Promise<HoldItem[]> {
  const store = (ctx.ledger as { holds?: Partial<HoldLister> }).holds;
  if (!store || typeof store.listHolds !== 'function') {
    notes.push('purge holds: this ledger keeps none');
    return [];
  }
  const out: HoldItem[] = [];
  for (const raw of await store.listHolds()) {
    const hold = HoldSchema.parse(raw);
    if (hold.status !== 'open' || hold.firstHeldAt === undefined) continue;
    const source = ctx.config.sources[hold.source];
    const hours = source ? ctx.policies[policyIdForApi(source.api)].purgeWithinHours : fallbackHours;
    out.push({ id: hold.id, source: hold.source, records: hold.records, decideBy: new Date(Date.parse(hold.firstHeldAt) + hours * 3_600_000).toISOString() });
  }
  return out;
}

/** Text for a terminal: one block per day. */
export function calendarText(c: CalendarReport): string {
  const lines = [`obligations of ${c.project.id} from ${c.from} to ${c.until} (project ends ${c.projectEnd}; content key deleted by ${c.keyDeletionAt.slice(0, 10)})`];
  const inWindow = c.days.filter((d) => d.day <= c.until);
  if (inWindow.every((d) => d.items.every((i) => i.kind === 'project-end' || i.kind === 'key-deletion'))) lines.push('  nothing due in this window');
  for (const d of c.days) {
    lines.push(`  ${d.day}${d.day > c.until ? ' (after the window)' : ''}`);
    for (const i of d.items) lines.push(`    ${i.at.slice(11, 16)} UTC  ${i.title}`);
  }
  for (const n of c.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
