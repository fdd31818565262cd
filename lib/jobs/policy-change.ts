/**
 * Policy changes. Every record carries the policy version it was stamped with; when the version in force differs,
 * its due dates must follow the new duties. Finding "every record of version v" would take a Scan (there is no
 * index on the version), so the sweep does it in two ways, chosen per policy and due-index shard:
 *
 * - lazily, when the new policy cannot make any deadline earlier (refresh interval less lead time not shorter,
 *   maximum retention not shorter): records keep their old, earlier-or-equal due dates, which are still met, and
 *   each is re-stamped with the new version and new dates when it next comes due (refresh does that for every
 *   record it touches). Nothing is read beyond what is due.
 * - by a walk, when the new policy can make a deadline earlier (or when the old one is unknown): the sweep walks
 *   the shard's whole due index once, up to the farthest horizon the old version could have stamped (Queries on
 *   the index, never a Scan), and recomputes every covered record's due dates from its last refresh. A record whose
 *   new next action is already past becomes due at once and is refreshed by the same sweep.
 *
 * Each (policy, shard) keeps a marker (a reserved checkpoint `policy:<id>:<shard>`) with the version and duties it
 * was last reconciled to, so this costs one read when nothing changed (every marker in one BatchGetItem, 100 a
 * request). The marker is written only after the walk of its shard finished: a crash means the walk is redone,
 * which is idempotent. Each change is recorded by one `policy.changed` event per shard.
 *
 * A marker at the version in force but with other duties means the config changed a duty and kept the version:
 * records stamped with that version would silently follow two sets of duties. The sweep refuses that before it
 * writes anything (`readPolicyMarkers`), naming the version to raise.
 */
import * as z from 'zod';
import { BadInputError } from '../domain/errors';
import type { AuditChainWriter, RecordUpdate } from '../store/ports';
import { DEFAULT_POLICIES, POLICY_IDS, type Policy, type PolicyId } from '../domain/policy';
import { nextActionAt, obligationsFor } from '../domain/obligations';
import { recordKeyOf } from '../domain/records';
import { projectEnd } from '../config/load';
import type { JobContext } from './context';
import { dueRecords } from './due';
import { RecordNotFoundError } from '../store/retry';

/** What a marker remembers of the policy it was reconciled to. */
export interface PolicyStamp {
  readonly version: number;
  readonly refreshWithinDays: number;
  readonly refreshLeadHours: number;
  readonly maxRetentionDays?: number;
  /** The purge fuse (a duty of protection: a changed fuse needs a new version too). */
  readonly purgeFuse?: Policy['purgeFuse'];
}

/** A marker's state as stored; not strict, so a marker written by a later Steward with more fields still reads. */
const PolicyStampSchema = z.object({
  version: z.number().int().positive(),
  refreshWithinDays: z.number(),
  refreshLeadHours: z.number(),
  maxRetentionDays: z.number().optional(),
  purgeFuse: z.object({ maxShare: z.number(), minCount: z.number(), allMissingBatch: z.number() }).optional(),
});

/** The duties a marker compares, with their names for messages. */
const STAMP_DUTIES = ['refreshWithinDays', 'refreshLeadHours', 'maxRetentionDays', 'purgeFuse'] as const;

export function policyMarkerName(policyId: PolicyId, shard: number): string {
  return `policy:${policyId}:${shard}`;
}

function stampOf(policy: Policy): PolicyStamp {
  return {
    version: policy.version,
    refreshWithinDays: policy.refreshWithinDays,
    refreshLeadHours: policy.refreshLeadHours,
    ...(policy.maxRetentionDays !== undefined ? { maxRetentionDays: policy.maxRetentionDays } : {}),
    purgeFuse: { ...policy.purgeFuse },
  };
}

/** Whether moving from `old` to `next` can make some record's next action earlier than it is stamped. */
export function canAdvanceDeadlines(old: PolicyStamp, next: PolicyStamp): boolean {
  const window = (p: PolicyStamp) => p.refreshWithinDays * 24 - p.refreshLeadHours;
  return window(next) < window(old) || (next.maxRetentionDays ?? Infinity) < (old.maxRetentionDays ?? Infinity);
}

/** The farthest ahead any record could be stamped (a refresh just now, under either version). */
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

/** The markers of some shards, read and checked against the policies in force. */
export interface PolicyMarkers {
  readonly shards: readonly number[];
  /** By marker name; undefined when there is none yet (or it cannot be read: then the shard is walked). */
  readonly stamps: ReadonlyMap<string, PolicyStamp | undefined>;
}

/** Names of the duties on which `marker` and `next` differ, as `name old -> new`. */
function dutyChanges(marker: PolicyStamp, next: PolicyStamp): string[] {
  const text = (value: PolicyStamp[(typeof STAMP_DUTIES)[number]]) => (typeof value === 'object' ? JSON.stringify(value) : String(value ?? 'none'));
  return STAMP_DUTIES.filter((duty) => text(marker[duty]) !== text(next[duty])).map((duty) => `${duty} ${text(marker[duty])} -> ${text(next[duty])}`);
}

/**
 * Read the marker of every policy and shard. Throws BadInputError (exit 2) when a policy changed a duty but kept
 * the version its marker holds: call this before the sweep writes anything.
 */
