/**
 * Sweeps on DynamoDB Local with a stand-in platform client (the platform is not under test here): a sweep reads what
 * is due, not the corpus; a policy change re-stamps due dates (by a walk when deadlines can only come earlier,
 * lazily otherwise); the daily quota stops a sweep cleanly; collection leaves the quota that today's refreshes need
 * and never stores new videos of an erased account.
 */
import { effectivePolicies } from '../../../lib/config/load';
import type { ProjectConfig } from '../../../lib/config/schema';
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { sha256Hex } from '../../../lib/domain/hashing';
import { stringifyJson } from '../../../lib/domain/json';
import { objectKeyOf, recordKeyOf, type ActiveRecord, type RecordRef } from '../../../lib/domain/records';
import { readChain } from '../../../lib/jobs/audit-read';
import { collect, type SpecSourceBinding } from '../../../lib/jobs/collect';
import type { JobContext } from '../../../lib/jobs/context';
import { expire } from '../../../lib/jobs/expire';
import { purgeRecords } from '../../../lib/jobs/purge';
import { quotaPlan } from '../../../lib/jobs/quota-plan';
import { refresh, type RefreshClients } from '../../../lib/jobs/refresh';
import type { CollectedItem } from '../../../lib/jobs/sources';
import { DailyQuotaExceededError, type CommercialContentClient, type ResearchApiClient, type VideoLookupItem } from '../../../lib/platforms/tiktok';
import type { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import { localJobContext, testConfig, type LocalJobFixture } from '../../support/job-context';

const T0 = '2026-03-01T12:00:00.000Z';
const CREATE_TIME = 1_772_000_000;

const videoRef = (n: number): RecordRef => ({ platform: 'tiktok', kind: 'video', id: String(7_320_000_000_000_000_000n + BigInt(n)) });
const bodyOf = (ref: RecordRef) => (ref.kind === 'user' ? '{"display_name":"x"}' : stringifyJson({ id: BigInt(ref.id), create_time: CREATE_TIME, view_count: 1 }));

function video(ref: RecordRef, overrides: Partial<ActiveRecord> = {}): ActiveRecord {
  return {
    ref,
    status: 'active',
    objectKey: objectKeyOf(ref),
    contentSha256: sha256Hex(bodyOf(ref)),
    sizeBytes: 60,
    provenance: { runId: 'collect-0', specName: 'climate-videos', queryFingerprint: 'f'.repeat(64), endpoint: '/v2/research/video/query/', logId: 'L0', retrievedAt: T0, collectorVersion: 'test', collectedBy: 'schedule' },
    firstCollectedAt: T0,
    lastSeenAt: T0,
    policyId: 'tiktok-research',
    policyVersion: 1,
    refreshDueAt: new Date(Date.parse(T0) + 15 * MS_PER_DAY).toISOString(),
    expiresAt: '2027-06-30T23:59:59.999Z',
    missCount: 0,
    platformCreatedAt: CREATE_TIME,
    ...overrides,
  };
}

/** A Research API client stand-in: every id is served unchanged; it can run out of quota after `quotaAfter` batches. */
function fakeClients(options: { quotaAfter?: number; served?: (id: string) => boolean } = {}): RefreshClients & { requests: number } {
  let requests = 0;
  const quota = () => ({ day: '2026-03-01', requests, records: 0, socialRequests: 0, socialRecords: 0 });
  const research = {
    quota,
    async *lookupVideosByIds(items: readonly VideoLookupItem[]) {
      for (let i = 0; i < items.length; i += 100) {
        if (options.quotaAfter !== undefined && requests >= options.quotaAfter) {
          throw new DailyQuotaExceededError('daily_quota_limit_exceeded', 'quota', 'LOGQ', 429, '/v2/research/video/query/', new Date('2026-03-02T00:00:00Z'), quota());
        }
        requests += 1;
        const batch = items.slice(i, i + 100);
        const found = batch.filter((item) => options.served?.(item.id) ?? true);
        yield {
          requestedIds: batch.map((b) => b.id),
          found: found.map((item) => ({ id: item.id, raw: { id: BigInt(item.id), create_time: CREATE_TIME, view_count: 1 } })),
          missingIds: batch.filter((b) => !found.includes(b)).map((b) => b.id),
          window: { startDate: '20260225', endDate: '20260225' },
          logId: `LOG${requests}`,
          logIds: [`LOG${requests}`],
        };
      }
    },
  } as unknown as ResearchApiClient;
  const clients = {
    get requests() {
      return requests;
    },
    research: () => research,
    commercial: () => ({ quota }) as unknown as CommercialContentClient,
  };
  return clients;
}

describe('sweeps and quota on the local services', () => {
  const fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));
  async function fixture(config?: ProjectConfig): Promise<LocalJobFixture> {
    const fx = await localJobContext({ now: T0, ...(config ? { config } : {}) });
    fixtures.push(fx);
    return fx;
  }
  /** `due` records whose next action is now, and `later` ones due in ten days. */
  async function seedCorpus(fx: LocalJobFixture, due: number, later: number): Promise<void> {
    const records = Array.from({ length: due + later }, (_, n) => video(videoRef(n)));
    const dueAt = new Date(Date.parse(T0) - 3_600_000).toISOString();
    const laterAt = new Date(Date.parse(T0) + 10 * MS_PER_DAY).toISOString();
    await fx.ctx.ledger.putRecords(records, (r) => (Number(BigInt(r.ref.id) - 7_320_000_000_000_000_000n) < due ? dueAt : laterAt));
  }

  it("reads what is due, not the corpus: the sweep's reads hardly change when the corpus grows tenfold", async () => {
    // Prepare: the same 40 due records in a corpus of 80 and of 800
    const small = await fixture();
    const large = await fixture();
    await seedCorpus(small, 40, 40);
    await seedCorpus(large, 40, 760);
    small.meter.reset();
    large.meter.reset();

    // Act
    const a = await refresh(small.ctx, { clients: fakeClients() });
    const b = await refresh(large.ctx, { clients: fakeClients() });

    // Assess
    expect(a).toMatchObject({ due: 40, unchanged: 40 });
    expect(b).toMatchObject({ due: 40, unchanged: 40 });
    const reads = (fx: LocalJobFixture) => {
      const units = fx.meter.report().byTable[(fx.ctx.ledger as DynamoDbLedger).tableName]!;
      return units.table.read + Object.values(units.indexes).reduce((n, u) => n + u.read, 0);
    };
    expect(reads(small)).toBeGreaterThan(0);
    expect(reads(large) / reads(small)).toBeLessThanOrEqual(1.2);
    expect(large.meter.count('QueryCommand')).toBe(small.meter.count('QueryCommand'));
    expect(small.meter.count('ScanCommand') + large.meter.count('ScanCommand')).toBe(0);
  });

  it('a sweep with nothing due costs a fixed handful of requests: the run opened in one transaction, every policy marker in one read', async () => {
    // Prepare: nothing due for ten days; a first sweep has written the policy markers
    const fx = await fixture();
    await seedCorpus(fx, 0, 40);
    await refresh(fx.ctx, { clients: fakeClients() });
    fx.clock.advance(3_600_000);
    fx.meter.reset();

    // Act
    const report = await refresh(fx.ctx, { clients: fakeClients() });

    // Assess: the markers (one BatchGetItem), the open runs (one GetItem), one due-index Query per shard, and three
    // transactions: run item + chain registry + run.started + open seal, then run.finished + close seal, then the
    // finished run item (the seal log's head this process wrote last is not read again)
    expect(report).toMatchObject({ due: 0, shards: Array.from({ length: 16 }, (_, i) => i) });
    expect(fx.meter.report().commands).toEqual({ BatchGetItemCommand: 1, GetItemCommand: 1, QueryCommand: 16, TransactWriteItemsCommand: 3 });
    const events = await readChain(fx.ctx.audit, report.runId);
    expect(events.map((e) => [e.action, e.counts?.shards])).toEqual([['run.started', 16], ['run.finished', undefined]]);
    expect(await fx.ctx.ledger.getRun(report.runId)).toMatchObject({ job: 'refresh', status: 'finished' });
    expect(await fx.ctx.ledger.openRuns()).toEqual([]);
  });

  it('stops cleanly on the daily quota, books what it used, and leaves the rest due for the next sweep', async () => {
    // Prepare: 250 due videos need 3 lookups; the quota allows 2
    const fx = await fixture();
    await seedCorpus(fx, 250, 0);
    const clients = fakeClients({ quotaAfter: 2 });

    // Act
    const report = await refresh(fx.ctx, { clients });
    const booked = (await fx.ctx.ledger.getQuotaUsage('research', '2026-03-01')).requests;
    const next = await refresh(fx.ctx, { clients: fakeClients() });

    // Assess
    expect(report).toMatchObject({ stopped: 'quota', resetsAt: '2026-03-02T00:00:00.000Z', due: 250, unchanged: 200, failed: 0, purged: 0, missed: 0, unprocessed: 50 });
    expect(report.requests).toEqual({ research: 2 });
    expect(booked).toBe(2);
    expect(next).toMatchObject({ due: 50, unchanged: 50 });
    expect(next.stopped).toBeUndefined();
  });

  it('counts every record it read but did not handle when it stops between steps', async () => {
    // Prepare: 250 due videos in steps of 100; the quota allows the first step's single lookup only
    const fx = await fixture();
    await seedCorpus(fx, 250, 0);

    // Act
    const report = await refresh(fx.ctx, { clients: fakeClients({ quotaAfter: 1 }), batchSize: 100 });

    // Assess: whatever the page size of the index, what was read is handled or left, never lost from the count
    expect(report).toMatchObject({ stopped: 'quota', unchanged: 100 });
    expect(report.unchanged + report.unprocessed).toBe(report.due);
    expect(report.due).toBeGreaterThan(100);
  });

  it('stops at its deadline and at its request budget, leaving the rest due', async () => {
    // Prepare
    const fx = await fixture();
    await seedCorpus(fx, 130, 0);

    // Act
    const late = await refresh(fx.ctx, { clients: fakeClients(), deadline: fx.clock.now() });
    const budget = await refresh(fx.ctx, { clients: fakeClients(), maxRequests: 1 });
    const rest = await refresh(fx.ctx, { clients: fakeClients() });

    // Assess
    expect(late).toMatchObject({ stopped: 'deadline', due: 130, unchanged: 0, unprocessed: 130, requests: {} });
    expect(budget).toMatchObject({ stopped: 'max-requests', due: 130, unchanged: 100, unprocessed: 30, requests: { research: 1 } });
    expect(rest).toMatchObject({ due: 30, unchanged: 30 });
    expect(rest.stopped).toBeUndefined();
  });

  it('purges only on a completed lookup that returned other ids of the batch, and counts misses otherwise', async () => {
    // Prepare: 10 due videos; 2 are gone. Then a lone due video that is gone (no peers in its batch).
    const fx = await fixture();
    await seedCorpus(fx, 10, 0);
    const gone = new Set([videoRef(3).id, videoRef(7).id]);

    // Act
    const first = await refresh(fx.ctx, { clients: fakeClients({ served: (id) => !gone.has(id) }) });
    await fx.ctx.ledger.putRecords([video(videoRef(50))], () => new Date(Date.parse(T0) - 60_000).toISOString());
    const lone = await refresh(fx.ctx, { clients: fakeClients({ served: () => false }) });

    // Assess
    expect(first).toMatchObject({ due: 10, unchanged: 8, purged: 2, missed: 0 });
    const states = await fx.ctx.ledger.getRecords([videoRef(3), videoRef(4), videoRef(50)]);
    expect(states.get(recordKeyOf(videoRef(3)))).toMatchObject({ status: 'tombstoned', reason: 'unavailable' });
    expect(states.get(recordKeyOf(videoRef(4)))).toMatchObject({ status: 'active', missCount: 0 });
    expect(lone).toMatchObject({ due: 1, missed: 1, purged: 0 });
    expect(states.get(recordKeyOf(videoRef(50)))).toMatchObject({ status: 'active' });
    const history = await fx.ctx.audit.byRecord(fx.ctx.hasher.hash(recordKeyOf(videoRef(3))));
    expect(history.events.find((e) => e.action === 'record.purged')).toMatchObject({ reason: 'unavailable', evidence: { rule: 'batch-lookup', peersFound: 8 } });
  });

  it('a shorter refresh interval re-stamps every covered record at once (a walk); a longer one waits until records come due', async () => {
    // Prepare: 40 records collected under version 1 (15 days)
    const fx = await fixture();
    await fx.ctx.ledger.putRecords(
      Array.from({ length: 40 }, (_, n) => video(videoRef(n))),
      (r) => new Date(Date.parse(r.refreshDueAt) - 72 * 3_600_000).toISOString(),
    );
    const v2 = testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 2, refreshWithinDays: 5 } }));
    const v3 = testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 3, refreshWithinDays: 20 } }));
    const under = (config: ProjectConfig): JobContext => ({ ...fx.ctx, config, policies: effectivePolicies(config) });
    fx.clock.advance(MS_PER_DAY);

    // Act: a day later, version 2 (5 days) comes into force
    const walked = await refresh(under(v2), { clients: fakeClients() });
    const restamped = await fx.ctx.ledger.getRecords([videoRef(0)]);
    fx.clock.advance(MS_PER_DAY); // now T0+2d: the new next action (T0+5d-72h)
    const refreshed = await refresh(under(v2), { clients: fakeClients() });
    const lazy = await refresh(under(v3), { clients: fakeClients() });

    // Assess
    expect(walked).toMatchObject({ restamped: 40, due: 0 });
    expect(restamped.get(recordKeyOf(videoRef(0)))).toMatchObject({ policyVersion: 2, refreshDueAt: new Date(Date.parse(T0) + 5 * MS_PER_DAY).toISOString() });
    expect(refreshed).toMatchObject({ restamped: 0, due: 40, unchanged: 40 });
    expect(lazy).toMatchObject({ restamped: 0, due: 0 });
    const changes = await fx.ctx.audit.byAction('policy.changed', { since: '2026-03-01', until: '2026-03-04' });
    const modes = changes.events.map((e) => `${String(e.evidence?.toVersion)}:${String(e.evidence?.mode)}`);
    expect(new Set(modes)).toEqual(new Set(['2:walk', '3:lazy']));
    expect(modes).toHaveLength(2 * fx.ctx.ledger.dueShards);
    const after = await fx.ctx.ledger.getRecords([videoRef(0)]);
    expect(after.get(recordKeyOf(videoRef(0)))).toMatchObject({ policyVersion: 2, refreshDueAt: new Date(Date.parse(T0) + 7 * MS_PER_DAY).toISOString() });
  });

  it("collection leaves the requests today's refreshes need, when that is more than the configured reserve", async () => {
    // Prepare: 60 accounts due today (one request each) against 100 requests a day and a 10% reserve
    const config = testConfig((doc) => {
      doc.sources.research.dailyRequests = 100;
      doc.sources.research.refreshReserve = 0.1;
    });
    const fx = await fixture(config);
    const users = Array.from({ length: 60 }, (_, n) => video({ platform: 'tiktok', kind: 'user', id: `u${String(n).padStart(31, '0')}` }));
    await fx.ctx.ledger.putRecords(users, () => T0);
    let requests = 0;
    const endless: SpecSourceBinding = {
      source: {
        queryFingerprint: 'f'.repeat(64),
        pages: () =>
          (async function* () {
            for (let n = 1000; ; n++) {
              requests += 1;
              yield { items: [{ ref: videoRef(n), body: bodyOf(videoRef(n)) }], endpoint: '/v2/research/video/query/', logId: `L${n}`, stateAfter: { n } };
            }
          })(),
      },
      usage: { requests: () => requests, records: () => 0 },
    };

    // Act
    const report = await collect(fx.ctx, { sourceFor: () => endless, specName: 'climate-videos' });
    const plan = await quotaPlan(fx.ctx);

    // Assess: 100 - max(10, 60) = 40 requests for collection
    expect(report.specs[0]).toMatchObject({ outcome: 'reserve-reached', requests: 40 });
    expect(plan.sources.find((s) => s.source === 'research')).toMatchObject({ requestsNeededToday: 60, usedToday: 40, activeByKind: { user: 60, video: 40 } });
  });

  it('at project end expiry purges everything, also records stamped before the end date was moved earlier', async () => {
    // Prepare: 30 records stamped to expire in 2027 and not due for ten days; the project now ends yesterday
    const fx = await fixture();
    await seedCorpus(fx, 0, 30);
    const ended = testConfig((doc) => (doc.project.endDate = '2026-02-28'));

    // Act
    const report = await expire({ ...fx.ctx, config: ended });

    // Assess
    expect(report).toMatchObject({ projectEnded: true, expired: 30, purged: 30, remaining: 0 });
    const states = await fx.ctx.ledger.getRecords([videoRef(0), videoRef(29)]);
    expect([...states.values()].map((s) => [s.status, s.status === 'tombstoned' ? s.reason : ''])).toEqual([
      ['tombstoned', 'expired'],
      ['tombstoned', 'expired'],
    ]);
  });

  it('never stores new videos of an erased account, though the platform still serves them', async () => {
    // Prepare: the account is erased before any of its videos was collected
    const fx = await fixture();
    const account: RecordRef = { platform: 'tiktok', kind: 'user', id: 'e'.repeat(32) };
    await purgeRecords(fx.ctx, [{ key: recordKeyOf(account), reason: 'erasure', evidence: { rule: 'erasure-request' } }], await fx.ctx.audit.chain('erase-test'));
    const items: CollectedItem[] = [0, 1, 2].map((n) => ({ ref: videoRef(n), body: bodyOf(videoRef(n)), ...(n < 2 ? { parentKey: recordKeyOf(account) } : {}) }));
    const source: SpecSourceBinding = {
      source: { queryFingerprint: 'f'.repeat(64), pages: () => (async function* () { yield { items, endpoint: '/v2/research/video/query/', logId: 'L', stateAfter: {} }; })() },
      usage: { requests: () => 1, records: () => 3 },
    };

    // Act
    const report = await collect(fx.ctx, { sourceFor: () => source, specName: 'climate-videos' });

    // Assess
    expect(report.specs[0]).toMatchObject({ newRecords: 1, skippedPurged: 2 });
    const states = await fx.ctx.ledger.getRecords([videoRef(0), videoRef(1), videoRef(2), account]);
    expect(states.has(recordKeyOf(videoRef(0)))).toBe(false);
    expect(states.get(recordKeyOf(account))).toMatchObject({ status: 'tombstoned', reason: 'erasure' });
    expect(await fx.ctx.objects.get(objectKeyOf(videoRef(0)))).toBeUndefined();
    expect(states.get(recordKeyOf(videoRef(2)))).toMatchObject({ status: 'active' });
  });
});
