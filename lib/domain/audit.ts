/**
 * Audit events: who did what to which record, when, why, on what evidence. Content-free by construction:
 * records appear only as keyed hashes, and evidence holds platform log ids, counts and reasons.
 *
 * Events form hash chains, one per writer (a run, an erasure request), so concurrent writers never contend for
 * one head item, while any edit, deletion or reordering inside a chain breaks the recomputed hashes.
 *
 * Whole chains are protected by the seal log, a second hash chain (one `seals` partition) whose entries commit
 * to chain heads. A seal `{seq, chainId, chainSeq, chainHash, kind, prevHash, hash}` is written
 * - `open`: when a writer opens (or resumes) a chain, committing to the head it starts from (seq 0 for a new
 *   chain), so a chain exists in the seal log before its first event;
 * - `close`: in the same DynamoDB transaction as the events of the append that carries `run.finished`, so a
 *   finished chain is never left unsealed, even after a crash;
 * - `checkpoint`: when a writer calls `seal()` explicitly (a writer that ends without `run.finished`).
 * Seals are appended with a conditional put on the next seal seq (compare-and-swap, retried on conflict). Only
 * opens and closes touch the seal log, a few writes per run, never the per-event appends, so event appends stay
 * free of any shared hot item.
 *
 * What `verifyAuditLog` then detects (see lib/jobs/verify.ts):
 * - an edited, deleted, inserted or reordered event inside a chain: `verifyChain` (hash, seq, prevHash);
 * - the last events of a finished chain deleted: its `close` seal names a seq and hash that no longer exist;
 * - a whole chain deleted (events and registry item): its seals still name it;
 * - a seal deleted or edited: the seal log's own chain breaks; a finished chain without its `close` seal;
 * - a chain that has events but no seal, or a registry item removed.
 * Limits of the table alone: the newest seals can be cut off together with everything they cover (tail
 * truncation, inherent in any hash chain), and a writer that recomputes every later hash (full write access and
 * this code) rewrites the log consistently. Both are caught by the seal anchors: every seal is also written,
 * signed, outside the table (write-once; domain/seal-anchor.ts), and `verify` holds the table against them. A chain whose writer died between opening it and its first append looks like a chain whose events were
 * deleted: `verify` reports it, and the run's ledger item (status `running`) tells the two apart.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson, legacyCanonicalJson } from './canonical';
import { RECORD_KINDS } from './records';

export const AUDIT_ACTIONS = [
  'run.started',
  'run.finished',
  /** A run whose writer died before `run.finished`, closed by a later run (jobs/runs.ts); it also seals the chain. */
  'run.interrupted',
  'record.collected',
  'record.changed',
  'record.refreshed',
  'record.missed',
  'record.purged',
  'erasure.requested',
  'policy.changed',
  'expiry.started',
  'key.deletion-scheduled',
  'export.created',
  'export.rebuilt',
  'export.pulled',
  'export.released',
  /** A SQL query over the exports (`steward query`): actor, keyed SQL digest, views read, rows returned; never the SQL. */
  'query.run',
  'collect.refused',
  'purge.held',
  'purge.released',
  'purge.dismissed',
  /** A publication planned / out (`steward publication add|done`): the id's keyed hash, export version, planned date; never the title. */
  'publication.added',
  'publication.done',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** A plain value: evidence and counts never hold nested content. */
const Scalar = z.union([z.string().max(256), z.number(), z.boolean()]);

export const AuditEventSchema = z
  .object({
    at: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ type: z.enum(['schedule', 'researcher']), name: z.string().max(64) }).strict(),
    runId: z.string().max(64),
    /** Keyed hash of the record key (see hashing.ts); never the id itself. */
    recordHash: z.string().regex(/^[0-9a-f]{32}$/).optional(),
    /**
     * A page event instead of one event per record: the keyed hashes of up to RECORDS_PER_EVENT records the event
     * is about (only `record.collected`, written once per collected page and kind). Such an event names no single
     * record, so it is in no per-record index: a record's history finds it through the collecting run's chain
     * (`provenance.runId`, or `collectedIn` on the purge event). Read with `recordHashesOf`.
     */
    recordHashes: z.array(z.string().regex(/^[0-9a-f]{32}$/)).min(1).max(100).optional(),
    kind: z.enum(RECORD_KINDS).optional(),
    specName: z.string().max(64).optional(),
    reason: z.string().max(256).optional(),
    evidence: z.record(z.string(), Scalar).optional(),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** Most record hashes one page event (`recordHashes`) holds. */
