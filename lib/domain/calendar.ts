/**
 * The lab's obligations as dated items: what must be done by when, beyond the sweeps that do most of it.
 *
 * Each item is one obligation on one UTC day: refresh deadlines (records of one source whose refresh deadline falls
 * that day), expiries, the project end, open purge holds (the PI must decide within the purge window), pulled
 * copies to replace, publication notices, and the content key's deletion after the project end. Items hold counts,
 * sources and dates only, never a record. Their `uid` depends only on what the obligation is (kind, day, source or
 * object), never on its counts, so a calendar imported again updates its events instead of duplicating them.
 */
import { MS_PER_DAY, utcDayKey } from './clock';

/** KMS's pending window after the content key's deletion is scheduled (lambdas/shared/kms-key-manager.ts). */
export const KEY_PENDING_WINDOW_DAYS = 30;

export const CALENDAR_KINDS = ['overdue-refresh', 'refresh-deadline', 'expiry', 'project-end', 'hold-decision', 'copy-replacement', 'publication-notice', 'key-deletion'] as const;
export type CalendarKind = (typeof CALENDAR_KINDS)[number];

export interface CalendarItem {
  readonly kind: CalendarKind;
  /** UTC day (YYYY-MM-DD). */
  readonly day: string;
  /** When it is due (UTC instant): the earliest deadline of the day for grouped items. */
  readonly at: string;
  readonly title: string;
  readonly detail: string;
  /** Records (or rows) the item concerns. */
  readonly count?: number;
  readonly source?: string;
  /** Stable across runs: kind, day and what it is about (see the module comment). */
  readonly uid: string;
}

export interface CalendarDay {
  readonly day: string;
  readonly items: readonly CalendarItem[];
}

/** A record as the calendar needs it: which source, its deadlines. */
export interface DueRecord {
  readonly source: string;
  readonly refreshDueAt: string;
  readonly expiresAt: string;
  /** A purge has begun (its deadline is the purge's, not the refresh's). */
  readonly purgePending: boolean;
  /** Held by the purge fuse: no refresh is due while held; its hold is the obligation. */
  readonly held: boolean;
}

export interface HoldItem {
  readonly id: string;
  readonly source: string;
  readonly records: number;
  /** When the PI's decision is due (first held record + purge window). */
  readonly decideBy: string;
}

export interface CopyItem {
  readonly copyId: string;
  readonly member: string;
  readonly label: string;
  readonly purgedSince: number;
  readonly releaseBy: string;
}

export interface PublicationItem {
  readonly id: string;
  readonly title: string;
  readonly noticeBy: string;
}

export interface CalendarInput {
  readonly projectId: string;
  readonly now: Date;
  /** Days from today shown (today included). */
  readonly days: number;
  /** Project end (YYYY-MM-DD, 00:00 UTC). */
  readonly projectEnd: string;
  /** Longest purge window of the policies: expire purges everything within it after the end. */
  readonly purgeWithinHours: number;
  /** The KMS pending window after the key's deletion is scheduled. */
  readonly keyPendingDays: number;
  readonly records: Iterable<DueRecord>;
  readonly holds?: readonly HoldItem[];
  readonly copies?: readonly CopyItem[];
  readonly publications?: readonly PublicationItem[];
}

export interface Calendar {
  readonly from: string;
  readonly until: string;
  readonly projectEnd: string;
  /** When the content key is deleted at the latest: project end + purge window + KMS pending window. */
  readonly keyDeletionAt: string;
  readonly items: readonly CalendarItem[];
  /** Days with at least one item, in order. */
  readonly days: readonly CalendarDay[];
}

/** The uid's domain part: the project, so two projects' calendars never collide in one calendar app. */
const uidOf = (projectId: string, ...parts: string[]) => `${parts.join('-').replace(/[^A-Za-z0-9-]/g, '_')}@${projectId}.steward`;
const dayOf = (iso: string) => iso.slice(0, 10);

