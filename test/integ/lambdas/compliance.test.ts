/**
 * The compliance handlers in-process, on local DynamoDB/S3 and the TikTok emulator: the refresh worker (one shard,
 * its lease, the hand-off near the time limit), the purge function (scheduled pending purges, orphaned objects),
 * and the collector handing the deletions of its crash repair to the purger (it may not delete itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { verifySignature } from '../../../lib/domain/signature';
import { mockClient } from 'aws-sdk-client-mock';
import { functionEnvOf, JOB_ENV } from '../../../lib/config/deployed';
import { objectKeyOf, recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { DynamoDbLease } from '../../../lib/store/dynamodb-lease';
import { DUE_SHARDS } from '../../../lib/store/tables';
import { systemClock } from '../../../lib/domain/clock';
import { destroyTestClients, testDynamoClients, testS3Client } from '../../support/local-aws';
import { deployedFixture, jsonLines, lambdaContext, memberContext, schedulerEvent, SIGNING_KEY_ARN, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;
const PURGE_FUNCTION = 'steward-test-purge';
const FAR_FUTURE = new Date('2099-01-01T00:00:00Z');
const recordedEvent = (source: string) => (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', source, `${name}.json`), 'utf8')) as Record<string, unknown>;
const stepFunctionsEvent = recordedEvent('stepfunctions');
/** Yesterday (UTC): the by-time index is read day by day, so queries ask about the last day only. */
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
/** On-demand invocations (`aws lambda invoke --payload ...`). */
const invokeEvent = recordedEvent('invoke');

