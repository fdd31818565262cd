/**
 * Audit queries: the four questions researchers ask of the log, one page at a time.
 *
 * - `record`: the history of one record. The researcher types `PLATFORM:KIND:ID`; it is hashed with the project
 *   secret (the log holds only keyed hashes) and looked up on the `by-record` index; its collection, logged as a
 *   page event naming many records, is found in the collecting run's chain (`recordHistory`).
 * - `action`: every event of one kind in a time range (`by-time` index, filtered on action).
 * - `researcher`: everything one researcher did (`by-researcher` index).
 * - `run`: everything one run did, in order (its chain).
 *
 * Pages follow opaque cursors; `limit` bounds a page. Input is validated here (BadInputError), so the CLI fails
 * with exit 2 before it opens anything.
 */
import * as z from 'zod';
import { IsoTimeSchema as ISO } from '../domain/clock';
import { AUDIT_ACTIONS, type AuditAction, type ChainedAuditEvent } from '../domain/audit';
import { BadInputError } from '../domain/errors';
import { parseRecordKey, parseTypedRecordKey, type RecordKey } from '../domain/records';
import type { AuditPage, AuditQuery } from '../store/ports';
import { collectionEventsOf, firstSealAt } from './audit-read';
import type { JobContext } from './context';

export type AuditQuerySpec =
  | { readonly by: 'record'; readonly record: RecordKey }
  | { readonly by: 'action'; readonly action: AuditAction }
  | { readonly by: 'researcher'; readonly researcher: string }
  | { readonly by: 'run'; readonly runId: string };

export interface AuditQueryPage {
  /** Lower time bound (ISO or YYYY-MM-DD). Required with `action`. */
  readonly since?: string;
  /** Upper time bound; with `action` it defaults to now. */
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AuditQueryResult {
  readonly query: {
    readonly by: AuditQuerySpec['by'];
    /** What was asked, as typed (a record key is shown with the hash it was looked up by). */
    readonly value: string;
    readonly recordHash?: string;
    readonly since?: string;
    readonly until?: string;
  };
  readonly events: readonly ChainedAuditEvent[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly cursor?: string;
}


/** The CLI's options, as commander hands them over. */
export const AuditOptionsSchema = z
  .object({
    record: z.string().min(1).optional(),
    action: z.enum(AUDIT_ACTIONS, { message: `must be one of ${AUDIT_ACTIONS.join(', ')}` }).optional(),
    researcher: z.string().min(1).max(64).optional(),
    run: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'must be a run id such as collect-20260301T120000Z-abc123' }).optional(),
    since: ISO.optional(),
    until: ISO.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();
export type AuditOptions = z.infer<typeof AuditOptionsSchema>;

/** Exactly one question, and what it needs: throws BadInputError naming the option to fix. */
export function auditQueryOf(options: AuditOptions): { spec: AuditQuerySpec; page: AuditQueryPage } {
  const chosen = (['record', 'action', 'researcher', 'run'] as const).filter((k) => options[k] !== undefined);
  if (chosen.length !== 1) {
    throw new BadInputError(
      chosen.length === 0
        ? 'say what to look for: --record PLATFORM:KIND:ID, --action ACTION --since ISO [--until ISO], --researcher NAME or --run ID'
        : `ask one question at a time: got ${chosen.map((k) => `--${k}`).join(' and ')}`,
    );
  }
  let spec: AuditQuerySpec;
  if (options.record !== undefined) {
    try {
      parseTypedRecordKey(options.record);
    } catch (error) {
      throw new BadInputError(`--record: ${(error as Error).message}`);
    }
    spec = { by: 'record', record: options.record };
  } else if (options.action !== undefined) {
    if (options.since === undefined) throw new BadInputError('--action needs --since ISO (and optionally --until ISO, default now)');
    spec = { by: 'action', action: options.action };
  } else if (options.researcher !== undefined) {
    spec = { by: 'researcher', researcher: options.researcher };
  } else {
    spec = { by: 'run', runId: options.run! };
  }
  if (options.since !== undefined && options.until !== undefined && Date.parse(options.since) > Date.parse(options.until)) {
    throw new BadInputError(`--since (${options.since}) is after --until (${options.until})`);
  }
  const page: AuditQueryPage = {
    limit: options.limit,
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
  };
  return { spec, page };
}

/** One page of the answer. */
export async function queryAudit(ctx: JobContext, spec: AuditQuerySpec, page: AuditQueryPage = {}): Promise<AuditQueryResult> {
  const window = { ...(page.since !== undefined ? { since: page.since } : {}), ...(page.until !== undefined ? { until: page.until } : {}) };
  const query = { ...window, ...(page.limit !== undefined ? { limit: page.limit } : {}), ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) };
  let answer: AuditPage;
  let described: AuditQueryResult['query'];
  switch (spec.by) {
    case 'record': {
      const recordHash = ctx.hasher.hash(spec.record);
      answer = await recordHistory(ctx, spec.record, recordHash, query);
      described = { by: 'record', value: spec.record, recordHash, ...window };
      break;
    }
    case 'action': {
      if (page.since === undefined) throw new BadInputError('an action query needs since');
      const until = page.until ?? ctx.clock.now().toISOString();
      // The time index is walked day by day: from no earlier than the log starts, to no later than tomorrow.
      const first = await firstSealAt(ctx.audit);
      const start = first !== undefined && Date.parse(page.since) < Date.parse(first.slice(0, 10)) ? first.slice(0, 10) : page.since;
      const latest = ctx.clock.now().getTime() + 86_400_000;
      const end = Date.parse(until) > latest ? new Date(latest).toISOString() : until;
      answer = await ctx.audit.byAction(spec.action, { ...query, since: start, until: Date.parse(end) < Date.parse(start) ? start : end });
      described = { by: 'action', value: spec.action, since: page.since, until };
      break;
    }
    case 'researcher':
      answer = await ctx.audit.byActor(spec.researcher, query);
      described = { by: 'researcher', value: spec.researcher, ...window };
      break;
    case 'run':
      answer = await ctx.audit.byChain(spec.runId, query);
      described = { by: 'run', value: spec.runId, ...window };
      break;
  }
  return { query: described, events: answer.events, ...(answer.cursor !== undefined ? { cursor: answer.cursor } : {}) };
}

/** Every page of a question (for reports and certificates; the CLI pages instead). */
export async function queryAuditAll(ctx: JobContext, spec: AuditQuerySpec, page: Omit<AuditQueryPage, 'cursor' | 'limit'> = {}): Promise<ChainedAuditEvent[]> {
  const events: ChainedAuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const result = await queryAudit(ctx, spec, { ...page, limit: 1000, ...(cursor ? { cursor } : {}) });
    events.push(...result.events);
    cursor = result.cursor;
  } while (cursor);
  return events;
}

