/**
 * What Steward keeps about one collected record. The object in storage holds the content exactly as the API
 * returned it; the ledger item holds provenance and obligations, never content.
 */
import * as z from 'zod';
import type { Obligations } from './obligations';
import type { HoldMark } from './purge-fuse';

export const PLATFORMS = ['tiktok'] as const;
export const RECORD_KINDS = ['video', 'comment', 'user', 'ad'] as const;

export type Platform = (typeof PLATFORMS)[number];
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Identifies one record on one platform. `id` is the platform id as a decimal string (or a keyed hash for users). */
export interface RecordRef {
  readonly platform: Platform;
  readonly kind: RecordKind;
  readonly id: string;
}

/** `PLATFORM:KIND:ID`, the form researchers type (`steward audit --record tiktok:video:7320...`). */
export type RecordKey = string;

const RECORD_KEY = /^(tiktok):(video|comment|user|ad):([A-Za-z0-9_-]{1,128})$/;

export function recordKeyOf(ref: RecordRef): RecordKey {
  return `${ref.platform}:${ref.kind}:${ref.id}`;
}

/** Parse `PLATFORM:KIND:ID`; throws a RangeError that says what form is expected. */
export function parseRecordKey(key: string): RecordRef {
  const match = RECORD_KEY.exec(key);
  if (!match) {
    throw new RangeError(
      `"${key}" is not a record key: use PLATFORM:KIND:ID, e.g. tiktok:video:7320768196569599275 (kinds: ${RECORD_KINDS.join(', ')})`,
    );
  }
  return { platform: match[1] as Platform, kind: match[2] as RecordKind, id: match[3]! };
}

/** Ids as the platform issues them; an account is named by the keyed hash of its username (never the name). */
const ID_OF_KIND: Readonly<Record<RecordKind, { pattern: RegExp; what: string }>> = {
  video: { pattern: /^\d{1,20}$/, what: 'a number such as 7320768196569599275' },
  comment: { pattern: /^\d{1,20}$/, what: 'a number such as 7320768196569599275' },
  ad: { pattern: /^\d{1,20}$/, what: 'a number such as 1790342520917058' },
  user: { pattern: /^[0-9a-f]{32}$/, what: 'the keyed hash of the username (32 hex digits): the key `steward erase --user` prints as tiktok:user:ID' },
};

/** Largest platform id: TikTok's ids are unsigned 64-bit integers. */
export const MAX_PLATFORM_ID = 2n ** 64n - 1n;

/** A decimal platform id that fits in 64 unsigned bits (`^\d{1,20}$` alone lets 2^64 and more through). */
export function isPlatformId(id: string): boolean {
  return /^\d{1,20}$/.test(id) && BigInt(id) <= MAX_PLATFORM_ID;
}

/** A record key a person typed: `parseRecordKey`, and an id of the form its kind has. */
export function parseTypedRecordKey(key: string): RecordRef {
  const ref = parseRecordKey(key);
  const id = ID_OF_KIND[ref.kind];
  if (!id.pattern.test(ref.id)) throw new RangeError(`"${key}": a ${ref.kind} id is ${id.what}`);
  if (ref.kind !== 'user' && !isPlatformId(ref.id)) throw new RangeError(`"${key}": a ${ref.kind} id is an unsigned 64-bit number (at most ${MAX_PLATFORM_ID}), got one of ${ref.id.length} digits above it`);
  return ref;
}

/** Prefix of every record object in the data bucket (constructs scope access trails and grants by it). */
export const RECORDS_PREFIX = 'records/';

/** Where the record's content lives in the object store: one object per record. */
export function objectKeyOf(ref: RecordRef): string {
  return `${RECORDS_PREFIX}${ref.platform}/${ref.kind}/${ref.id}.json`;
}