describe('compliance handlers', () => {
  let fx: DeployedFixture;
  let collect: Handler;
  let purge: Handler;
  let refreshShard: Handler;
  let verify: Handler;
  let auditQuery: Handler;
  let report: Handler;
  let certify: Handler;
  let expire: Handler;
  let erase: Handler;
  let quotaPlan: Handler;
  const lambda = mockClient(LambdaClient);

  beforeAll(async () => {
    fx = await deployedFixture('refresh-shard', { tiktok: true, env: { [functionEnvOf('purge')]: PURGE_FUNCTION, [JOB_ENV.s3Versioning]: 'auto' } });
    collect = (require('../../../lambdas/collect') as { handler: Handler }).handler;
    purge = (require('../../../lambdas/purge') as { handler: Handler }).handler;
    refreshShard = (require('../../../lambdas/refresh-shard') as { handler: Handler }).handler;
    verify = (require('../../../lambdas/verify') as { handler: Handler }).handler;
    auditQuery = (require('../../../lambdas/audit-query') as { handler: Handler }).handler;
    report = (require('../../../lambdas/report') as { handler: Handler }).handler;
    certify = (require('../../../lambdas/certify') as { handler: Handler }).handler;
    expire = (require('../../../lambdas/expire') as { handler: Handler }).handler;
    erase = (require('../../../lambdas/erase') as { handler: Handler }).handler;
    quotaPlan = (require('../../../lambdas/quota-plan') as { handler: Handler }).handler;
    // The collector's invocations of the purge function run the purge handler in-process.
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
      expect(input.FunctionName).toBe(PURGE_FUNCTION);
      const result = await purge(JSON.parse(Buffer.from(input.Payload).toString('utf8')), lambdaContext(PURGE_FUNCTION));
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
    });
    const seeded = await collect(schedulerEvent('collect'), lambdaContext('steward-collect'));
    expect(seeded.specs[0].newRecords).toBeGreaterThan(20);
  });
  afterAll(async () => {
    lambda.restore();
    await fx.close();
    destroyTestClients();
  });

  /** The active records of the fullest shard. */
  async function fullestShard(): Promise<{ shard: number; records: ActiveRecord[] }> {
    const { ledger } = fx.stores();
    let best = { shard: 0, records: [] as ActiveRecord[] };
    for (let shard = 0; shard < DUE_SHARDS; shard++) {
      const { records } = await ledger.queryDue(shard, FAR_FUTURE, { limit: 1000 });
      if (records.length > best.records.length) best = { shard, records };
    }
    return best;
  }

  /** Make `records` due now (as if their refresh deadline approached). */
  async function makeDue(records: readonly ActiveRecord[]): Promise<void> {
    const at = new Date(Date.now() - 60_000).toISOString();
    await fx.stores().ledger.updateRecords(records.map((r) => ({ kind: 'seen' as const, key: recordKeyOf(r.ref), at, nextActionAt: at })));
  }

  describe('lambdas/refresh-shard', () => {
    it('refreshes the due records of its shard, answers done, and gives the lease back', async () => {
      const { shard, records } = await fullestShard();
      await makeDue(records);
      const result = await refreshShard({ ...stepFunctionsEvent('refresh-shard'), shard }, lambdaContext('steward-refresh-shard'));
      expect(result).toMatchObject({ shard, round: 0, done: true, due: records.length });
      expect(result.unchanged + result.changed + result.validated).toBe(records.length);
      const lease = new DynamoDbLease(testDynamoClients().doc, fx.tables.ledger, systemClock);
      expect(await lease.acquire(`refresh-shard-${String(shard).padStart(2, '0')}`, 'probe', new Date(Date.now() + 60_000))).toBe(true);
      await lease.release(`refresh-shard-${String(shard).padStart(2, '0')}`, 'probe');
    });

    it('near the time limit stops starting work and answers done: false (the state machine hands off)', async () => {
      const { shard, records } = await fullestShard();
      await makeDue(records);
      const result = await refreshShard({ shard, round: 2 }, lambdaContext('steward-refresh-shard', 60_000));
      expect(result).toMatchObject({ shard, round: 2, done: false, stopped: 'deadline' });
      // What was not handled stays due for the next worker.
      const { records: stillDue } = await fx.stores().ledger.queryDue(shard, new Date(), { limit: 1000 });
      expect(stillDue.length).toBe(records.length);
      const next = await refreshShard({ shard, round: 3 }, lambdaContext('steward-refresh-shard'));
      expect(next).toMatchObject({ done: true, due: records.length });
    });

    it('leaves a shard that another worker holds', async () => {
      const { shard, records } = await fullestShard();
      await makeDue(records);
      const name = `refresh-shard-${String(shard).padStart(2, '0')}`;
      const lease = new DynamoDbLease(testDynamoClients().doc, fx.tables.ledger, systemClock);
      expect(await lease.acquire(name, 'other-worker', new Date(Date.now() + 600_000))).toBe(true);
      const result = await refreshShard({ shard }, lambdaContext('steward-refresh-shard'));
      expect(result).toEqual({ shard, round: 0, done: true, leased: true });
      await lease.release(name, 'other-worker');
    });

    it('refuses a shard outside the due index', async () => {
      await expect(refreshShard({ shard: DUE_SHARDS }, lambdaContext('steward-refresh-shard'))).rejects.toThrow(/\$\.shard/);
    });
  });

  describe('lambdas/purge', () => {
    it('completes pending purges on schedule: every object gone, tombstones left', async () => {
      const { records } = await fullestShard();
      const targets = records.slice(0, 2);
      const at = new Date().toISOString();
      await fx.stores().ledger.updateRecords(
        targets.map((r) => ({ kind: 'purge-pending' as const, key: recordKeyOf(r.ref), at, reason: 'unavailable' as const, evidence: { rule: 'test' } })),
      );
      const result = await purge(schedulerEvent('purge'), lambdaContext(PURGE_FUNCTION));
      expect(result).toMatchObject({ dryRun: false, pending: 2 });
      expect(result.purged).toBeGreaterThanOrEqual(2);
      const after = await fx.stores().ledger.getRecords(targets.map((r) => r.ref));
      for (const r of targets) {
        expect(after.get(recordKeyOf(r.ref))?.status).toBe('tombstoned');
        await expect(testS3Client().send(new HeadObjectCommand({ Bucket: fx.bucket, Key: r.objectKey }))).rejects.toThrow();
      }
    });

    it('deletes an orphaned object, and refuses one that an active record owns', async () => {
      const orphan = objectKeyOf({ platform: 'tiktok', kind: 'video', id: '7000000000000000001' });
      await testS3Client().send(new PutObjectCommand({ Bucket: fx.bucket, Key: orphan, Body: '{}' }));
      expect(await purge({ orphanObjectKeys: [orphan] }, lambdaContext(PURGE_FUNCTION))).toEqual({ versionsRemoved: 1, refused: 0 });
      await expect(testS3Client().send(new HeadObjectCommand({ Bucket: fx.bucket, Key: orphan }))).rejects.toThrow();

      const { records } = await fullestShard();
      const owned = records[0]!.objectKey;
      expect(await purge({ orphanObjectKeys: [owned] }, lambdaContext(PURGE_FUNCTION))).toEqual({ versionsRemoved: 0, refused: 1 });
      await expect(testS3Client().send(new HeadObjectCommand({ Bucket: fx.bucket, Key: owned }))).resolves.toBeDefined();
    });

    it('refuses keys that are not record objects', async () => {
      await expect(purge({ orphanObjectKeys: ['records/../cloudtrail/x.json'] }, lambdaContext(PURGE_FUNCTION))).rejects.toThrow(/not the object key of a record/);
      await expect(purge({ orphanObjectKeys: ['logs/x'] }, lambdaContext(PURGE_FUNCTION))).rejects.toThrow(/\$\.orphanObjectKeys\[0\]/);
      await expect(purge({ shards: [99] }, lambdaContext(PURGE_FUNCTION))).rejects.toThrow(/\$\.shards\[0\]/);
    });
  });

  describe('lambdas/verify (daily compliance check)', () => {
    it('checks the audit log, ledger, storage and deadlines, and publishes the overdue count', async () => {
      const result = await verify(schedulerEvent('compliance-check'), lambdaContext('steward-verify'));
      expect(result).toMatchObject({ ok: true, violations: expect.objectContaining({ overdue: 0, 'object-without-record': 0 }) });
      expect(result.ledger.active).toBeGreaterThan(20);
      expect(result.audit.chains).toBeGreaterThan(0);
      const emf = jsonLines(fx.stdout()).filter((l) => l._aws && l.OverdueObligations !== undefined);
      expect(emf.at(-1)).toMatchObject({ OverdueObligations: 0, ComplianceViolations: 0, project: 'test-project' });
    });

    it('reports an overdue obligation as a count (and the alarm metric above 0)', async () => {
      const { shard, records } = await fullestShard();
      const past = new Date(Date.now() - 30 * 86_400_000).toISOString();
      await fx.stores().ledger.updateRecords([{ kind: 'seen', key: recordKeyOf(records[0]!.ref), at: past, refreshDueAt: past, nextActionAt: past }]);
      const result = await verify({}, lambdaContext('steward-verify'));
      expect(result.ok).toBe(false);
      expect(result.violations.overdue).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(result)).not.toContain(records[0]!.ref.id);
      const emf = jsonLines(fx.stdout()).filter((l) => l._aws && l.OverdueObligations !== undefined);
      expect(emf.at(-1)!.OverdueObligations).toBeGreaterThanOrEqual(1);
      // Put it back in order for the tests that follow.
      await refreshShard({ shard }, lambdaContext('steward-refresh-shard'));
    });
  });

  describe('lambdas/expire', () => {
    it('counts on a dry run and purges nothing before the project ends (no key is scheduled)', async () => {
      const dry = await expire({ ...schedulerEvent('expiry'), dryRun: true }, lambdaContext('steward-expire'));
      expect(dry).toMatchObject({ dryRun: true, projectEnded: false, expired: 0 });
      const run = await expire(schedulerEvent('expiry'), lambdaContext('steward-expire'));
      expect(run).toMatchObject({ dryRun: false, projectEnded: false, expired: 0, purged: 0 });
      expect(run.keyDeletion).toBeUndefined();
    });
  });

  describe('lambdas/erase', () => {
    it('erases a video on request: purged, object gone, the request audited as the researcher\'s', async () => {
      const { records } = await fullestShard();
      const video = records.find((r) => r.ref.kind === 'video')!;
      const result = await erase({ ...invokeEvent('erase'), video: video.ref.id }, memberContext('steward-erase', 'ada'));
      expect(result).toMatchObject({ kind: 'video', wasStored: true });
      expect(result.purged).toBeGreaterThanOrEqual(1);
      await expect(testS3Client().send(new HeadObjectCommand({ Bucket: fx.bucket, Key: video.objectKey }))).rejects.toThrow();
      const history = await auditQuery({ run: result.runId }, lambdaContext('steward-audit-query'));
      expect(history.events.find((e: { action: string }) => e.action === 'erasure.requested')).toMatchObject({ actor: { type: 'researcher', name: 'ada' } });
      expect(fx.stdout()).not.toContain(video.ref.id);
    });

    it('refuses a request that no member alias vouches for, one in another member\'s name, or a malformed target', async () => {
      // The requester is the member whose alias was invoked; the event's requestedBy is only a claim.
      await expect(erase({ video: '7320768196569599275', requestedBy: 'ada' }, lambdaContext('steward-erase'))).rejects.toThrow(/^requestedBy: erase is a lab member's action .* unqualified function/);
      await expect(erase({ video: '7320768196569599275' }, memberContext('steward-erase', 'mallory'))).rejects.toThrow(/alias member-mallory: "mallory" is not a member/);
      await expect(erase({ video: '7320768196569599275', requestedBy: 'ada' }, memberContext('steward-erase', 'grace'))).rejects.toMatchObject({ name: 'BadInputError', message: expect.stringMatching(/^requestedBy: the event names "ada" but the request came through the alias member-grace/) });
      await expect(erase({ video: 'not-an-id', requestedBy: 'ada' }, memberContext('steward-erase', 'ada'))).rejects.toThrow(/is not a TikTok video id/);
    });
  });

  describe('lambdas/quota-plan', () => {
    it('plans each source\'s quota from the due index', async () => {
      const result = await quotaPlan(invokeEvent('quota-plan'), lambdaContext('steward-quota-plan'));
      expect(result.sources.map((s: { source: string }) => s.source).sort()).toEqual(['ads', 'research']);
    });
  });

  describe('audit handlers (on demand)', () => {
    it('lambdas/audit-query answers one page by action, hashes only', async () => {
      const result = await auditQuery({ ...invokeEvent('audit-query'), since: yesterday() }, lambdaContext('steward-audit-query'));
      expect(result.query).toMatchObject({ by: 'action', value: 'record.collected' });
      // Collections are logged as page events: a few events, each naming its records by keyed hash only.
      expect(result.events.length).toBeGreaterThan(0);
      expect(result.events.length).toBeLessThanOrEqual(20);
      for (const event of result.events) {
        expect(event).toMatchObject({ action: 'record.collected', recordHashes: expect.any(Array) });
        for (const hash of event.recordHashes) expect(hash).toMatch(/^[0-9a-f]{32}$/);
      }
    });

    it('lambdas/audit-query finds the history of one record by its key', async () => {
      const { records } = await fullestShard();
      const record = recordKeyOf(records[0]!.ref);
      const result = await auditQuery({ record }, lambdaContext('steward-audit-query'));
      expect(result.events.map((e: { action: string }) => e.action)).toContain('record.collected');
      await expect(auditQuery({ record, run: 'x' }, lambdaContext('steward-audit-query'))).rejects.toThrow(/one question at a time/);
    });

    it('lambdas/report builds the compliance report', async () => {
      const result = await report(invokeEvent('report'), lambdaContext('steward-report'));
      expect(result.purges.total).toBeGreaterThanOrEqual(2);
      expect(result.refreshes.total).toBeGreaterThan(0);
      expect(typeof result.ok).toBe('boolean');
    });

    it('lambdas/report answers the attrition report when asked, counts and ages only', async () => {
      const result = await report({ attrition: {} }, lambdaContext('steward-report'));
      expect(result.kind).toBe('steward.attrition-report');
      const videos = result.shares.find((s: { spec: string; kind: string }) => s.spec === 'climate-videos' && s.kind === 'video');
      expect(videos.collected).toBeGreaterThan(20);
      expect(result.survival[0]).toMatchObject({ group: 'all', subjects: expect.any(Number) });
      await expect(report({ attrition: { spec: 'no-such-spec' } }, lambdaContext('steward-report'))).rejects.toThrow(/--spec: no spec "no-such-spec"/);
    });

    it('lambdas/calendar answers the obligations per day from the due index', async () => {
      const calendar = (require('../../../lambdas/calendar') as { handler: Handler }).handler;
      const result = await calendar(invokeEvent('calendar'), lambdaContext('steward-calendar'));
      expect(result.kind).toBe('steward.calendar');
      expect(result.recordsRead).toBeGreaterThan(20);
      expect(result.items.filter((i: { kind: string }) => i.kind === 'refresh-deadline').length).toBeGreaterThan(0);
      await expect(calendar({ days: 0 }, lambdaContext('steward-calendar'))).rejects.toThrow(/days/);
    });

    it('lambdas/certify certifies the purges of a time range: no version left', async () => {
      const result = await certify({ ...invokeEvent('certify'), since: `${yesterday()}T00:00:00Z`, until: new Date(Date.now() + 3_600_000).toISOString() }, lambdaContext('steward-certify'));
      // The answer is the signed text itself, its DER signature and the KMS key's public half.
      const cert = JSON.parse(result.text);
      expect(cert.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(result.text).toContain('"versionsLeft":0');
      expect(cert.signedBy).toMatchObject({ algorithm: 'ECDSA-P256-SHA256', keyId: SIGNING_KEY_ARN });
      expect(verifySignature(result.text, Buffer.from(result.signature, 'base64'), result.publicKey)).toBe(true);
      expect(verifySignature(result.text.replace('"versionsLeft":0', '"versionsLeft":1'), Buffer.from(result.signature, 'base64'), result.publicKey)).toBe(false);
    });

    it('lambdas/certify refuses a scope that is neither records nor a time range', async () => {
      await expect(certify({ since: '2026-01-01' }, lambdaContext('steward-certify'))).rejects.toThrow(/either "records" or both "since" and "until"/);
    });
  });

  describe('lambdas/collect crash repair', () => {
    it('hands the deletion of an orphaned in-flight object to the purge function', async () => {
      const ref = { platform: 'tiktok' as const, kind: 'video' as const, id: '7000000000000000002' };
      await testS3Client().send(new PutObjectCommand({ Bucket: fx.bucket, Key: objectKeyOf(ref), Body: '{}' }));
      await fx.stores().ledger.putCheckpoint({
        specName: 'climate-videos',
        runId: 'collect-crashed',
        state: undefined,
        inFlight: { ids: [recordKeyOf(ref)], logId: 'log-crashed' },
        updatedAt: new Date().toISOString(),
        done: false,
      });
      lambda.resetHistory();
      const result = await collect(schedulerEvent('collect'), lambdaContext('steward-collect'));
      expect(result.specs[0]).toMatchObject({ spec: 'climate-videos', resumed: true });
      expect(result.specs[0].repaired).toBeGreaterThanOrEqual(1);
      expect(lambda.commandCalls(InvokeCommand).map((c) => JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString('utf8')))).toContainEqual({
        orphanObjectKeys: [objectKeyOf(ref)],
      });
      await expect(testS3Client().send(new HeadObjectCommand({ Bucket: fx.bucket, Key: objectKeyOf(ref) }))).rejects.toThrow();
    });
  });
});
