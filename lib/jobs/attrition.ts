/**
 * `steward report attrition`: how much of each spec's sample left the store, why, and how fast by age since
 * posting (domain/attrition.ts holds the estimator and its conventions).
 *
 * Read without a Scan: active and held records through the due index (every shard, far-future bound), removed
 * records through the `record.purged` events of the audit log (one per purged record; a record purged twice counts
 * once, at its first purge). A purge event carries the record's spec and, since attrition was added, its age in
 * whole hours at the purge and at its last confirmation (`evidence.ageHours`, `evidence.lastSeenAgeHours`); a purge
 * written before that has no age and counts in the shares only. Content-free: counts and ages.
 */
import { type ChainedAuditEvent, recordHashesOf } from '../domain/audit';
import {
  ageHoursAt,
  attritionShares,
  kaplanMeier,
  outcomeOfReason,
  totalShare,
  type AttritionShare,
  type AttritionSubject,
  type SurvivalCurve,
} from '../domain/attrition';
import { BadInputError } from '../domain/errors';
import { RECORD_KINDS, type ActiveRecord, type RecordKind } from '../domain/records';
import type { JobContext } from './context';
import { allActiveRecords, eventsOf, readAuditLog } from './audit-read';

export interface AttritionReport {
  readonly kind: 'steward.attrition-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly project: { readonly id: string; readonly title: string };
  /** The spec asked for, or null for every spec. */
  readonly spec: string | null;
  /** Per spec and kind (the table and the stacked bars). */
  readonly shares: readonly AttritionShare[];
  /** Per kind over the specs shown (spec `*`). */
  readonly totals: readonly AttritionShare[];
  /** Kaplan-Meier survival by age since posting: all records with a posting time, then each such kind. */
  readonly survival: readonly SurvivalCurve[];
  readonly notes: readonly string[];
}

export interface AttritionOptions {
  /** One spec's records only (a spec of the config, or one the ledger or log still names). */
  readonly spec?: string;
  /** Events already read (the compliance report passes its own, so the log is read once). */
  readonly events?: readonly ChainedAuditEvent[];
  readonly active?: readonly ActiveRecord[];
}

const NOTES = [
  'shares: of the records collected, still active, held by the purge fuse, or removed by reason (unavailable on the platform, erasure, expired, cascade = removed with its parent)',
  'survival: Kaplan-Meier estimate of staying available on the platform by age since posting; event = confirmed unavailable (at the age the purge found it), every other record censored at its last confirmation',
  'records without a posting time (accounts, ads) and purges recorded before ages were kept count in the shares only',
];

/** A held record: the purge fuse's mark (`hold`) on an active ledger item. */
const isHeld = (r: ActiveRecord): boolean => (r as { hold?: unknown }).hold !== undefined && (r as { hold?: unknown }).hold !== null;

/** Every collected record as an attrition subject (content-free). */
export function attritionSubjects(events: readonly ChainedAuditEvent[], active: readonly ActiveRecord[]): AttritionSubject[] {
  const subjects: AttritionSubject[] = [];
  for (const r of active) {
    const ageHours = ageHoursAt(r.platformCreatedAt, r.lastSeenAt);
    subjects.push({ spec: r.provenance.specName, kind: r.ref.kind, outcome: isHeld(r) ? 'held' : 'active', ...(ageHours !== undefined ? { ageHours } : {}) });
  }
  const specOfHash = new Map<string, string>();
  const collected = new Set<string>();
  for (const e of events) {
    if (e.action !== 'record.collected') continue;
    for (const hash of recordHashesOf(e)) {
      collected.add(hash);
      if (e.specName && !specOfHash.has(hash)) specOfHash.set(hash, e.specName);
    }
  }
  const seen = new Set<string>();
  for (const e of events) {
    if (e.action !== 'record.purged' || !e.recordHash || !e.kind || seen.has(e.recordHash)) continue;
    // An erasure tombstones its target even when no spec ever stored it (an account erased by username, with no
    // user spec): it was never collected, so it is no part of any spec's sample.
    if (e.specName === undefined && !collected.has(e.recordHash)) continue;
    const outcome = outcomeOfReason(e.reason ?? '');
    if (!outcome) continue;
    seen.add(e.recordHash);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    // The event for an unavailable record is timed at the purge; any other purge censors at the last confirmation.
    const ageHours = outcome === 'unavailable' ? num(e.evidence?.ageHours) : (num(e.evidence?.lastSeenAgeHours) ?? num(e.evidence?.ageHours));
    subjects.push({ spec: e.specName ?? specOfHash.get(e.recordHash) ?? 'unknown', kind: e.kind, outcome, ...(ageHours !== undefined ? { ageHours } : {}) });
  }
  return subjects;
}

