/**
 * Audit items on DynamoDB: how a chained event or a seal becomes a table item (with its key and index attributes)
 * and back, and the checks every event and query bound passes first. Pure functions, no client (moved out of
 * dynamodb-audit-log.ts, which re-exports the public ones).
 */
import { createHash } from 'node:crypto';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, AuditEventSchema, type ChainedAuditEvent, type ChainSeal } from '../domain/audit';
import { BadInputError } from '../domain/errors';
import type { AuditQuery } from './ports';
import { auditKeys, TIME_SHARDS } from './tables';

type Item = Record<string, NativeAttributeValue>;

/** Attributes that exist only for keys and indexes; stripped when an item is read back as an event. */
/**
 * Most events written in one transaction with a seal (a transaction holds at most 100 items; the rest is left for
 * the registry item, the seal and another store's writes): `openChain`'s first events, a closing append's tail.
 */
export const EVENTS_WITH_SEAL = 24;

const STORAGE_ATTRIBUTES = ['pk', 'sk', 'recordSk', 'timeShard', 'researcher'] as const;
const STORAGE: ReadonlySet<string> = new Set(STORAGE_ATTRIBUTES);

/** The `by-time` shard of an event: spreads one day's writes over TIME_SHARDS partitions. */
export function timeShardOf(chainId: string, seq: number): number {
  return createHash('sha256').update(`${chainId}#${seq}`).digest().readUInt32BE(0) % TIME_SHARDS;
}

/** The stored item of a chained event. Exported for tests (and the bench, for item sizes). */
export function auditItem(event: ChainedAuditEvent): Item {
  return {
    pk: auditKeys.chainPk(event.chainId),
    sk: auditKeys.seqSk(event.seq),
    ...event,
    actor: { ...event.actor },
    ...indexAttributes(event),
  };
}

/** The key and index attributes of an event's item besides `pk` and `sk`. */
function indexAttributes(event: ChainedAuditEvent): Pick<Item, 'recordSk' | 'timeShard' | 'researcher'> {
  return {
    recordSk: event.recordHash === undefined ? undefined : auditKeys.recordSk(event.at, event.chainId, event.seq),
    timeShard: auditKeys.timeShard(event.at.slice(0, 10), timeShardOf(event.chainId, event.seq)),
    researcher: event.actor.type === 'researcher' ? event.actor.name : undefined,
  };
}

/** The event of an item: every attribute but the key and index ones (a new object; the item is not changed). */
export function eventFrom(item: Item): ChainedAuditEvent {
  const event: Item = {};
  for (const attribute of Object.keys(item)) if (!STORAGE.has(attribute)) event[attribute] = item[attribute];
  return event as ChainedAuditEvent;
}

/**
 * Like `eventFrom`, but a key or index attribute that is not what the event itself implies (an `sk` that is not
 * its seq, a `timeShard` or `recordSk` moved to hide it from a query) is kept on the event, so the event no longer
 * matches its hash and verification reports it as edited.
 */
export function checkedEventFrom(item: Item): ChainedAuditEvent {
  const event = eventFrom(item);
  const expected: Item = { sk: auditKeys.seqSk(event.seq), ...indexAttributes(event) };
  const kept: Item = {};
  for (const attribute of STORAGE_ATTRIBUTES) {
    if (attribute === 'pk') continue;
    if (item[attribute] !== expected[attribute]) kept[attribute] = item[attribute] ?? null;
  }
  return Object.keys(kept).length === 0 ? event : ({ ...event, ...kept } as ChainedAuditEvent);
}

/** The stored item of a seal. */
export function sealItem(seal: ChainSeal): Item {
  return { pk: auditKeys.sealPk, sk: auditKeys.seqSk(seal.seq), ...seal };
}

export function sealFrom(item: Item): ChainSeal {
  const { pk: _pk, sk: _sk, ...seal } = item;
  return seal as ChainSeal;
}

/** Sort order of every result: time, then chain, then seq. */
export function compareEvents(a: ChainedAuditEvent, b: ChainedAuditEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.chainId !== b.chainId) return a.chainId < b.chainId ? -1 : 1;
  return a.seq - b.seq;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Events are stored with `at` in one format (toISOString), so the time indexes sort correctly. */
function canonicalAt(at: string, where: string): string {
  if (!ISO_TIME.test(at) || Number.isNaN(Date.parse(at))) throw new BadInputError(`audit event ${where}: "at" must be an ISO-8601 time, got "${at}"`);
  return new Date(at).toISOString();
}

/** A query bound: an ISO-8601 time or a `YYYY-MM-DD` day (its start, UTC), normalised to toISOString. */
export function bound(value: string, name: 'since' | 'until'): string {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) || ISO_TIME.test(value);
  const t = Date.parse(value);
  if (!ok || Number.isNaN(t)) throw new BadInputError(`${name} must be an ISO-8601 time or YYYY-MM-DD, got "${value}"`);
  return new Date(t).toISOString();
}

export function bounds(query: AuditQuery): { since?: string; until?: string } {
  const since = query.since === undefined ? undefined : bound(query.since, 'since');
  const until = query.until === undefined ? undefined : bound(query.until, 'until');
  if (since !== undefined && until !== undefined && since > until) throw new BadInputError(`since (${since}) is after until (${until})`);
  return { since, until };
}

export function validate(events: readonly AuditEvent[], chainId: string): AuditEvent[] {
  return events.map((event, i) => {
    const parsed = AuditEventSchema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
      throw new BadInputError(`audit event ${i} of chain ${chainId} was refused (events hold hashed identifiers and scalar evidence only, never content)`, problems);
    }
    return { ...parsed.data, at: canonicalAt(parsed.data.at, `${i} of chain ${chainId}`) };
  });
}
