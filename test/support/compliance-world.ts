/**
 * A small, real compliance history written through the ports (ledger, object store, audit chains), the way
 * collect and purge write it: runs with `run.started` / `run.finished`, records collected with their objects and
 * ledger items, purges that remove every object version, append `record.purged` and leave a tombstone whose
 * `evidenceRef` names that event. Used by the verify, report and certify tests.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, ChainedAuditEvent } from '../../lib/domain/audit';
import { nextActionAt, obligationsFor } from '../../lib/domain/obligations';
import { objectKeyOf, parseRecordKey, type ActiveRecord, type PurgeReason, type RecordKey } from '../../lib/domain/records';
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

/** Collect `keys` now: object, ledger item (obligations from the policy), `record.collected` events. */
export async function collectRecords(ctx: JobContext, chain: AuditChainWriter, keys: readonly RecordKey[], body = (key: RecordKey) => `{"id":"${key}"}`): Promise<ActiveRecord[]> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const records: ActiveRecord[] = [];
  for (const key of keys) {
    const ref = parseRecordKey(key);
    const policy = ctx.policies[ref.kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research'];
    const o = obligationsFor(now, now, policy, new Date(`${ctx.config.project.endDate}T00:00:00Z`));
    await ctx.objects.put(objectKeyOf(ref), body(key));
    records.push({
      ref,
      status: 'active',
      objectKey: objectKeyOf(ref),
      contentSha256: 'a'.repeat(64),
      sizeBytes: body(key).length,
      provenance: {
        runId: chain.chainId,
        specName: specNameOf(ref.kind),
        queryFingerprint: 'f'.repeat(64),
        endpoint: 'https://open.tiktokapis.com/v2/research/video/query/',
        // A platform log id: a timestamp and a counter, never the record's id.
        logId: `${at.replace(/\D/g, '').slice(0, 14)}${String(records.length).padStart(6, '0')}`,
        retrievedAt: at,
        collectorVersion: 'test',
        collectedBy: ctx.actor.name,
      },
      firstCollectedAt: at,
      lastSeenAt: at,
      policyId: policy.id,
      policyVersion: policy.version,
      refreshDueAt: o.refreshDueAt.toISOString(),
      expiresAt: o.expiresAt.toISOString(),
      missCount: 0,
    });
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
      specName: specNameOf(r.ref.kind),
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

export { DAY };