/** The figures from subjects (pure: tests and the compliance report call it). */
export function attritionFigures(subjects: readonly AttritionSubject[]): Pick<AttritionReport, 'shares' | 'totals' | 'survival'> {
  const shares = attritionShares(subjects);
  const totals = RECORD_KINDS.map((kind) => totalShare('*', kind, shares.filter((s) => s.kind === kind))).filter((t) => t.collected > 0);
  const kinds = RECORD_KINDS.filter((k) => subjects.some((s) => s.kind === k && s.ageHours !== undefined));
  const survival = [kaplanMeier('all', subjects), ...kinds.map((k: RecordKind) => kaplanMeier(k, subjects.filter((s) => s.kind === k)))];
  return { shares, totals, survival };
}

export async function attritionReport(ctx: JobContext, options: AttritionOptions = {}): Promise<AttritionReport> {
  const { config, clock } = ctx;
  const events = options.events ?? eventsOf(await readAuditLog(ctx.audit));
  const active = options.active ?? (await allActiveRecords(ctx.ledger));
  let subjects = attritionSubjects(events, active);
  if (options.spec !== undefined) {
    const known = new Set([...config.specs.map((s) => s.name), ...subjects.map((s) => s.spec)]);
    if (!known.has(options.spec)) {
      throw new BadInputError(`--spec: no spec "${options.spec}" in the config or the ledger`, [`use one of: ${[...known].sort().join(', ') || '(none yet)'}`]);
    }
    subjects = subjects.filter((s) => s.spec === options.spec);
  }
  return {
    kind: 'steward.attrition-report',
    version: 1,
    generatedAt: clock.now().toISOString(),
    project: { id: config.project.id, title: config.project.title },
    spec: options.spec ?? null,
    ...attritionFigures(subjects),
    notes: NOTES,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Text for a terminal: the shares table, then survival at fixed ages. */
export function attritionText(r: AttritionReport): string {
  const lines = [`attrition ${r.project.id} at ${r.generatedAt}${r.spec ? ` (spec ${r.spec})` : ''}`];
  if (r.shares.length === 0) return [...lines, '  nothing collected yet'].join('\n');
  lines.push('  spec / kind                      collected   active     held  unavail.  erasure  expired  cascade  removed');
  for (const s of [...r.shares, ...r.totals]) {
    lines.push(
      `  ${`${s.spec} / ${s.kind}`.padEnd(32)} ${String(s.collected).padStart(9)} ${[s.shares.active, s.shares.held, s.shares.unavailable, s.shares.erasure, s.shares.expired, s.shares.cascade, s.removedShare]
        .map((x) => pct(x).padStart(8))
        .join(' ')}`,
    );
  }
  lines.push('  survival by age since posting (Kaplan-Meier; - = past the last observation)');
  const header = r.survival[0]?.at.map((a) => `${a.ageDays} d`.padStart(8)).join(' ') ?? '';
  lines.push(`  ${'group'.padEnd(10)} ${'records'.padStart(8)} ${'removed'.padStart(8)} ${header}   median`);
  for (const c of r.survival) {
    lines.push(
      `  ${c.group.padEnd(10)} ${String(c.subjects).padStart(8)} ${String(c.events).padStart(8)} ${c.at.map((a) => (a.survival === null ? '-' : pct(a.survival)).padStart(8)).join(' ')}   ${c.medianDays === null ? 'not reached' : `${c.medianDays} d`}`,
    );
  }
  return lines.join('\n');
}

/** CSV: one row per spec and kind (then the totals), counts and shares. */
export function attritionCsv(r: AttritionReport): string {
  const outcomes = ['active', 'held', 'unavailable', 'erasure', 'expired', 'cascade'] as const;
  const head = ['spec', 'kind', 'collected', ...outcomes, ...outcomes.map((o) => `${o}_share`), 'removed_share'];
  const esc = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = [...r.shares, ...r.totals].map((s) => [s.spec, s.kind, s.collected, ...outcomes.map((o) => s.counts[o]), ...outcomes.map((o) => s.shares[o]), s.removedShare].map(esc).join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}