/** Events in time order, then chain, then seq (the order every audit answer uses). */
function byTime(a: ChainedAuditEvent, b: ChainedAuditEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.chainId !== b.chainId) return a.chainId < b.chainId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * One page of a record's history: the `by-record` index, plus (on the first page) the page event that logged its
 * collection, which names many records and so sits in no per-record index. It is found in the collecting run's
 * chain: the active record's `provenance.runId`, or `collectedIn` on its purge event once it is gone. Older logs
 * hold a one-record `record.collected` event in the index itself; then nothing is added. The collection is the
 * record's first event, so it leads the first page (which may then hold `limit` index events plus it, when
 * `limit` is 1).
 */
export async function recordHistory(ctx: JobContext, key: RecordKey, recordHash: string, query: AuditQuery): Promise<AuditPage> {
  if (query.cursor !== undefined) return ctx.audit.byRecord(recordHash, query);
  const chains = new Set<string>();
  let indexed = false;
  let cursor: string | undefined;
  do {
    const page = await ctx.audit.byRecord(recordHash, { limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const e of page.events) {
      if (e.action === 'record.collected') indexed = true;
      if (e.action === 'record.purged' && typeof e.evidence?.collectedIn === 'string') chains.add(e.evidence.collectedIn);
    }
    cursor = page.cursor;
  } while (cursor);
  if (!indexed) {
    const record = (await ctx.ledger.getRecords([parseRecordKey(key)])).get(key);
    if (record?.status === 'active') chains.add(record.provenance.runId);
  }
  // A bound that is not a time is refused by the index query below, with its message.
  const iso = (v: string | undefined) => (v === undefined || Number.isNaN(Date.parse(v)) ? undefined : new Date(Date.parse(v)).toISOString());
  const since = iso(query.since);
  const until = iso(query.until);
  const collected: ChainedAuditEvent[] = [];
  if (!indexed) {
    for (const chainId of [...chains].sort()) {
      for (const e of await collectionEventsOf(ctx.audit, chainId, recordHash)) {
        if ((since === undefined || e.at >= since) && (until === undefined || e.at <= until)) collected.push(e);
      }
    }
  }
  const limit = query.limit ?? 100;
  const page = await ctx.audit.byRecord(recordHash, { ...query, limit: Math.max(1, limit - collected.length) });
  return { ...page, events: [...collected, ...page.events].sort(byTime) };
}