/** Where a record came from: enough to reproduce and to prove the collection. */
export const ProvenanceSchema = z.object({
  runId: z.string(),
  specName: z.string(),
  /** SHA-256 of the canonical query (spec query + window), so identical queries can be recognised. */
  queryFingerprint: z.string(),
  endpoint: z.string(),
  /** The platform's `log_id` of the response that carried the record. */
  logId: z.string(),
  retrievedAt: z.string(),
  collectorVersion: z.string(),
  /** `schedule` or the researcher's name. */
  collectedBy: z.string(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const RECORD_STATUSES = ['active', 'tombstoned'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** Why a record left the store. */
export const PURGE_REASONS = ['unavailable', 'expired', 'erasure', 'cascade'] as const;
export type PurgeReason = (typeof PURGE_REASONS)[number];

/** The ledger's view of an active record. */
export interface ActiveRecord {
  readonly ref: RecordRef;
  readonly status: 'active';
  readonly objectKey: string;
  readonly contentSha256: string;
  readonly sizeBytes: number;
  readonly provenance: Provenance;
  readonly firstCollectedAt: string;
  readonly lastSeenAt: string;
  readonly lastRefreshedAt?: string;
  readonly policyId: string;
  readonly policyVersion: number;
  /** Latest instant by which the record must be refreshed (policy deadline). */
  readonly refreshDueAt: string;
  /** When the record must be gone whatever happens (project end or the policy's maximum retention). */
  readonly expiresAt: string;
  /** Platform creation time (Unix seconds), needed to build the ≤30-day windows of id lookups. */
  readonly platformCreatedAt?: number;
  /** The record this one belongs to (a comment's video, a video's author), for erasure cascades. */
  readonly parentKey?: RecordKey;
  /** Consecutive refreshes that did not find the record without being evidence of deletion. */
  readonly missCount: number;
  /**
   * Set when a purge has started and not yet finished (the object may still exist). The record is then due at
   * once, so the next sweep (or `steward purge`) completes the purge after a crash.
   */
  readonly purgePending?: PendingPurge;
  /**
   * Set while the purge fuse holds the record (domain/purge-fuse.ts): confirmed unavailable while its source's fuse
   * was tripped. Its ledger status reads `held`: object and item are kept, no sweep refreshes or purges it, and its
   * next action is its expiry, until the PI releases or dismisses the hold.
   */
  readonly hold?: HoldMark;
}

/** What a first collection knows of a record: where from, its content's digest and size, its obligations. */
export interface FirstCollection {
  readonly ref: RecordRef;
  readonly contentSha256: string;
  readonly sizeBytes: number;
  readonly provenance: Provenance;
  /** The collection instant (ISO): first collected and last seen. */
  readonly at: string;
  readonly policy: { readonly id: string; readonly version: number };
  readonly obligations: Obligations;
  readonly platformCreatedAt?: number | undefined;
  readonly parentKey?: RecordKey | undefined;
}

/** The ledger's view of a record collected for the first time: active, never missed, due by its obligations. */
export function newActiveRecord(c: FirstCollection): ActiveRecord {
  return {
    ref: c.ref,
    status: 'active',
    objectKey: objectKeyOf(c.ref),
    contentSha256: c.contentSha256,
    sizeBytes: c.sizeBytes,
    provenance: c.provenance,
    firstCollectedAt: c.at,
    lastSeenAt: c.at,
    policyId: c.policy.id,
    policyVersion: c.policy.version,
    refreshDueAt: c.obligations.refreshDueAt.toISOString(),
    expiresAt: c.obligations.expiresAt.toISOString(),
    missCount: 0,
    ...(c.platformCreatedAt !== undefined ? { platformCreatedAt: c.platformCreatedAt } : {}),
    ...(c.parentKey ? { parentKey: c.parentKey } : {}),
  };
}

/** What the ledger's status of a record reads as: `held` is an active item with a hold mark. */
export function ledgerStatusOf(record: ActiveRecord | Tombstone): 'active' | 'held' | 'tombstoned' {
  if (record.status === 'tombstoned') return 'tombstoned';
  return record.hold ? 'held' : 'active';
}

/** A purge that was decided and started: why, on what evidence, since when. Evidence holds no content. */
export interface PendingPurge {
  readonly reason: PurgeReason;
  readonly evidence: Readonly<Record<string, string | number>>;
  readonly requestedAt: string;
}

/**
 * What remains after a purge: no content and no cleartext id, only the keyed hash of the record key, the kind,
 * the reason and where the evidence is. It also stops a purged record from being collected again.
 */
export interface Tombstone {
  readonly platform: Platform;
  readonly kind: RecordKind;
  /** Keyed hash of the record key (hashing.ts). */
  readonly recordHash: string;
  readonly status: 'tombstoned';
  readonly reason: PurgeReason;
  readonly purgedAt: string;
  /** Audit event id that holds the evidence. */
  readonly evidenceRef: string;
  readonly policyId: string;
  readonly policyVersion: number;
}

export type LedgerRecord = ActiveRecord | Tombstone;
