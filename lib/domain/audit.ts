/**
 * Audit events: who did what to which record, when, why, on what evidence. Content-free by construction:
 * records appear only as keyed hashes, and evidence holds platform log ids, counts and reasons.
 *
 * Events form hash chains, one per writer (a run, an erasure request), so concurrent writers never contend for
 * one head item, while any edit, deletion or reordering inside a chain breaks the recomputed hashes.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { RECORD_KINDS } from './records';

export const AUDIT_ACTIONS = [
  'run.started',
  'run.finished',
  'record.collected',
  'record.changed',
  'record.refreshed',
  'record.missed',
  'record.purged',
  'erasure.requested',
  'policy.changed',
  'expiry.started',
  'key.deletion-scheduled',
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
    kind: z.enum(RECORD_KINDS).optional(),
    specName: z.string().max(64).optional(),
    reason: z.string().max(256).optional(),
    evidence: z.record(z.string(), Scalar).optional(),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** An event as stored: its place in its chain and the hash that commits to everything before it. */
export interface ChainedAuditEvent extends AuditEvent {
  readonly chainId: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON: sorted keys, no whitespace, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of an event at position `seq` of `chainId` after `prevHash`. */
export function chainHash(event: AuditEvent, chainId: string, seq: number, prevHash: string): string {
  return createHash('sha256').update(canonicalJson({ ...event, chainId, seq, prevHash })).digest('hex');
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
  const problems: string[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH };
  for (const e of events) {
    const { chainId, seq, prevHash, hash, ...body } = e;
    if (seq !== prev.seq + 1) problems.push(`chain ${chainId}: expected seq ${prev.seq + 1}, found ${seq} (missing or reordered event)`);
    if (prevHash !== prev.hash) problems.push(`chain ${chainId} seq ${seq}: prevHash does not match the previous event`);
    if (chainHash(body, chainId, seq, prevHash) !== hash) problems.push(`chain ${chainId} seq ${seq}: content does not match its hash (edited)`);
    prev = { seq, hash };
  }
  return problems;
}
