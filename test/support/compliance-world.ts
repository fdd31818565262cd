/**
 * A small, real compliance history written through the ports (ledger, object store, audit chains), the way
 * collect and purge write it: runs with `run.started` / `run.finished`, records collected with their objects and
 * ledger items, purges that remove every object version, append `record.purged` and leave a tombstone whose
 * `evidenceRef` names that event. Used by the verify, report, certify, erase and dry-run tests.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, ChainedAuditEvent } from '../../lib/domain/audit';
import { sha256Hex } from '../../lib/domain/hashing';
import { nextActionAt, obligationsFor } from '../../lib/domain/obligations';
import { newActiveRecord, objectKeyOf, parseRecordKey, type ActiveRecord, type PurgeReason, type RecordKey } from '../../lib/domain/records';
import type { JobContext } from '../../lib/jobs/context';
import { makeLocalDynamoClients } from '../../lib/local/aws-clients';
import type { AuditChainWriter } from '../../lib/store/ports';
import type { DynamoDbAuditLog } from '../../lib/store/dynamodb-audit-log';
import type { DynamoDbLedger } from '../../lib/store/dynamodb-ledger';
import { localAws } from './local-aws';

const DAY = 86_400_000;

/** A document client on the test services, to tamper with items directly (as an attacker would). */
export function rawDoc(): { doc: DynamoDBDocumentClient; destroy(): void } {
  const { client, doc } = makeLocalDynamoClients(localAws(), { translateConfig: { marshallOptions: { removeUndefinedValues: true } } });
  return { doc, destroy: () => client.destroy() };
}

export function auditTableOf(ctx: JobContext): string {
  return (ctx.audit as DynamoDbAuditLog).tableName;
}

export function ledgerTableOf(ctx: JobContext): string {
  return (ctx.ledger as DynamoDbLedger).tableName;
}

/** Ads come from the commercial source (a spec the test config does not define: counted under that API's source). */
const specNameOf = (kind: string) => (kind === 'ad' ? 'eu-ads' : 'climate-videos');

/** A run: opens its chain, appends `run.started`, lets `body` work, appends `run.finished` unless told not to. */
export async function run(
  ctx: JobContext,
  runId: string,
  body: (chain: AuditChainWriter) => Promise<void>,
  options: { finish?: boolean } = {},
): Promise<void> {
  const chain = await ctx.audit.chain(runId);
  await chain.append([{ at: ctx.clock.now().toISOString(), action: 'run.started', actor: ctx.actor, runId }]);
  await body(chain);
  if (options.finish !== false) await chain.append([{ at: ctx.clock.now().toISOString(), action: 'run.finished', actor: ctx.actor, runId }]);
}

export interface CollectRecordsOptions {
  /** The stored content of each record. @default `{"id":"<key>"}` */
  readonly body?: (key: RecordKey) => string;
  /** The parent every record belongs to (a comment's video, a video's account): what purges cascade through. */
  readonly parentKey?: RecordKey;
  /** The spec the records are counted under. @default by kind: ads `eu-ads`, the rest `climate-videos` */
  readonly specName?: string;
}

/** Collect `keys` now: object, ledger item (obligations from the policy), `record.collected` events. */
export async function collectRecords(ctx: JobContext, chain: AuditChainWriter, keys: readonly RecordKey[], options: CollectRecordsOptions = {}): Promise<ActiveRecord[]> {
  const body = options.body ?? ((key: RecordKey) => `{"id":"${key}"}`);
  const specName = (kind: string) => options.specName ?? specNameOf(kind);
  const now = ctx.clock.now();
  const at = now.toISOString();
  const records: ActiveRecord[] = [];
  for (const key of keys) {
    const ref = parseRecordKey(key);
    const policy = ctx.policies[ref.kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research'];
    const o = obligationsFor(now, now, policy, new Date(`${ctx.config.project.endDate}T00:00:00Z`));
    await ctx.objects.put(objectKeyOf(ref), body(key));
    records.push(newActiveRecord({
      ref,
      contentSha256: sha256Hex(body(key)),
      sizeBytes: body(key).length,
      provenance: {
        runId: chain.chainId,
        specName: specName(ref.kind),
        queryFingerprint: 'f'.repeat(64),
        endpoint: 'https://open.tiktokapis.com/v2/research/video/query/',
        // A platform log id: a timestamp and a counter, never the record's id.
        logId: `${at.replace(/\D/g, '').slice(0, 14)}${String(records.length).padStart(6, '0')}`,
        retrievedAt: at,
        collectorVersion: 'test',
        collectedBy: ctx.actor.name,
      },
      at,
      policy,
      obligations: o,
      parentKey: options.parentKey,
    }));
  }
  const policyOf = (r: ActiveRecord) => ctx.policies[r.policyId as 'tiktok-research'];
  await ctx.ledger.putRecords(records, (r) => nextActionAt({ refreshDueAt: new Date(r.refreshDueAt), expiresAt: new Date(r.expiresAt) }, policyOf(r)).toISOString());
  await chain.append(
    records.map((r) => ({
      at,
      action: 'record.collected',
      actor: ctx.actor,
      runId: chain.chainId,
      recordHash: ctx.hasher.hash(`${r.ref.platform}:${r.ref.kind}:${r.ref.id}`),
      kind: r.ref.kind,
      specName: r.provenance.specName,
      evidence: { logId: r.provenance.logId },
    })),
  );
  return records;
}

/** Refresh `keys` now: deadline moved in the ledger, `record.refreshed` events. */
export async function refreshRecords(ctx: JobContext, chain: AuditChainWriter, keys: readonly RecordKey[]): Promise<void> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const policy = ctx.policies['tiktok-research'];
  const o = obligationsFor(now, now, policy, new Date(`${ctx.config.project.endDate}T00:00:00Z`));
  await ctx.ledger.updateRecords(
    keys.map((key) => ({ kind: 'seen', key, at, refreshDueAt: o.refreshDueAt.toISOString(), nextActionAt: nextActionAt(o, policy).toISOString() })),
  );
  await chain.append(
    keys.map((key) => ({
      at,
      action: 'record.refreshed',
      actor: ctx.actor,
      runId: chain.chainId,
      recordHash: ctx.hasher.hash(key),
      kind: parseRecordKey(key).kind,
      evidence: { method: 'lookup', logId: `refresh-${key}` },
    })),
  );
}

