/**
 * Verify: is the audit log intact, and do the ledger and storage agree with it and with each other?
 *
 * 1. The audit log: the seal log recomputed; every chain (the registry and the seal log name them) recomputed and
 *    held against the seals that name it (domain/audit.ts `ChainVerifier`: edits, deletions, insertions and
 *    reorderings of any event, a whole chain deleted, a seal deleted or edited, a registry item removed).
 * 2. The audit history against the ledger: a record the log shows collected and never purged must have an active
 *    ledger item (or a tombstone): `record-vanished` otherwise. An active record's refresh deadline may not be later
 *    than its last collection or refresh in the log plus the policy's `refreshWithinDays`: `deadline-beyond-log`.
 *    Every `record.purged` event has its tombstone, whose `evidenceRef` names a purge event of the same record, and
 *    no purged record is active again.
 * 3. Ledger against storage: no object without a ledger item, no active record without its object, no purged
 *    (tombstoned) record with any object version left; stored content hashes to the ledger's `contentSha256`
 *    (`content-mismatch`), for every active record (`content: 'full'`) or a random sample of them (the default).
 * 1b. The seal anchors (domain/seal-anchor.ts): every anchored seal is still in the table's seal log with the same
 *    hash, each anchor's signature verifies with the project's signing key, and an audit table that is gone
 *    while anchors name its seals is reported (a rewritten or deleted audit table: `audit-anchor`).
 * 4. Obligations: no active record past its refresh deadline or expiry, no pending purge past the policy's
 *    `purgeWithinHours` (domain/overdue.ts).
 * 5. Exports (export.ts `verifyExports`): none holds a purged record, manifests match files, stale pulled copies.
 * 6. Purge holds (holds.ts): open ones are listed; one open past the purge window is `purge-hold-overdue`.
 *
 * Memory stays bounded by the corpus's keys, never its events: the log is read chain by chain, page by page, the
 * ledger and the listings page by page, and what is kept per record is ~45 bytes outside the JS heap
 * (domain/hash-table.ts): its keyed hash, when the log last saw it and its kind; per object key a 128-bit digest of
 * the key and whether it is current, versioned and owned. An object no record owns is named by listing storage
 * again (only when there is one).
 * Nothing is written and nothing is Scanned: chains through the registry and the seal log, active records through
 * the due index, objects through listings. Violations name the record (keyed hash) and its kind, and storage
 * problems the object key; never content.
 */
import { randomInt } from 'node:crypto';
import { type ChainedAuditEvent, ChainVerifier, type ChainSeal, recordHashesOf, registryProblems, verifySeals } from '../domain/audit';
import { MS_PER_DAY } from '../domain/clock';
import { sha256Hex } from '../domain/hashing';
import { HashTable } from '../domain/hash-table';
import { checkAnchors } from '../domain/seal-anchor';
import type { AnchoredSeal } from '../store/ports';
import { AuditTableMissingError } from '../store/retry';
import { overdueObligations } from '../domain/overdue';
import type { Policy, PolicyId } from '../domain/policy';
import { type ActiveRecord, recordKeyOf, RECORD_KINDS, type RecordKind } from '../domain/records';
import { staleCopyText } from '../domain/exports';
import type { JobContext, ProgressSink } from './context';
import { mapLimit } from './context';
import { listHolds, type HoldView } from './holds';
import { exportStoreOf, verifyExports } from './export';
import { activeRecords, eventRef, recordRefOfObjectKey, RECORDS_PREFIX } from './audit-read';

export const VIOLATION_KINDS = [
  'audit-log',
  'audit-anchor',
  'record-vanished',
  'deadline-beyond-log',
  'content-mismatch',
  'object-without-record',
  'record-without-object',
  'purged-object-left',
  'purge-without-tombstone',
  'tombstone-evidence',
  'purged-record-active',
  'overdue',
  'export-holds-purged',
  'export-manifest-mismatch',
  'export-file-left',
  'export-copy-overdue',
  'purge-hold-overdue',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly recordHash?: string;
  /** The record's kind (video, comment, user, ad), where known. */
  readonly recordKind?: RecordKind;
  readonly objectKey?: string;
}

