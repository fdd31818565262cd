/**
 * Ports: the only storage interfaces jobs know. AWS adapters (S3, DynamoDB) implement them, both in Lambda and
 * against the embedded local services, so job code has no test-only branches.
 */
import type { AuditAction, AuditEvent, ChainedAuditEvent, ChainSeal } from '../domain/audit';
import type { FuseWindow, Hold, HoldEvidence, HoldMark, HoldRule, HoldStatus } from '../domain/purge-fuse';
import type { PublicKeyInfo } from '../domain/signature';
import type { ActiveRecord, LedgerRecord, PurgeReason, RecordKey, RecordRef, Tombstone } from '../domain/records';

export interface StoredObject {
  readonly key: string;
  readonly body: Buffer;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  /** Write (or overwrite) one object. Encrypted at rest with the project key when deployed. */
  put(key: string, body: string | Uint8Array, options?: { contentType?: string; metadata?: Record<string, string>; onlyIfAbsent?: boolean }): Promise<void>;
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<{ sizeBytes: number; metadata: Readonly<Record<string, string>> } | undefined>;
  /** Remove every version and delete marker of `key`; returns how many were removed. Idempotent. */
  deleteAllVersions(key: string): Promise<number>;
  /** How many versions (including delete markers) of `key` remain: 0 proves a purge. */
  countVersions(key: string): Promise<number>;
  /** Keys under a prefix, in pages the adapter chooses. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Keys under a prefix that have any version or delete marker left, with how many: what a verifier needs to
   * find versions a plain delete left behind. Where the store keeps no versions, the current keys (1 each).
   */
  listVersionedKeys(prefix: string): AsyncIterable<{ readonly key: string; readonly versions: number }>;
}

/** Obligations recomputed under the policy version in force (refresh and policy changes re-stamp records). */
export interface Restamp {
  readonly policyVersion: number;
  readonly expiresAt: string;
}

/** A change to an active record found again (by collect or refresh), or a purge that has begun. */
export type RecordUpdate =
  | {
      readonly kind: 'seen';
      readonly key: RecordKey;
      readonly at: string;
      readonly refreshDueAt?: string;
      readonly nextActionAt?: string;
      /** Set when the record is re-stamped under another policy version. */
      readonly restamp?: Restamp;
      /** A comment's video: its due entry (re)placed in the video's shard (ledgers written before that rule). */
      readonly parentKey?: RecordKey;
    }
  | {
      readonly kind: 'changed';
      readonly key: RecordKey;
      readonly at: string;
      readonly contentSha256: string;
      readonly sizeBytes: number;
      readonly refreshDueAt: string;
      readonly nextActionAt: string;
      readonly logId: string;
      readonly restamp?: Restamp;
      /** A comment's video: its due entry (re)placed in the video's shard. */
      readonly parentKey?: RecordKey;
    }
  | {
      readonly kind: 'missed';
      readonly key: RecordKey;
      readonly at: string;
      readonly missCount: number;
      /** The record's next look, moved in the same write (the miss and its spacing are stored together or not at all). */
      readonly nextActionAt?: string;
    }
  /**
   * A purge has begun: the reason and evidence are kept on the record and it becomes due at `at`, so a purge cut
   * short by a crash is found by the next sweep and completed.
   */
  | {
      readonly kind: 'purge-pending';
      readonly key: RecordKey;
      readonly at: string;
      readonly reason: PurgeReason;
      readonly evidence: Readonly<Record<string, string | number>>;
    }
  /** Due dates recomputed after a policy change, without a refresh. */
  | {
      readonly kind: 'restamped';
      readonly key: RecordKey;
      readonly at: string;
      readonly refreshDueAt: string;
      readonly nextActionAt: string;
      readonly restamp: Restamp;
    };

/** Saved collection progress of one spec: enough to resume after a crash or a quota stop. */
export interface Checkpoint {
  readonly specName: string;
  readonly runId: string;
  /** Client pagination state (JSON), opaque to the ledger. */
  readonly state: unknown;
  /** Ids of the page being written when the run stopped: reconciled before resuming. */
  readonly inFlight?: { readonly ids: readonly string[]; readonly logId: string };
  readonly updatedAt: string;
  readonly done: boolean;
}

export interface RunRecord {
  readonly runId: string;
  readonly job: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly actor: string;
  /** `interrupted`: its writer died before finishing; a later run closed its audit chain (jobs/runs.ts). */
  readonly status: 'running' | 'finished' | 'stopped' | 'failed' | 'interrupted';
  readonly counts: Readonly<Record<string, number>>;
  readonly stopReason?: string;
}

/**
 * Writes one store has prepared for another to commit together with its own, in ONE transaction (all or none):
 * how a run's item and its audit chain's opening become one write (`Ledger.prepareRun`, `AuditLog.openChain`'s
 * `with`). Opaque outside lib/store, where the adapters of one database make and take them.
 */
export interface PreparedWrites {
  readonly preparedBy: string;
}

