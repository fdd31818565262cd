/**
 * The parts of the compliance report a principal investigator signs, from the audit log alone:
 * - the status badge: compliant only when nothing is overdue AND every refresh in the period was on time; else the
 *   share on time, in words;
 * - the corpus over the whole project, per UTC day and kind: collected, refreshed, purged by reason, and the active
 *   records at the end of the day (collected minus purged so far);
 * - who did what: per member (researcher actors), the count of each action they took (erasures filed, exports
 *   created, pulled and released, runs started by hand, and any action added later, such as queries).
 * Counts only; members are the lab's own names from the config, never platform accounts.
 */
import { type ChainedAuditEvent, recordHashesOf } from '../../domain/audit';
import { MS_PER_DAY, utcDayKey } from '../../domain/clock';
import { PURGE_REASONS, RECORD_KINDS, type PurgeReason, type RecordKind } from '../../domain/records';

export interface ComplianceBadge {
  readonly compliant: boolean;
  /** One sentence for the badge. */
  readonly text: string;
  /** Share of classified refreshes on time (1 when there were none). */
  readonly onTimeShare: number;
}

export function complianceBadge(input: { overdue: number; onTime: number; late: number; unknown: number; staleCopiesOverdue?: number }): ComplianceBadge {
  const classified = input.onTime + input.late;
  const onTimeShare = classified === 0 ? 1 : input.onTime / classified;
  const shareText = `${(onTimeShare * 100).toFixed(1)} % of refreshes were on time (${input.onTime} of ${classified})`;
  const overdueText = input.overdue === 0 ? 'nothing is overdue' : `${input.overdue} obligation(s) overdue`;
  const compliant = input.overdue === 0 && input.late === 0;
  if (compliant) return { compliant, onTimeShare, text: `Compliant: nothing is overdue and every refresh was on time (${classified} refresh(es)).` };
  return { compliant, onTimeShare, text: `Not compliant: ${shareText}; ${overdueText}.` };
}

type Kinds = Record<RecordKind, number>;
const zeroKinds = (): Kinds => Object.fromEntries(RECORD_KINDS.map((k) => [k, 0])) as Kinds;

export interface TimelineDay {
  readonly day: string;
  /** Active at the end of the day, by kind. */
  readonly active: Kinds;
  readonly collected: Kinds;
  readonly refreshed: Kinds;
  readonly purged: Kinds;
  readonly purgedByReason: Record<PurgeReason, number>;
}

/** Every UTC day from the first event to `today` (at most `maxDays`, the latest kept). */
export function corpusTimeline(events: readonly ChainedAuditEvent[], today: string, maxDays = 731): TimelineDay[] {
  const byDay = new Map<string, { collected: Kinds; refreshed: Kinds; purged: Kinds; reasons: Record<PurgeReason, number> }>();
  const dayEntry = (day: string) => {
    let d = byDay.get(day);
    if (!d) byDay.set(day, (d = { collected: zeroKinds(), refreshed: zeroKinds(), purged: zeroKinds(), reasons: Object.fromEntries(PURGE_REASONS.map((r) => [r, 0])) as Record<PurgeReason, number> }));
    return d;
  };
  const purgedOnce = new Set<string>();
  let first: string | undefined;
  for (const e of events) {
    if (!e.kind) continue;
    const day = e.at.slice(0, 10);
    if (e.action === 'record.collected') dayEntry(day).collected[e.kind] += recordHashesOf(e).length;
    else if (e.action === 'record.refreshed' || e.action === 'record.changed') dayEntry(day).refreshed[e.kind] += 1;
    else if (e.action === 'record.purged' && e.recordHash && !purgedOnce.has(e.recordHash)) {
      purgedOnce.add(e.recordHash);
      const d = dayEntry(day);
      d.purged[e.kind] += 1;
      if ((PURGE_REASONS as readonly string[]).includes(e.reason ?? '')) d.reasons[e.reason as PurgeReason] += 1;
    } else continue;
    if (first === undefined || day < first) first = day;
  }
  if (first === undefined) return [];
  const out: TimelineDay[] = [];
  const active = zeroKinds();
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${today}T00:00:00Z`); t += MS_PER_DAY) {
    const day = utcDayKey(new Date(t));
    const d = byDay.get(day) ?? dayEntry(day);
    for (const k of RECORD_KINDS) active[k] = Math.max(0, active[k] + d.collected[k] - d.purged[k]);
    out.push({ day, active: { ...active }, collected: d.collected, refreshed: d.refreshed, purged: d.purged, purgedByReason: d.reasons });
  }
  return out.slice(-maxDays);
}

export interface MemberActivity {
  readonly member: string;
  /** Count per audit action (erasure.requested, export.pulled, export.released, run.started, ...). */
  readonly actions: Readonly<Record<string, number>>;
}

/** Actions of the lab's members (researcher actors), record-level events apart (those belong to runs). */
export function memberActivity(events: readonly ChainedAuditEvent[]): MemberActivity[] {
  const members = new Map<string, Record<string, number>>();
  for (const e of events) {
    if (e.actor.type !== 'researcher' || e.action.startsWith('record.') || e.action === 'run.finished' || e.action === 'run.interrupted') continue;
    const counts = members.get(e.actor.name) ?? {};
    counts[e.action] = (counts[e.action] ?? 0) + 1;
    members.set(e.actor.name, counts);
  }
  return [...members.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([member, actions]) => ({ member, actions }));
}

/** The action columns of the member table: the ones the brief names first, then any other seen. */
export function memberColumns(rows: readonly MemberActivity[]): string[] {
  const known = ['erasure.requested', 'export.created', 'export.pulled', 'export.released', 'publication.added', 'publication.done', 'run.started'];
  const seen = new Set(rows.flatMap((r) => Object.keys(r.actions)));
  return [...known.filter((a) => seen.has(a)), ...[...seen].filter((a) => !known.includes(a)).sort()];
}