/** How much stored content was hashed against the ledger. */
export interface ContentCheck {
  readonly mode: 'full' | 'sample';
  /** Objects hashed. */
  readonly checked: number;
  /** Active records there were to check. */
  readonly of: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly audit: {
    readonly chains: number;
    readonly events: number;
    readonly seals: number;
    /** The seal log's head: keep a copy outside Steward to pin the log (tail truncation). */
    readonly head?: { readonly seq: number; readonly hash: string };
    /** The seal anchors outside the table, when the project has them. */
    readonly anchors?: {
      readonly count: number;
      readonly head?: { readonly seq: number; readonly hash: string };
      /** Seals newer than the newest anchor (pinned by the next one). */
      readonly unanchoredTail: number;
      /** Fingerprint of the key the anchors must be signed with. */
      readonly keyFingerprint: string;
    };
  };
  readonly ledger: { readonly active: number; readonly tombstoned: number; readonly pendingPurges: number };
  readonly storage: { readonly objects: number; readonly versions: number };
  /** Exports checked, and the pulled copies holding purged records (their holders' obligations). */
  readonly exports?: { readonly exports: number; readonly rows: number; readonly staleCopies: readonly string[] };
  readonly content: ContentCheck;
  /** Open purge holds (lib/jobs/holds.ts): waiting for the PI; one past its decision deadline is a violation. */
  readonly holds?: readonly HoldView[];
  readonly violations: readonly Violation[];
}

/** Objects hashed by default: a random sample of this many active records. */
export const DEFAULT_CONTENT_SAMPLE = 200;

export interface VerifyOptions {
  readonly progress?: ProgressSink;
  /** `full`: hash every active record's object; a number: that many, chosen at random. @default DEFAULT_CONTENT_SAMPLE */
  readonly content?: 'full' | number;
  /** Random integer in [0, n) for the sample. @default crypto.randomInt */
  readonly randomBelow?: (n: number) => number;
}

const PAGE = 1000;
const READ_CONCURRENCY = 16;
/** Actions after which the platform served the record: its refresh deadline runs from the newest one. */
const SEEN_ACTIONS: ReadonlySet<string> = new Set(['record.collected', 'record.changed', 'record.refreshed']);

/** Tags of the record table (keyed by record hash): the kind's index in the low three bits, then: */
const SEEN = 0x08; // the log saw it collected or refreshed (the value: ms of the newest such event)
const IN_LEDGER = 0x10; // an active ledger item was read for it
/** Tags of the object table (keyed by a digest of the object key; the value: versions, when listed with versions). */
const CURRENT = 0x01; // a current version is listed
const VERSIONED = 0x02; // the version listing names it
const OWNED = 0x04; // an active ledger item names it
const REPORTED = 0x08; // named as a leftover

/** 128-bit digest of an object key, for the object table. */
const keyDigest = (key: string): string => sha256Hex(key).slice(0, 32);

/** A purged record: its kind and the purge events that name it. */
interface Purged {
  readonly kind: RecordKind | undefined;
  readonly refs: string[];
  readonly firstAt: string;
  active?: ActiveRecord;
}