export const RECORDS_PER_EVENT = 100;

/** The records an event is about: its `recordHash`, or every hash of a page event; none for other events. */
export function recordHashesOf(event: Pick<AuditEvent, 'recordHash' | 'recordHashes'>): readonly string[] {
  if (event.recordHash !== undefined) return [event.recordHash];
  return event.recordHashes ?? [];
}

/** An event as stored: its place in its chain and the hash that commits to everything before it. */
export interface ChainedAuditEvent extends AuditEvent {
  readonly chainId: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Actions that end a chain: the append that carries one also writes the chain's `close` seal, atomically. */
export const CLOSING_ACTIONS: ReadonlySet<AuditAction> = new Set<AuditAction>(['run.finished', 'run.interrupted']);

/**
 * Hashes are SHA-256 over RFC 8785 canonical JSON (domain/canonical.ts). Events and seals written before Steward
 * adopted RFC 8785 were hashed over a home-made form (`legacyCanonicalJson`); on every value an event or seal can
 * hold (content-free strings, finite numbers, booleans, objects of those; `AuditEventSchema` admits nothing else)
 * the two forms are the same bytes, so those old hashes verify unchanged with no marker on the items
 * (test/unit/audit-canonical.test.ts recomputes a chain hashed by the old function). Should a stored item ever
 * hold a value the RFC refuses (NaN, Infinity), `hashOf` falls back to the old form, which is what hashed it.
 */
export { canonicalJson };

function hashOf(value: unknown): string {
  let text: string;
  try {
    text = canonicalJson(value);
  } catch {
    text = legacyCanonicalJson(value);
  }
  return createHash('sha256').update(text).digest('hex');
}

/** The hash of an event at position `seq` of `chainId` after `prevHash`. */
export function chainHash(event: AuditEvent, chainId: string, seq: number, prevHash: string): string {
  return hashOf({ ...event, chainId, seq, prevHash });
}

/**
 * What a chained event's `hash` must be: `chainHash` of its body (every member but `hash`) at its `chainId`, `seq`
 * and `prevHash`, the same bytes, computed without copying the event. A verify of 100k events made two copies per
 * event, which V8 kept in old space (~1 KB per event) until a full collection. RFC 8785 writes an object's members
 * sorted by UTF-16 code units, `"key":value`, comma-separated, leaving out undefined ones: the top level is written
 * that way here and every value by canonicalJson; anything else (a value the RFC refuses, a `toJSON`) goes the
 * way of `chainHash`.
 */
export function linkedHashOf(event: ChainedAuditEvent): string {
  const members = event as unknown as Record<string, unknown>;
  try {
    if (typeof members.toJSON === 'function') throw new TypeError('toJSON');
    let text = '';
    for (const key of Object.keys(members).sort()) {
      const value = members[key];
      if (key === 'hash' || value === undefined || typeof value === 'symbol') continue;
      text += `${text.length === 0 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(value)}`;
    }
    return createHash('sha256').update(`{${text}}`).digest('hex');
  } catch {
    const { chainId, seq, prevHash, hash: _hash, ...body } = event;
    return chainHash(body, chainId, seq, prevHash);
  }
}

/** Link events onto a chain whose head is (`seq`, `hash`). */
export function linkEvents(
  events: readonly AuditEvent[],
  chainId: string,
  head: { seq: number; hash: string },
): ChainedAuditEvent[] {
  let { seq, hash } = head;
  return events.map((event) => {
    seq += 1;
    const linked: ChainedAuditEvent = { ...event, chainId, seq, prevHash: hash, hash: chainHash(event, chainId, seq, hash) };
    hash = linked.hash;
    return linked;
  });
}

/** Recompute a chain read in seq order; returns the problems found (empty when intact). */
export function verifyChain(events: readonly ChainedAuditEvent[]): string[] {
  const chainId = events[0]?.chainId ?? '';
  const check = new ChainVerifier(chainId, []);
  for (const e of events) check.push(e);
  return check.hashProblems;
}

// ------------------------------------------------------------------------------------------------ seal log

export const SEAL_KINDS = ['open', 'close', 'checkpoint'] as const;
export type SealKind = (typeof SEAL_KINDS)[number];

/** What a seal commits to: the head (`chainSeq`, `chainHash`) of one chain at one moment. */
export interface SealBody {
  readonly at: string;
  readonly chainId: string;
  /** Seq of the chain's head when sealed (0: a chain opened before its first event). */
  readonly chainSeq: number;
  /** Hash of the event at `chainSeq` (GENESIS_HASH for 0). */
  readonly chainHash: string;
  readonly kind: SealKind;
}

/** A seal as stored: its place in the seal log and the hash that commits to every seal before it. */
export interface ChainSeal extends SealBody {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export function sealHash(body: SealBody, seq: number, prevHash: string): string {
  const { at, chainId, chainSeq, chainHash: head, kind } = body;
  return hashOf({ seal: { at, chainId, chainSeq, chainHash: head, kind }, seq, prevHash });
}

/** Link one seal after the seal log's head (`seq`, `hash`). */
export function linkSeal(body: SealBody, head: { seq: number; hash: string }): ChainSeal {
  const seq = head.seq + 1;
  return { ...body, seq, prevHash: head.hash, hash: sealHash(body, seq, head.hash) };
}

/** Recompute the seal log read in seq order; returns the problems found (empty when intact). */
export function verifySeals(seals: readonly ChainSeal[]): string[] {
  const problems: string[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH };
  for (const s of seals) {
    if (s.seq !== prev.seq + 1) problems.push(`seal log: expected seal #${prev.seq + 1}, found #${s.seq} (seal missing or reordered)`);
    if (s.prevHash !== prev.hash) problems.push(`seal log #${s.seq}: prevHash does not match the previous seal`);
    if (sealHash(s, s.seq, s.prevHash) !== s.hash) problems.push(`seal log #${s.seq}: content does not match its hash (edited)`);
    prev = { seq: s.seq, hash: s.hash };
  }
  return problems;
}

/** The whole log as read back: every chain (registry and seal log together name them), the registry, the seals. */
export interface AuditLogSnapshot {
  /** Events of each chain in seq order (empty array: the chain was named but holds no events). */
  readonly chains: ReadonlyMap<string, readonly ChainedAuditEvent[]>;
  /** Chain ids in the chain registry. */
  readonly registered: ReadonlySet<string>;
  /** The seal log in seq order. */
  readonly seals: readonly ChainSeal[];
}

/** Problems of one chain against its seals (the chain's own hashes are checked by `verifyChain`). */
export function verifyChainSeals(chainId: string, events: readonly ChainedAuditEvent[], seals: readonly ChainSeal[]): string[] {
  const check = new ChainVerifier(chainId, seals);
  for (const e of events) check.push(e);
  return check.finish().sealProblems;
}

/**
 * One chain verified as it streams past, in bounded memory (what `verify` uses on logs of any size): push its
 * events in seq order, then `finish()`. `hashProblems` are `verifyChain`'s (edited, missing, reordered events),
 * `sealProblems` are `verifyChainSeals`' (the chain against the seals that name it).
 */
export class ChainVerifier {
  readonly hashProblems: string[] = [];
  readonly sealProblems: string[] = [];
  /** Events pushed. */
  count = 0;
  private readonly mine: readonly ChainSeal[];
  /** Seals by the seq they commit to, and what was found there. */
  private readonly bySeq = new Map<number, ChainSeal[]>();
  private readonly found = new Map<number, string>();
  private prev = { seq: 0, hash: GENESIS_HASH };
  private last: ChainedAuditEvent | undefined;

