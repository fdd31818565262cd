/**
 * Ledger items on DynamoDB: how an active record or a tombstone becomes a table item and back, and which `due`
 * shard a record sits in. Pure functions, no client (moved out of dynamodb-ledger.ts, which re-exports them).
 */
import { createHash } from 'node:crypto';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
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
    // No `specKey`: a spec's videos are listed in spec-list items (specListItems), not one index write each.
  };
}

/** Most record keys one spec-list item holds. */
export const SPEC_LIST_SIZE = 100;

/**
 * Spec-list items for the videos among `records`: per spec (`provenance.specName`), their keys sorted, in items of
 * up to SPEC_LIST_SIZE. This is how dependent specs (comments, authors) find the videos a spec collected: a share
 * of one item per video instead of one `by-spec` index write each. Deterministic (same records, same items), so a
 * retried write overwrites rather than adds. A list may name a video since purged: readers check the ledger.
 */
export function specListItems(records: readonly ActiveRecord[]): Item[] {
  const bySpec = new Map<string, { keys: RecordKey[]; at: string }>();
  for (const record of records) {
    if (record.ref.kind !== 'video') continue;
    const spec = record.provenance.specName;
    let list = bySpec.get(spec);
    if (!list) bySpec.set(spec, (list = { keys: [], at: record.firstCollectedAt }));
    list.keys.push(recordKeyOf(record.ref));
    if (record.firstCollectedAt < list.at) list.at = record.firstCollectedAt;
  }
  const items: Item[] = [];
  for (const [spec, { keys, at }] of bySpec) {
    const sorted = [...new Set(keys)].sort();
    for (let i = 0; i < sorted.length; i += SPEC_LIST_SIZE) {
      const part = sorted.slice(i, i + SPEC_LIST_SIZE);
      const digest = createHash('sha256').update(part.join('\n')).digest('hex').slice(0, 16);
      items.push({ ...ledgerKeys.specList(spec, `${at}#${digest}`), specName: spec, keys: part });
    }
  }
  return items;
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

export function activeRecordFrom(item: Item): ActiveRecord {
  const rest: Item = { ...item };
  for (const attribute of INDEX_ATTRIBUTES) delete rest[attribute];
  const ref: RecordRef = { platform: item.platform as Platform, kind: item.kind as RecordKind, id: String(item.id) };
  return { ref, ...(rest as Omit<ActiveRecord, 'ref'>) };
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