export async function verify(ctx: JobContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { ledger, objects, hasher, clock } = ctx;
  const now = clock.now();
  const violations: Violation[] = [];

  // 1. The audit log, chain by chain; per record, only when the log last saw it (and its kind), or its purges.
  const seals: ChainSeal[] = [];
  const registered = new Set<string>();
  let tableGone = false;
  try {
    for await (const seal of ctx.audit.seals()) seals.push(seal);
    for await (const id of ctx.audit.chains()) registered.add(id);
  } catch (error) {
    if (!(error instanceof AuditTableMissingError)) throw error;
    violations.push({ kind: 'audit-log', message: error.message });
    tableGone = true;
  }
  for (const message of verifySeals(seals)) violations.push({ kind: 'audit-log', message });
  // 1b. The table's seal log against the anchors kept outside it.
  let anchors: VerifyReport['audit']['anchors'];
  if (ctx.anchors && ctx.signer) {
    const key = await ctx.signer.publicKey();
    const found: AnchoredSeal[] = [];
    for await (const anchor of ctx.anchors.list()) found.push(anchor);
    const check = checkAnchors(tableGone ? undefined : seals, found, key, ctx.config.project.id);
    for (const message of check.problems) violations.push({ kind: 'audit-anchor', message });
    anchors = { count: check.anchors, ...(check.head ? { head: check.head } : {}), unanchoredTail: check.unanchoredTail, keyFingerprint: key.fingerprint };
  }
  const sealsOf = new Map<string, ChainSeal[]>();
  for (const seal of seals) {
    const mine = sealsOf.get(seal.chainId);
    if (mine) mine.push(seal);
    else sealsOf.set(seal.chainId, [seal]);
  }
  const chainIds = [...new Set([...registered, ...sealsOf.keys()])].sort();
  /** Per record hash: ms of the newest collect/refresh event, its kind (tags above). */
  const lastSeen = new HashTable(4096);
  const purged = new Map<string, Purged>();
  let eventCount = 0;
  const progress = options.progress;
  progress?.({ job: 'verify', phase: 'reading the audit log', done: 0, total: chainIds.length });
  for (const [chainIndex, chainId] of chainIds.entries()) {
    const check = new ChainVerifier(chainId, sealsOf.get(chainId) ?? []);
    let cursor: string | undefined;
    do {
      const page = await ctx.audit.byChain(chainId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
      const events = page.events as (ChainedAuditEvent | undefined)[];
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        events[i] = undefined; // each event may go once checked
        check.push(event);
        if (SEEN_ACTIONS.has(event.action)) {
          const kind = Math.max(0, RECORD_KINDS.indexOf(event.kind ?? 'video'));
          const at = Date.parse(event.at);
          // A page event (`recordHashes`) saw every record it names.
          for (const hash of recordHashesOf(event)) {
            const entry = lastSeen.add(hash);
            if ((lastSeen.tag(entry) & SEEN) === 0 || lastSeen.value(entry) < at) {
              lastSeen.setValue(entry, at);
              lastSeen.setTag(entry, SEEN | kind);
            }
          }
          continue;
        }
        if (event.recordHash === undefined) continue;
        if (event.action === 'record.purged') {
          const entry = purged.get(event.recordHash);
          if (entry) entry.refs.push(eventRef(event));
          else purged.set(event.recordHash, { kind: event.kind, refs: [eventRef(event)], firstAt: event.at });
        }
      }
      cursor = page.cursor;
      events.length = 0; // let the page go before the next read
    } while (cursor);
    eventCount += check.count;
    if ((chainIndex + 1) % 50 === 0) progress?.({ job: 'verify', phase: 'reading the audit log', done: chainIndex + 1, total: chainIds.length, counts: { events: eventCount } });
    const { hashProblems, sealProblems } = check.finish();
    for (const message of [...hashProblems, ...sealProblems, ...registryProblems(chainId, sealsOf.has(chainId), registered.has(chainId), check.count)]) {
      violations.push({ kind: 'audit-log', message });
    }
  }
  options.progress?.({ job: 'verify', phase: 'audit', done: eventCount });

  // Storage listing: per object key (its digest), whether a current version exists and how many versions.
  const stored = new HashTable(4096);
  let listed = 0;
  const tick = (phase: string) => {
    listed += 1;
    if (listed % 500 === 0) progress?.({ job: 'verify', phase, done: listed });
  };
  progress?.({ job: 'verify', phase: 'listing storage', done: 0 });
  for await (const key of objects.list(RECORDS_PREFIX)) {
    const entry = stored.add(keyDigest(key));
    stored.setTag(entry, stored.tag(entry) | CURRENT);
    tick('listing storage');
  }
  let objectCount = 0;
  let versionCount = 0;
  for await (const { key, versions } of objects.listVersionedKeys(RECORDS_PREFIX)) {
    tick('listing storage');
    objectCount += 1;
    versionCount += versions;
    const entry = stored.add(keyDigest(key));
    stored.setValue(entry, versions);
    stored.setTag(entry, stored.tag(entry) | VERSIONED);
  }

  // 2-4. Active records, streamed: obligations, deadlines against the log, objects, the content sample.
  const contentMode = options.content ?? DEFAULT_CONTENT_SAMPLE;
  const randomBelow = options.randomBelow ?? ((n: number) => randomInt(n));
  const sample: ActiveRecord[] = [];
  const fullPass: ActiveRecord[] = [];
  let activeCount = 0;
  let pendingPurges = 0;
  let contentChecked = 0;
  const checkContent = async (records: readonly ActiveRecord[]) => {
    await mapLimit(records, READ_CONCURRENCY, async (record) => {
      const object = await objects.get(record.objectKey);
      if (!object) return; // record-without-object says so
      contentChecked += 1;
      const sha = sha256Hex(object.body);
      if (sha === record.contentSha256) return;
      const hash = hasher.hash(recordKeyOf(record.ref));
      violations.push({
        kind: 'content-mismatch',
        recordHash: hash,
        recordKind: record.ref.kind,
        objectKey: record.objectKey,
        message: `${record.ref.kind} ${hash}: ${record.objectKey} hashes to ${sha.slice(0, 16)}…, the ledger says ${record.contentSha256.slice(0, 16)}… (object rewritten or ledger edited)`,
      });
    });
  };
  progress?.({ job: 'verify', phase: 'reading the ledger', done: 0, counts: { events: eventCount, objects: objectCount } });
  for await (const record of activeRecords(ledger)) {
    activeCount += 1;
    if (activeCount % 500 === 0) progress?.({ job: 'verify', phase: 'reading the ledger', done: activeCount });
    const kind = record.ref.kind;
    const hash = hasher.hash(recordKeyOf(record.ref));
    if (record.purgePending) pendingPurges += 1;
    for (const o of overdueObligations(record, now, ctx.policies)) {
      violations.push({ kind: 'overdue', recordHash: hash, recordKind: kind, message: `${kind} ${hash}: ${o.obligation} was due ${o.dueAt} (${o.hoursOverdue} h overdue)` });
    }
    const seenEntry = lastSeen.find(hash);
    const seenTag = seenEntry === -1 ? 0 : lastSeen.tag(seenEntry);
    const seen = (seenTag & (SEEN | IN_LEDGER)) === SEEN; // a second item of the same record is not checked again
    if (seenEntry !== -1) lastSeen.setTag(seenEntry, seenTag | IN_LEDGER);
    const policy = ctx.policies[record.policyId as PolicyId] as Policy | undefined;
    if (seen && policy && !record.purgePending) {
      const seenAt = lastSeen.value(seenEntry);
      const allowed = seenAt + policy.refreshWithinDays * MS_PER_DAY;
      if (Date.parse(record.refreshDueAt) > allowed) {
        violations.push({
          kind: 'deadline-beyond-log',
          recordHash: hash,
          recordKind: kind,
          message: `${kind} ${hash}: the ledger promises a refresh by ${record.refreshDueAt}, but the log last saw it ${new Date(seenAt).toISOString()}, so under ${policy.id} v${policy.version} (${policy.refreshWithinDays} days) it is due by ${new Date(allowed).toISOString()}`,
        });
      }
    }
    const purge = purged.get(hash);
    if (purge) purge.active = record;
    const objectEntry = stored.find(keyDigest(record.objectKey));
    const objectTag = objectEntry === -1 ? OWNED : stored.tag(objectEntry);
    if (objectEntry !== -1) stored.setTag(objectEntry, objectTag | OWNED);
    if ((objectTag & (OWNED | CURRENT)) !== CURRENT) {
      if (!record.purgePending) {
        violations.push({ kind: 'record-without-object', recordHash: hash, recordKind: kind, message: `${kind} ${hash}: active in the ledger but its object is missing` });
      }
      continue;
    }
    if (record.purgePending) continue;
    if (contentMode === 'full') {
      fullPass.push(record);
      if (fullPass.length >= PAGE) await checkContent(fullPass.splice(0));
    } else if (sample.length < contentMode) {
      sample.push(record);
    } else {
      // Reservoir sampling: every active record is equally likely to be in the sample.
      const slot = randomBelow(activeCount);
      if (slot < contentMode) sample[slot] = record;
    }
  }
  await checkContent(contentMode === 'full' ? fullPass : sample);
  options.progress?.({ job: 'verify', phase: 'ledger', done: activeCount });

  // Records the log shows collected and never purged, with no active item: vanished unless a tombstone remains.
  const vanished = async (part: readonly number[]) => {
    const hashes = part.map((entry) => lastSeen.keyAt(entry));
    const tombstones = await ledger.getTombstones(hashes);
    part.forEach((entry, i) => {
      const hash = hashes[i]!;
      if (tombstones.has(hash)) return;
      const kind = RECORD_KINDS[lastSeen.tag(entry) & 7] ?? 'video';
      violations.push({
        kind: 'record-vanished',
        recordHash: hash,
        recordKind: kind,
        message: `${kind} ${hash}: the log shows it collected (last seen ${new Date(lastSeen.value(entry)).toISOString()}) and never purged, but the ledger holds neither the record nor a tombstone`,
      });
    });
  };
  let unaccounted: number[] = [];
  for (let entry = 0; entry < lastSeen.size; entry++) {
    if ((lastSeen.tag(entry) & (SEEN | IN_LEDGER)) !== SEEN) continue;
    if (purged.size > 0 && purged.has(lastSeen.keyAt(entry))) continue;
    unaccounted.push(entry);
    if (unaccounted.length >= PAGE) await vanished(unaccounted.splice(0));
  }
  if (unaccounted.length > 0) await vanished(unaccounted);
  unaccounted = [];

  // Purge events against tombstones.
  let tombstoned = 0;
  const purgedHashes = [...purged.keys()];
  for (let i = 0; i < purgedHashes.length; i += PAGE) {
    const part = purgedHashes.slice(i, i + PAGE);
    const tombstones = await ledger.getTombstones(part);
    tombstoned += tombstones.size;
    for (const hash of part) {
      const purge = purged.get(hash)!;
      const tombstone = tombstones.get(hash);
      const kind = tombstone?.kind ?? purge.kind;
      if (!tombstone) {
        // A purge cut short leaves the record pending: the overdue rule covers it once it is late.
        if (purge.active?.purgePending) continue;
        violations.push({
          kind: 'purge-without-tombstone',
          recordHash: hash,
          ...(kind ? { recordKind: kind } : {}),
          message: `${kind ?? 'record'} ${hash}: purged at ${purge.firstAt} (${purge.refs[0]}) but the ledger holds no tombstone`,
        });
        continue;
      }
      if (!purge.refs.includes(tombstone.evidenceRef)) {
        violations.push({
          kind: 'tombstone-evidence',
          recordHash: hash,
          recordKind: tombstone.kind,
          message: `${tombstone.kind} ${hash}: tombstone evidence ${tombstone.evidenceRef} is not a purge event of this record (purge events: ${purge.refs.join(', ')})`,
        });
      }
      if (purge.active) {
        violations.push({ kind: 'purged-record-active', recordHash: hash, recordKind: tombstone.kind, message: `${tombstone.kind} ${hash}: tombstoned, yet an active ledger item remains` });
      }
    }
  }
  purged.clear();

  // Objects no active record owns: storage is listed again to name them (the table holds digests of their keys).
  let leftovers = 0;
  for (let entry = 0; entry < stored.size; entry++) if ((stored.tag(entry) & OWNED) === 0) leftovers += 1;
  const unknown: { key: string; versions: number }[] = [];
  const leftover = (key: string): void => {
    const entry = stored.find(keyDigest(key));
    if (entry === -1) return; // written since the first listing
    const tag = stored.tag(entry);
    if (tag & (OWNED | REPORTED)) return;
    stored.setTag(entry, tag | REPORTED);
    unknown.push({ key, versions: Math.max(1, tag & VERSIONED ? stored.value(entry) : 0) });
  };
  if (leftovers > 0) {
    for await (const key of objects.list(RECORDS_PREFIX)) leftover(key);
    for await (const { key } of objects.listVersionedKeys(RECORDS_PREFIX)) leftover(key);
  }
  for (let i = 0; i < unknown.length; i += PAGE) {
    const part = unknown.slice(i, i + PAGE).map(({ key, versions }) => {
      const ref = recordRefOfObjectKey(key);
      return { key, versions, ref, hash: ref ? hasher.hash(recordKeyOf(ref)) : undefined };
    });
    const tombstones = await ledger.getTombstones(part.flatMap((u) => (u.hash ? [u.hash] : [])));
    for (const u of part) {
      const tombstone = u.hash ? tombstones.get(u.hash) : undefined;
      if (tombstone) {
        violations.push({
          kind: 'purged-object-left',
          recordHash: u.hash,
          recordKind: tombstone.kind,
          objectKey: u.key,
          message: `${tombstone.kind} ${u.hash}: purged (${tombstone.reason}, ${tombstone.evidenceRef}) but storage still holds ${u.versions} version(s) of ${u.key}`,
        });
      } else {
        violations.push({
          kind: 'object-without-record',
          objectKey: u.key,
          ...(u.hash ? { recordHash: u.hash } : {}),
          ...(u.ref ? { recordKind: u.ref.kind } : {}),
          message: `${u.key}: ${u.versions} object version(s) with no ledger item${u.hash ? '' : ' (not a record key)'}`,
        });
      }
    }
  }
  options.progress?.({ job: 'verify', phase: 'storage', done: objectCount });

  // 5. Exports: none holds a purged record, manifests match files, stale pulled copies listed.
  const exported = await verifyExports(ctx, exportStoreOf(ctx));
  for (const v of exported.violations) violations.push({ kind: v.kind, message: v.detail });

  // 6. Purge holds: open ones are listed; one open past the purge window is a violation (what is gone must go).
  const holds = (await listHolds(ctx, { openOnly: true })).holds;
  for (const hold of holds.filter((h) => h.overdue)) {
    violations.push({ kind: 'purge-hold-overdue', message: `purge hold ${hold.id} (${hold.source}, ${hold.records} record(s)) was due for the PI's decision at ${hold.decisionDueAt}: steward purge release|dismiss ${hold.id}` });
  }

  const head = seals[seals.length - 1];
  return {
    ok: violations.length === 0,
    checkedAt: now.toISOString(),
    audit: { chains: chainIds.length, events: eventCount, seals: seals.length, ...(head ? { head: { seq: head.seq, hash: head.hash } } : {}), ...(anchors ? { anchors } : {}) },
    ledger: { active: activeCount, tombstoned, pendingPurges },
    storage: { objects: objectCount, versions: versionCount },
    exports: { exports: exported.exports, rows: exported.rows, staleCopies: exported.staleCopies.map(staleCopyText) },
    content: { mode: contentMode === 'full' ? 'full' : 'sample', checked: contentChecked, of: activeCount },
    holds,
    violations,
  };
}