/** Items of every obligation from today for `days` days (overdue refreshes on today; milestones whenever they fall). */
export function buildCalendar(input: CalendarInput): Calendar {
  const { now, projectId } = input;
  const from = utcDayKey(now);
  const untilMs = Date.parse(`${from}T00:00:00Z`) + input.days * MS_PER_DAY;
  const until = utcDayKey(new Date(untilMs - 1));
  const inWindow = (iso: string) => {
    const t = Date.parse(iso);
    return dayOf(iso) >= from && t < untilMs;
  };
  const nowMs = now.getTime();
  const items: CalendarItem[] = [];

  // Refresh deadlines and expiries, per source and day; overdue ones on today.
  const refresh = new Map<string, { source: string; day: string; at: string; count: number }>();
  const expiry = new Map<string, { source: string; day: string; at: string; count: number }>();
  const overdue = new Map<string, { at: string; count: number }>();
  const bump = (m: Map<string, { source: string; day: string; at: string; count: number }>, source: string, at: string) => {
    const key = `${dayOf(at)}|${source}`;
    const cur = m.get(key);
    if (!cur) m.set(key, { source, day: dayOf(at), at, count: 1 });
    else m.set(key, { ...cur, count: cur.count + 1, at: at < cur.at ? at : cur.at });
  };
  for (const r of input.records) {
    if (inWindow(r.expiresAt)) bump(expiry, r.source, r.expiresAt);
    if (r.purgePending || r.held || Date.parse(r.expiresAt) <= Date.parse(r.refreshDueAt)) continue;
    if (Date.parse(r.refreshDueAt) < nowMs) {
      const cur = overdue.get(r.source);
      overdue.set(r.source, { at: cur && cur.at < r.refreshDueAt ? cur.at : r.refreshDueAt, count: (cur?.count ?? 0) + 1 });
    } else if (inWindow(r.refreshDueAt)) bump(refresh, r.source, r.refreshDueAt);
  }
  for (const [source, o] of overdue) {
    items.push({
      kind: 'overdue-refresh',
      day: from,
      at: now.toISOString(),
      title: `OVERDUE: ${o.count} refresh(es) of source ${source}`,
      detail: `${o.count} record(s) of source ${source} passed their refresh deadline (the first at ${o.at}); run steward refresh now`,
      count: o.count,
      source,
      uid: uidOf(projectId, 'overdue-refresh', from, source),
    });
  }
  for (const g of refresh.values()) {
    items.push({
      kind: 'refresh-deadline',
      day: g.day,
      at: g.at,
      title: `Refresh deadline: ${g.count} record(s) of source ${g.source}`,
      detail: `${g.count} record(s) of source ${g.source} must be refreshed by the end of their deadline (the first at ${g.at}); the scheduled sweep starts them earlier`,
      count: g.count,
      source: g.source,
      uid: uidOf(projectId, 'refresh', g.day, g.source),
    });
  }
  for (const g of expiry.values()) {
    items.push({
      kind: 'expiry',
      day: g.day,
      at: g.at,
      title: `Expiry: ${g.count} record(s) of source ${g.source} must be purged`,
      detail: `${g.count} record(s) of source ${g.source} reach the project end or their maximum retention (the first at ${g.at}); steward expire purges them`,
      count: g.count,
      source: g.source,
      uid: uidOf(projectId, 'expiry', g.day, g.source),
    });
  }
  for (const h of input.holds ?? []) {
    const day = Date.parse(h.decideBy) < nowMs ? from : dayOf(h.decideBy);
    if (day > until) continue;
    items.push({
      kind: 'hold-decision',
      day,
      at: h.decideBy,
      title: `Decide purge hold ${h.id} (${h.records} record(s) of source ${h.source})`,
      detail: `The purge fuse holds ${h.records} record(s) of source ${h.source}; decide by ${h.decideBy}: steward purge release ${h.id} or steward purge dismiss ${h.id}`,
      count: h.records,
      source: h.source,
      uid: uidOf(projectId, 'hold', h.id),
    });
  }
  for (const c of input.copies ?? []) {
    const day = Date.parse(c.releaseBy) < nowMs ? from : dayOf(c.releaseBy);
    if (day > until) continue;
    items.push({
      kind: 'copy-replacement',
      day,
      at: c.releaseBy,
      title: `Replace pulled copy ${c.label} of ${c.member} (${c.purgedSince} record(s) purged since)`,
      detail: `${c.member} holds ${c.label} (copy ${c.copyId}), from which ${c.purgedSince} record(s) were purged: delete it and pull the current version by ${c.releaseBy}, then steward export release --copy ${c.copyId}`,
      count: c.purgedSince,
      uid: uidOf(projectId, 'copy', c.copyId),
    });
  }
  for (const p of input.publications ?? []) {
    const day = Date.parse(p.noticeBy) < nowMs ? from : dayOf(p.noticeBy);
    if (day > until) continue;
    items.push({
      kind: 'publication-notice',
      day,
      at: p.noticeBy,
      title: `Publication notice due: ${p.title}`,
      detail: `Give the platform advance notice of the publication "${p.title}" (${p.id}) by ${p.noticeBy}`,
      uid: uidOf(projectId, 'publication', p.id),
    });
  }
  // Milestones, whenever they fall.
  const endAt = `${input.projectEnd}T00:00:00.000Z`;
  const keyAt = new Date(Date.parse(endAt) + input.purgeWithinHours * 3_600_000 + input.keyPendingDays * MS_PER_DAY).toISOString();
  items.push({
    kind: 'project-end',
    day: input.projectEnd,
    at: endAt,
    title: 'Project end: every record must be purged',
    detail: `The project ends ${input.projectEnd}: steward expire purges every record (within ${input.purgeWithinHours} h) and then schedules the content key's deletion`,
    uid: uidOf(projectId, 'project-end'),
  });
  items.push({
    kind: 'key-deletion',
    day: dayOf(keyAt),
    at: keyAt,
    title: 'Content key deleted (crypto-shredding)',
    detail: `At the latest: the project end, the purge window (${input.purgeWithinHours} h) and KMS's ${input.keyPendingDays}-day pending window after steward expire schedules the deletion; any copy that escaped the purge becomes unreadable`,
    uid: uidOf(projectId, 'key-deletion'),
  });

  items.sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : CALENDAR_KINDS.indexOf(a.kind) - CALENDAR_KINDS.indexOf(b.kind) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)));
  const days: CalendarDay[] = [];
  for (const item of items) {
    const last = days[days.length - 1];
    if (last && last.day === item.day) (last.items as CalendarItem[]).push(item);
    else days.push({ day: item.day, items: [item] });
  }
  return { from, until, projectEnd: input.projectEnd, keyDeletionAt: keyAt, items, days };
}
