/**
 * Ledger items on DynamoDB: how an active record or a tombstone becomes a table item and back (and a checkpoint
 * back), and which `due` shard a record sits in. Pure functions, no client (moved out of dynamodb-ledger.ts, which
 * re-exports them).
 */
import { createHash } from 'node:crypto';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { parseJson } from '../domain/json';
import {
  type ActiveRecord,
  parseRecordKey,
  type Platform,
  type PurgeReason,
  type RecordKey,
  type RecordKind,
  type RecordRef,
  recordKeyOf,
  type Tombstone,
} from '../domain/records';
import type { Checkpoint } from './ports';
import { DUE_SHARDS, ledgerKeys } from './tables';

type Item = Record<string, NativeAttributeValue>;

/** The `due` shard of a record: a plain (not keyed) hash of the record key, so every writer agrees. */
export function dueShardOf(key: RecordKey, shards: number = DUE_SHARDS): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shards;
}

/**
 * The key a record's due entry is sharded by: a comment's parent video (so one shard, and in the deployed fan-out
 * one worker, holds every comment of a video and lists the video once), else the record's own key. Comments written
 * before this rule sit in their own key's shard until their next refresh moves them (`parentKey` on the update);
 * sweeps handle both forms.
 */
export function dueShardKey(key: RecordKey, parentKey: RecordKey | undefined): RecordKey {
  return parentKey !== undefined && key.startsWith('tiktok:comment:') && parentKey.startsWith('tiktok:video:') ? parentKey : key;
}

export function isoOrThrow(value: string, what: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError(`${what}: "${value}" is not an ISO-8601 time`);
  // One fixed format, so the `due` index sorts lexicographically in time order.
  return new Date(t).toISOString();
}

/** Ledger item of an active record. Exported for tests and the bench (item size). */
export function recordItem(record: ActiveRecord, nextActionAt: string, dueShards: number = DUE_SHARDS): Item {
  const key = recordKeyOf(record.ref);
  parseRecordKey(key); // throws a clear RangeError on a malformed ref
  if (record.status !== 'active') throw new RangeError(`putRecords: ${key} has status ${String(record.status)}; only active records are stored`);
  const { ref, ...fields } = record;
  return {
    ...ledgerKeys.record(key),
    ...fields,
    platform: ref.platform,
    kind: ref.kind,
    id: ref.id,
    provenance: { ...record.provenance },
    dueShard: ledgerKeys.dueShard(dueShardOf(dueShardKey(key, record.parentKey), dueShards)),
    nextActionAt: isoOrThrow(nextActionAt, `nextActionAt of ${key}`),
    // No `specKey`: a spec's videos are listed in spec-list items (dynamodb-spec-lists.ts), not one index write each.
  };
}

/** Ledger item of a tombstone: exactly the Tombstone's fields, nothing else. */
export function tombstoneItem(tombstone: Tombstone): Item {
  return {
    ...ledgerKeys.tombstone(tombstone.recordHash),
    platform: tombstone.platform,
    kind: tombstone.kind,
    recordHash: tombstone.recordHash,
    status: 'tombstoned',
    reason: tombstone.reason,
    purgedAt: tombstone.purgedAt,
    evidenceRef: tombstone.evidenceRef,
    policyId: tombstone.policyId,
    policyVersion: tombstone.policyVersion,
  };
}

const INDEX_ATTRIBUTES = ['pk', 'sk', 'dueShard', 'nextActionAt', 'specKey', 'platform', 'kind', 'id'] as const;
const INDEX: ReadonlySet<string> = new Set(INDEX_ATTRIBUTES);

export function activeRecordFrom(item: Item): ActiveRecord {
  // One new object with the item's attributes but the index ones (no copy-and-delete, no second copy).
  const record: Item = { ref: { platform: item.platform as Platform, kind: item.kind as RecordKind, id: String(item.id) } satisfies RecordRef };
  for (const attribute of Object.keys(item)) if (!INDEX.has(attribute)) record[attribute] = item[attribute];
  return record as ActiveRecord;
}

export function tombstoneFrom(item: Item): Tombstone {
  return {
    platform: item.platform as Platform,
    kind: item.kind as RecordKind,
    recordHash: String(item.recordHash),
    status: 'tombstoned',
    reason: item.reason as PurgeReason,
    purgedAt: String(item.purgedAt),
    evidenceRef: String(item.evidenceRef),
    policyId: String(item.policyId),
    policyVersion: Number(item.policyVersion),
  };
}

/** A checkpoint item as stored (its state kept as JSON text, 64-bit ids intact). */
export function checkpointFrom(item: Item): Checkpoint {
  const { stateJson, inFlight, ...rest } = item;
  return {
    specName: String(rest.specName),
    runId: String(rest.runId),
    state: stateJson === undefined ? undefined : parseJson(String(stateJson)),
    ...(inFlight ? { inFlight: { ids: [...(inFlight.ids as string[])], logId: String(inFlight.logId) } } : {}),
    updatedAt: String(rest.updatedAt),
    done: Boolean(rest.done),
  };
}