export async function readPolicyMarkers(ctx: JobContext, shards: readonly number[]): Promise<PolicyMarkers> {
  const stamps = new Map<string, PolicyStamp | undefined>();
  const problems: string[] = [];
  // Every policy's marker of every shard in one read (a sweep of 16 shards: one request instead of 32 in a row).
  const stored = await ctx.ledger.getCheckpoints(POLICY_IDS.flatMap((policyId) => shards.map((shard) => policyMarkerName(policyId, shard))));
  for (const policyId of POLICY_IDS) {
    const policy = ctx.policies[policyId];
    const next = stampOf(policy);
    let changes: string[] | undefined;
    for (const shard of shards) {
      const name = policyMarkerName(policyId, shard);
      const parsed = PolicyStampSchema.safeParse(stored.get(name)?.state);
      // A marker written before the purge fuse existed was reconciled under the default fuse.
      const old = parsed.success ? ({ purgeFuse: { ...DEFAULT_POLICIES[policyId].purgeFuse }, ...parsed.data } as PolicyStamp) : undefined;
      stamps.set(name, old);
      const differs = old?.version === policy.version ? dutyChanges(old, next) : [];
      if (differs.length > 0) changes ??= differs;
    }
    if (changes !== undefined) {
      problems.push(
        `$.policies.${policyId}.version: version ${policy.version} is already in force with other duties (${changes.join(', ')}); ` +
          `records stamped with it would keep the old due dates. A changed duty needs a new version: set "version": ${policy.version + 1}`,
      );
    }
  }
  if (problems.length > 0) throw new BadInputError('the configured policies change duties without a new version:', problems);
  return { shards, stamps };
}

/**
 * Whether some record may have to expire earlier than its stamp says: a policy in force with a maximum retention
 * shorter than the one a shard was reconciled to (or a shard not reconciled yet). Expire then reads the whole due
 * index of its shards (Queries, never a Scan) instead of what is due, until the markers are reconciled.
 */
export function retentionMayAdvance(ctx: JobContext, markers: PolicyMarkers): boolean {
  for (const policyId of POLICY_IDS) {
    const policy = ctx.policies[policyId];
    if (policy.maxRetentionDays === undefined) continue;
    for (const shard of markers.shards) {
      const old = markers.stamps.get(policyMarkerName(policyId, shard));
      if (old === undefined) return true;
      if (old.version !== policy.version && policy.maxRetentionDays < (old.maxRetentionDays ?? Infinity)) return true;
    }
  }
  return false;
}

/**
 * Bring the given shards in line with the policies in force; returns how many records were re-stamped. Run at the
 * start of every sweep, with the markers `readPolicyMarkers` checked (read here when not given).
 */
export async function reconcilePolicies(
  ctx: JobContext,
  shards: readonly number[],
  chain: AuditChainWriter,
  runId: string,
  markers?: PolicyMarkers,
): Promise<number> {
  const checked = markers ?? (await readPolicyMarkers(ctx, shards));
  let restamped = 0;
  for (const policyId of POLICY_IDS) {
    const policy = ctx.policies[policyId];
    const next = stampOf(policy);
    for (const shard of shards) {
      const name = policyMarkerName(policyId, shard);
      if (!checked.stamps.has(name)) throw new RangeError(`policy markers were read for shards ${checked.shards.join(', ')}, not shard ${shard}`);
      const old = checked.stamps.get(name);
      if (old?.version === policy.version) continue;
      let mode: 'baseline' | 'lazy' | 'walk';
      if (old === undefined && policy.version === DEFAULT_POLICIES[policyId].version) {
        // First sweep under the default version: nothing can be stamped with another one.
        mode = 'baseline';
      } else if (old !== undefined && !canAdvanceDeadlines(old, next)) {
        mode = 'lazy';
      } else {
        mode = 'walk';
      }
      let count = 0;
      if (mode === 'walk') count = await restampShard(ctx, policy, shard);
      restamped += count;
      const at = ctx.clock.now().toISOString();
      if (mode !== 'baseline') {
        await chain.append([
          {
            at,
            action: 'policy.changed',
            actor: ctx.actor,
            runId,
            reason: `${policyId} version ${old?.version ?? 'unknown'} -> ${policy.version}`,
            evidence: { policyId, fromVersion: old?.version ?? 'unknown', toVersion: policy.version, mode, shard },
            counts: { restamped: count },
          },
        ]);
      }
      await ctx.ledger.putCheckpoint({ specName: name, runId, state: next, updatedAt: at, done: true });
    }
  }
  return restamped;
}

/** Recompute the due dates of every record of `policy` in `shard` stamped with another version. */
async function restampShard(ctx: JobContext, policy: Policy, shard: number): Promise<number> {
  const end = projectEnd(ctx.config);
  const now = ctx.clock.now().toISOString();
  let count = 0;
  for await (const page of dueRecords(ctx.ledger, FAR_FUTURE, [shard])) {
    const updates: RecordUpdate[] = [];
    for (const record of page.records) {
      // A held record waits for the PI at its expiry (holds.ts): a new policy must not put it back in the sweep.
      if (record.policyId !== policy.id || record.policyVersion === policy.version || record.purgePending || record.hold) continue;
      // The deadline runs from the last time the record was re-fetched (or first collected).
      const base = new Date(record.lastRefreshedAt ?? record.firstCollectedAt);
      const o = obligationsFor(base, new Date(record.firstCollectedAt), policy, end);
      updates.push({
        kind: 'restamped',
        key: recordKeyOf(record.ref),
        at: now,
        refreshDueAt: o.refreshDueAt.toISOString(),
        nextActionAt: nextActionAt(o, policy).toISOString(),
        restamp: { policyVersion: policy.version, expiresAt: o.expiresAt.toISOString() },
      });
    }
    if (updates.length === 0) continue;
    try {
      await ctx.ledger.updateRecords(updates);
      count += updates.length;
    } catch (error) {
      if (!(error instanceof RecordNotFoundError)) throw error;
      count += updates.length - error.keys.length;
    }
  }
  return count;
}