/** What the open-runs item keeps of a running run. */
export interface OpenRun {
  readonly runId: string;
  readonly job: string;
  readonly startedAt: string;
  readonly actor: string;
}

export interface QuotaUsage {
  readonly source: string;
  readonly day: string;
  readonly requests: number;
  readonly records: number;
}

/**
 * The purge fuse's state in the ledger table (domain/purge-fuse.ts): per-source counts over the last 24 h and the
 * open hold, shared by every shard worker and every sweep, and the holds with the records they keep.
 */
/** A record to hold, with its mark and next action (its expiry). */
export interface HoldEntry {
  readonly key: RecordKey;
  readonly mark: HoldMark;
  readonly nextActionAt: string;
}

export type HoldResult = 'held' | 'hold-closed' | 'not-active';

export interface HoldStore {
  /** Add one sweep step's counts to the source's current hour. */
  addFuseCounts(source: string, at: Date, delta: FuseWindow): Promise<void>;
  /** The source's counts over the `hours` (default 24) hours up to `at` (this hour included), since its last reset. */
  fuseWindow(source: string, at: Date, hours?: number): Promise<FuseWindow>;
  /** The source's open hold, if any. */
  openHoldOf(source: string): Promise<Hold | undefined>;
  /**
   * Open a hold for `source`, or join the one already open (opened by another worker or an earlier sweep): at most
   * one hold is open per source. Counts a trip on it either way.
   */
  openHold(source: string, at: Date, reason: HoldRule, evidence: HoldEvidence): Promise<{ hold: Hold; opened: boolean }>;
  /**
   * Hold records in the open hold `holdId`: mark each (`mark`, naming that hold), move its next action to
   * `nextActionAt` (its expiry), list it in the hold and count it there, all in one transaction per batch. By key:
   * `hold-closed` when the hold was closed meanwhile, `not-active` when the record is gone, already held or being
   * purged (or another writer kept it busy): nothing is written for those.
   */
  holdRecords(holdId: string, entries: readonly HoldEntry[]): Promise<Map<RecordKey, HoldResult>>;
  getHold(holdId: string): Promise<Hold | undefined>;
  /** Every hold, newest first (holds are few: one per trip that a PI decides). */
  listHolds(): Promise<Hold[]>;
  /** Keys of the records a hold still lists, a page at a time. */
  members(holdId: string, page?: { limit?: number; cursor?: string }): Promise<{ keys: RecordKey[]; cursor?: string }>;
  /**
   * Return a held record to active: clear its mark, reset its misses, make it due at `nextActionAt`, drop it from
   * the hold. False when it is no longer held in `holdId` (then only the listing is dropped).
   */
  unholdRecord(holdId: string, key: RecordKey, nextActionAt: string): Promise<boolean>;
  /** Drop a record from a hold's listing (it was purged, or is gone). */
  dropMember(holdId: string, key: RecordKey): Promise<void>;
  /** Close an open hold; the source's fuse is reset (its next trip opens a new hold). False when it was not open. */
  closeHold(holdId: string, status: Exclude<HoldStatus, 'open'>, at: Date, by: string): Promise<boolean>;
}

export interface Ledger {
  /** Number of due-index shards; sweeps query each. */
  readonly dueShards: number;
  /** The purge fuse's counts and holds, kept in the same table. */
  readonly holds: HoldStore;
  getRecords(refs: readonly RecordRef[]): Promise<Map<RecordKey, LedgerRecord>>;
  /** Tombstones by keyed record hash (what audit events name), for verification and certificates. */
  getTombstones(recordHashes: readonly string[]): Promise<Map<string, Tombstone>>;
  /** Register new records (idempotent: writing the same record twice leaves one item). */
  putRecords(records: readonly ActiveRecord[], nextActionAt: (r: ActiveRecord) => string): Promise<void>;
  updateRecords(updates: readonly RecordUpdate[]): Promise<void>;
  /**
   * Replace the record with a content-free tombstone and drop it from every index, atomically. `key` names the
   * record item to remove (the tombstone itself holds only the keyed hash, which cannot be reversed); the adapter
   * checks that `tombstone.recordHash` is the hash of `key`. Idempotent: an absent or already purged record is fine.
   */
  tombstone(key: RecordKey, tombstone: Tombstone): Promise<void>;
  /** Active records whose next action is due at or before `before`, in one shard; a Query, never a Scan. */
  queryDue(shard: number, before: Date, page?: { limit?: number; cursor?: string }): Promise<{ records: ActiveRecord[]; cursor?: string }>;
  /** Keys of the active videos first collected by `specName` (what dependent comment and author specs walk). */
  recordsOfSpec(specName: string, page?: { limit?: number; cursor?: string }): Promise<{ keys: RecordKey[]; cursor?: string }>;
  /** Active records that name `parent` as their parent. */
  children(parent: RecordKey): AsyncIterable<ActiveRecord>;
  getCheckpoint(specName: string): Promise<Checkpoint | undefined>;
  /** Several checkpoints in one read (a sweep's policy markers); names with no checkpoint are left out of the map. */
  getCheckpoints(specNames: readonly string[]): Promise<Map<string, Checkpoint>>;
  putCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Write a run item; a `running` run is also listed among the open runs, any other status takes it off. */
  putRun(run: RunRecord): Promise<void>;
  /** `putRun`'s writes, unwritten: for another store to commit together with its own (`AuditLog.openChain`). */
  prepareRun(run: RunRecord): PreparedWrites;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Runs still `running` (one read): a crashed run stays here until a later run closes it. */
  openRuns(): Promise<OpenRun[]>;
  /**
   * Claim an open run for repair: true for exactly one caller until `claimedBefore` has passed (a claimant that
   * dies blocks the repair only until then). False when the run is no longer open or someone else holds it.
   */
  claimOpenRun(runId: string, claimant: string, now: Date, claimedBefore: Date): Promise<boolean>;
  addQuotaUsage(source: string, day: string, delta: { requests: number; records: number }): Promise<QuotaUsage>;
  getQuotaUsage(source: string, day: string): Promise<QuotaUsage>;
}