  constructor(
    readonly chainId: string,
    seals: readonly ChainSeal[],
  ) {
    this.mine = seals.filter((s) => s.chainId === chainId);
    for (const seal of this.mine) if (seal.chainSeq > 0) this.bySeq.set(seal.chainSeq, [...(this.bySeq.get(seal.chainSeq) ?? []), seal]);
  }

  push(e: ChainedAuditEvent): void {
    const { chainId, seq, prevHash, hash } = e;
    const prev = this.prev;
    if (seq !== prev.seq + 1) this.hashProblems.push(`chain ${chainId}: expected seq ${prev.seq + 1}, found ${seq} (missing or reordered event)`);
    if (prevHash !== prev.hash) this.hashProblems.push(`chain ${chainId} seq ${seq}: prevHash does not match the previous event`);
    if (linkedHashOf(e) !== hash) this.hashProblems.push(`chain ${chainId} seq ${seq}: content does not match its hash (edited)`);
    this.prev = { seq, hash };
    if (this.bySeq.has(seq) && !this.found.has(seq)) this.found.set(seq, hash);
    this.last = e;
    this.count += 1;
  }

  finish(): { hashProblems: string[]; sealProblems: string[] } {
    const { chainId, mine, count, last } = this;
    const problems = this.sealProblems;
    if (mine.length === 0 && count > 0) problems.push(`chain ${chainId}: holds ${count} event(s) but the seal log never opened it (seal deleted?)`);
    for (const seal of mine) {
      if (seal.chainSeq === 0) continue;
      const hash = this.found.get(seal.chainSeq);
      if (hash === undefined) problems.push(`chain ${chainId}: seal #${seal.seq} (${seal.kind}) commits to seq ${seal.chainSeq}, which is missing (events deleted)`);
      else if (hash !== seal.chainHash) problems.push(`chain ${chainId}: seal #${seal.seq} (${seal.kind}) commits to another hash at seq ${seal.chainSeq} (event replaced)`);
    }
    if (mine.length > 0 && count === 0) {
      problems.push(`chain ${chainId}: opened at seal #${mine[0]!.seq} but holds no events (deleted, or its writer stopped before its first append)`);
    }
    // Events past a close seal are legitimate only after the chain was reopened (an `open` seal at or after it).
    let closedAt: number | undefined;
    for (const seal of mine) {
      if (seal.kind === 'close') closedAt = seal.chainSeq;
      else if (seal.kind === 'open' && closedAt !== undefined && seal.chainSeq >= closedAt) closedAt = undefined;
    }
    if (closedAt !== undefined && last !== undefined && last.seq > closedAt) {
      problems.push(`chain ${chainId}: events after seq ${closedAt}, where the chain was closed, without reopening it (events inserted)`);
    }
    if (last !== undefined && CLOSING_ACTIONS.has(last.action) && !mine.some((s) => s.chainSeq === last.seq && s.chainHash === last.hash)) {
      problems.push(`chain ${chainId}: finished at seq ${last.seq} but no seal commits to it (close seal deleted?)`);
    }
    return { hashProblems: this.hashProblems, sealProblems: problems };
  }
}

/** Registry problems of one chain: sealed but unregistered, or registered, never sealed and empty. */
export function registryProblems(chainId: string, sealed: boolean, registered: boolean, events: number): string[] {
  if (sealed && !registered) return [`chain ${chainId}: sealed but missing from the chain registry (registry item deleted)`];
  if (!sealed && registered && events === 0) return [`chain ${chainId}: registered but never sealed and empty (its seal and events deleted, or a writer that stopped at once)`];
  return [];
}

/** Verify everything: the seal log, every chain, every chain against its seals, and the registry. */
export function verifyAuditLog(snapshot: AuditLogSnapshot): string[] {
  const problems = verifySeals(snapshot.seals);
  const sealed = new Set(snapshot.seals.map((s) => s.chainId));
  for (const [chainId, events] of [...snapshot.chains.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const check = new ChainVerifier(chainId, snapshot.seals);
    for (const e of events) check.push(e);
    const { hashProblems, sealProblems } = check.finish();
    problems.push(...hashProblems, ...sealProblems, ...registryProblems(chainId, sealed.has(chainId), snapshot.registered.has(chainId), events.length));
  }
  return problems;
}