/** Purge as purge.ts does: every object version, then `record.purged`, then the tombstone naming that event. */
export async function purgeRecord(
  ctx: JobContext,
  chain: AuditChainWriter,
  key: RecordKey,
  reason: PurgeReason,
  evidence: Record<string, string | number> = { rule: 'batch-lookup', logId: 'L-purge', peersFound: 3 },
): Promise<ChainedAuditEvent> {
  const ref = parseRecordKey(key);
  const versionsRemoved = await ctx.objects.deleteAllVersions(objectKeyOf(ref));
  const at = ctx.clock.now().toISOString();
  const event: AuditEvent = {
    at,
    action: 'record.purged',
    actor: ctx.actor,
    runId: chain.chainId,
    recordHash: ctx.hasher.hash(key),
    kind: ref.kind,
    reason,
    evidence: { ...evidence, versionsRemoved },
  };
  const [linked] = await chain.append([event]);
  await ctx.ledger.tombstone(key, {
    platform: ref.platform,
    kind: ref.kind,
    recordHash: ctx.hasher.hash(key),
    status: 'tombstoned',
    reason,
    purgedAt: at,
    evidenceRef: `${linked!.chainId}#${linked!.seq}`,
    policyId: 'tiktok-research',
    policyVersion: 1,
  });
  return linked!;
}

export const videoKey = (n: number): RecordKey => `tiktok:video:${7_320_000_000_000_000_000n + BigInt(n)}`;
export const commentKey = (n: number): RecordKey => `tiktok:comment:${7_400_000_000_000_000_000n + BigInt(n)}`;
export const adKey = (n: number): RecordKey => `tiktok:ad:${1_780_000_000_000_000n + BigInt(n)}`;
/** Accounts are keyed by the keyed hash of their username (32 hex digits), never by the name. */
export const userKey = (n: number): RecordKey => `tiktok:user:${n.toString(16).padStart(32, 'a')}`;

export { DAY };

/**
 * A small family of records for purge, erasure and expiry tests: an account U with videos V1 (comments C1-C3) and
 * V2 (comment C4), a video V3 (comment C5) and a video V4 with no author or comments, and an ad A1; each under its
 * own spec (`climate-authors`, `climate-videos`, `climate-comments`, `eu-ads`).
 */
export const FAMILY = {
  U: userKey(1),
  V1: videoKey(1),
  V2: videoKey(2),
  V3: videoKey(3),
  V4: videoKey(4),
  C1: commentKey(1),
  C2: commentKey(2),
  C3: commentKey(3),
  C4: commentKey(4),
  C5: commentKey(5),
  A1: adKey(1),
} as const;
export const FAMILY_KEYS: readonly RecordKey[] = Object.values(FAMILY);

/** Collect the family in one finished run. */
export async function collectFamily(ctx: JobContext, runId = 'collect-family'): Promise<void> {
  const { U, V1, V2, V3, V4, C1, C2, C3, C4, C5, A1 } = FAMILY;
  await run(ctx, runId, async (chain) => {
    await collectRecords(ctx, chain, [U], { specName: 'climate-authors' });
    await collectRecords(ctx, chain, [V1, V2], { parentKey: U });
    await collectRecords(ctx, chain, [V3, V4]);
    await collectRecords(ctx, chain, [C1, C2, C3], { parentKey: V1, specName: 'climate-comments' });
    await collectRecords(ctx, chain, [C4], { parentKey: V2, specName: 'climate-comments' });
    await collectRecords(ctx, chain, [C5], { parentKey: V3, specName: 'climate-comments' });
    await collectRecords(ctx, chain, [A1]);
  });
}

/** The status of each key in the ledger (`undefined` when there is neither a record nor a tombstone). */
export async function statusesOf(ctx: JobContext, keys: readonly RecordKey[]): Promise<Record<RecordKey, string | undefined>> {
  const states = await ctx.ledger.getRecords(keys.map(parseRecordKey));
  return Object.fromEntries(keys.map((k) => [k, states.get(k)?.status]));
}