export interface AuditChainWriter {
  readonly chainId: string;
  /**
   * Link and store events at the chain's head, in order. An append that carries `run.finished` also seals the
   * chain (a `close` seal, written in one transaction with its events).
   */
  append(events: readonly AuditEvent[]): Promise<ChainedAuditEvent[]>;
  /** Seal the chain at its current head (a `checkpoint` seal): for writers that end without `run.finished`. */
  seal(): Promise<ChainSeal>;
}

export interface AuditQuery {
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AuditPage {
  readonly events: ChainedAuditEvent[];
  readonly cursor?: string;
}

export interface AuditLog {
  /** Open a new chain, or resume an existing one at its head (a resumed run keeps its chain). */
  chain(chainId: string): Promise<AuditChainWriter>;
  /**
   * Open a NEW chain with its first events (no closing one) in one write: registered, the events, and an `open` seal
   * committing to the last of them, so the seal log learns of the chain no later than its first event. Nothing is
   * written before `after` settles (a run's item is written before anything of its chain), nor when it rejects; the
   * seal log's head may be read meanwhile. `with`: another store's writes (a run's item), committed in the same
   * transaction. Refused (AuditOverwriteError) for a chain that exists.
   */
  openChain(chainId: string, first: readonly AuditEvent[], options?: { after?: Promise<unknown>; with?: PreparedWrites }): Promise<AuditChainWriter>;
  byRecord(recordHash: string, query?: AuditQuery): Promise<AuditPage>;
  byAction(action: AuditAction, query: AuditQuery & { since: string; until: string }): Promise<AuditPage>;
  byActor(name: string, query?: AuditQuery): Promise<AuditPage>;
  /** One chain in seq order (a run's events). */
  byChain(chainId: string, query?: AuditQuery): Promise<AuditPage>;
  /** Every chain id, for verification. */
  chains(): AsyncIterable<string>;
  /** The seal log in seq order (domain/audit.ts): commitments to chain heads, for verification. */
  seals(): AsyncIterable<ChainSeal>;
}

/**
 * The project's content key. Crypto-shredding: once every record is purged at project end, scheduling the key's
 * deletion makes any copy that escaped the purge (a stray backup, a forgotten export) unreadable.
 */
export interface KeyManager {
  /** Schedule deletion of the project's content key, or report what would be done where that is not possible. */
  scheduleKeyDeletion(): Promise<{ readonly scheduled: boolean; readonly detail: string }>;
}

/**
 * Signs what Steward hands out (certificates, seal anchors): ECDSA P-256 over SHA-256, DER-encoded, so OpenSSL
 * alone checks it (domain/signature.ts). Deployed: an asymmetric KMS key; locally: a key file in the state dir.
 */
export interface Signer {
  /** A DER signature of SHA-256(`message`). */
  sign(message: Uint8Array): Promise<Buffer>;
  /** The public key and its fingerprint. */
  publicKey(): Promise<PublicKeyInfo>;
}

/** One seal head as anchored outside the audit table: the signed statement's exact bytes and its signature. */
export interface AnchoredSeal {
  /** The RFC 8785 text that was signed (domain/seal-anchor.ts `SealStatement`). */
  readonly statement: string;
  /** DER signature of `statement`, base64. */
  readonly signature: string;
  /** Where it was read (object key or file line), for messages. */
  readonly where: string;
}

/**
 * Write-once copies of every seal head, outside the audit table (deployed: an S3 bucket with Object Lock in
 * compliance mode; locally: an append-only file), so a rewritten or deleted audit table is detected.
 */
export interface SealAnchors {
  /** Sign and store `seal`; idempotent per seal seq. */
  anchor(seal: ChainSeal): Promise<void>;
  /** Every anchor, in seal seq order. */
  list(): AsyncIterable<AnchoredSeal>;
}
