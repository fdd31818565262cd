/**
 * Misses over hourly sweeps, on DynamoDB Local with a stand-in platform client: an outage that answers every lookup
 * with an empty page for hours adds up to one miss, not a purge; a video that is really gone (alone in its batch,
 * so no peers can confirm it) is still purged by spaced misses well before its refresh deadline. And a policy that
 * changes a duty but keeps its version is refused before the sweep (or a collect run) writes anything.
 */
import { BadInputError, EXIT_BAD_INPUT, exitCodeFor } from '../../../lib/domain/errors';
import { effectivePolicies } from '../../../lib/config/load';
import type { ProjectConfig } from '../../../lib/config/schema';
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { sha256Hex } from '../../../lib/domain/hashing';
import { stringifyJson } from '../../../lib/domain/json';
import { recordKeyOf, type ActiveRecord, type RecordRef } from '../../../lib/domain/records';
import { collect } from '../../../lib/jobs/collect';
import type { JobContext } from '../../../lib/jobs/context';
import { dueRecords, sweepShards } from '../../../lib/jobs/due';
import { refresh, type RefreshClients, type RefreshReport } from '../../../lib/jobs/refresh';
import type { CommercialContentClient, ResearchApiClient, VideoLookupItem } from '../../../lib/platforms/tiktok';
import { localJobContext, testConfig, type LocalJobFixture } from '../../support/job-context';
import { activeRecord } from '../../unit/store/fixtures';

const T0 = '2026-03-01T12:00:00.000Z';
const HOUR = 3_600_000;
const CREATE_TIME = 1_772_000_000;
const DEADLINE = new Date(Date.parse(T0) + 15 * MS_PER_DAY);
/** When the records come due: the deadline less the default 72 h lead. */
const DUE = new Date(DEADLINE.getTime() - 72 * HOUR);

const videoRef = (n: number): RecordRef => ({ platform: 'tiktok', kind: 'video', id: String(7_330_000_000_000_000_000n + BigInt(n)) });
const rawOf = (ref: RecordRef) => ({ id: BigInt(ref.id), create_time: CREATE_TIME, view_count: 1 });

/** A stored video whose content is `rawOf(ref)`, due at DUE (its deadline less the lead). */
function video(ref: RecordRef): ActiveRecord {
  return activeRecord(ref.id, {
    ref,
    contentSha256: sha256Hex(stringifyJson(rawOf(ref))),
    firstCollectedAt: T0,
    lastSeenAt: T0,
    refreshDueAt: DEADLINE.toISOString(),
    expiresAt: '2027-06-30T23:59:59.999Z',
    platformCreatedAt: CREATE_TIME,
  });
}

/** A Research API stand-in whose lookups return the ids `served` says exist right now (an outage: none). */
function fakeClients(served: (id: string) => boolean): RefreshClients & { requests: number } {
  let requests = 0;
  const quota = () => ({ day: '2026-03-13', requests, records: 0, socialRequests: 0, socialRecords: 0 });
  const research = {
    quota,
    async *lookupVideosByIds(items: readonly VideoLookupItem[]) {
      for (let i = 0; i < items.length; i += 100) {
        requests += 1;
        const batch = items.slice(i, i + 100);
        const found = batch.filter((item) => served(item.id));
        yield {
          requestedIds: batch.map((b) => b.id),
          found: found.map((item) => ({ id: item.id, raw: rawOf({ platform: 'tiktok', kind: 'video', id: item.id }) })),
          missingIds: batch.filter((b) => !found.includes(b)).map((b) => b.id),
          window: { startDate: '20260225', endDate: '20260225' },
          logId: `LOG${requests}`,
          logIds: [`LOG${requests}`],
        };
      }
    },
  } as unknown as ResearchApiClient;
  return {
    get requests() {
      return requests;
    },
    research: () => research,
    commercial: () => ({ quota }) as unknown as CommercialContentClient,
  };
}

describe('misses over hourly sweeps', () => {
  const fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));
  async function fixture(refs: readonly RecordRef[]): Promise<LocalJobFixture> {
    const fx = await localJobContext({ now: DUE.toISOString() });
    fixtures.push(fx);
    await fx.ctx.ledger.putRecords(refs.map(video), () => DUE.toISOString());
    return fx;
  }
  /** A sweep every hour for `hours` hours, starting now; `until` ends early. */
  async function hourly(fx: LocalJobFixture, clients: RefreshClients, hours: number, until?: () => Promise<boolean>): Promise<RefreshReport[]> {
    const reports: RefreshReport[] = [];
    for (let h = 0; h < hours; h++) {
      if (h > 0) fx.clock.advance(HOUR);
      reports.push(await refresh(fx.ctx, { clients }));
      if (until && (await until())) break;
    }
    return reports;
  }

  it('an outage answering empty pages for 11 hours purges nothing: one miss, then a refresh once it is over', async () => {
    // Prepare: five videos the platform keeps serving, except during the outage
    const refs = [0, 1, 2, 3, 4].map(videoRef);
    const fx = await fixture(refs);
    const outageEnd = DUE.getTime() + 11 * HOUR;
    const clients = fakeClients(() => fx.clock.now().getTime() > outageEnd);

    // Act: a day of hourly sweeps
    const reports = await hourly(fx, clients, 24);

    // Assess: nothing purged; each record missed once, left alone for the spacing, then refreshed
    const states = await fx.ctx.ledger.getRecords(refs);
    for (const ref of refs) {
      expect(states.get(recordKeyOf(ref))).toMatchObject({ status: 'active', missCount: 0, lastRefreshedAt: new Date(DUE.getTime() + 12 * HOUR).toISOString() });
    }
    expect(reports.reduce((n, r) => n + r.purged, 0)).toBe(0);
    expect(reports.reduce((n, r) => n + r.missed, 0)).toBe(5);
    expect(clients.requests).toBe(2);
    const history = await fx.ctx.audit.byRecord(fx.ctx.hasher.hash(recordKeyOf(refs[0]!)));
    expect(history.events.find((e) => e.action === 'record.missed')?.evidence).toMatchObject({
      rule: 'absent-from-lookup',
      peersFound: 0,
      missCount: 1,
      missSpacingHours: 12,
      nextCheckAt: new Date(DUE.getTime() + 12 * HOUR).toISOString(),
    });
  });

  it('a sweep that reaches ahead (--due-before) does not count an empty answer again within the spacing', async () => {
    // Prepare: one miss counted at the due time, during an outage
    const refs = [0, 1, 2].map(videoRef);
    const fx = await fixture(refs);
    const clients = fakeClients(() => false);
    await refresh(fx.ctx, { clients });
    // the miss and its spacing were stored together: counted once, due again 12 h on (and not before)
    const missed = await fx.ctx.ledger.getRecords(refs);
    for (const ref of refs) expect(missed.get(recordKeyOf(ref))).toMatchObject({ missCount: 1 });
    const dueBy = async (at: number) => {
      let n = 0;
      for await (const page of dueRecords(fx.ctx.ledger, new Date(at), sweepShards(fx.ctx.ledger))) n += page.records.length;
      return n;
    };
    expect([await dueBy(DUE.getTime() + 12 * HOUR - 1), await dueBy(DUE.getTime() + 12 * HOUR)]).toEqual([0, 3]);

    // Act: hourly sweeps that read a month ahead of the due index
    const ahead: RefreshReport[] = [];
    for (let h = 1; h <= 3; h++) {
      fx.clock.advance(HOUR);
      ahead.push(await refresh(fx.ctx, { clients, dueBefore: new Date(fx.clock.now().getTime() + 30 * MS_PER_DAY) }));
    }

    // Assess
    for (const report of ahead) expect(report).toMatchObject({ due: 3, missed: 0, purged: 0, failed: 3, failures: { 'absent-within-miss-spacing': 3 } });
    const states = await fx.ctx.ledger.getRecords(refs);
    for (const ref of refs) expect(states.get(recordKeyOf(ref))).toMatchObject({ status: 'active', missCount: 1 });
    expect((await refresh(fx.ctx, { clients })).due).toBe(0);
  });

  it('a lone video that is really gone is purged by three misses 12 h apart, two days before its deadline', async () => {
    // Prepare: alone in its batch, so no peers can confirm its absence
    const ref = videoRef(9);
    const fx = await fixture([ref]);
    const clients = fakeClients(() => false);
    const gone = async () => (await fx.ctx.ledger.getRecords([ref])).get(recordKeyOf(ref))?.status === 'tombstoned';

    // Act: hourly sweeps for the whole lead time, until it is gone
    const reports = await hourly(fx, clients, 72, gone);

    // Assess
    expect(await gone()).toBe(true);
    const purgedAt = fx.clock.now().getTime();
    expect(purgedAt).toBe(DUE.getTime() + 24 * HOUR);
    expect(DEADLINE.getTime() - purgedAt).toBe(48 * HOUR);
    expect(clients.requests).toBe(3);
    expect(reports.reduce((n, r) => n + r.missed, 0)).toBe(2);
    const history = await fx.ctx.audit.byRecord(fx.ctx.hasher.hash(recordKeyOf(ref)));
    expect(history.events.find((e) => e.action === 'record.purged')).toMatchObject({
      reason: 'unavailable',
      evidence: { rule: 'consecutive-misses', misses: 3, missSpacingHours: 12, previousMissAt: new Date(DUE.getTime() + 12 * HOUR).toISOString() },
    });
  });
});

describe('a policy that changes a duty but keeps its version', () => {
  let fx: LocalJobFixture | undefined;
  afterAll(() => fx?.destroy());

  it('is refused with the field and the fix (exit 2), before the sweep writes anything', async () => {
    // Prepare: a sweep under version 2 (10 days) writes its markers; the config then says 7 days, still version 2
    fx = await localJobContext({ now: T0 });
    const under = (config: ProjectConfig): JobContext => ({ ...fx!.ctx, config, policies: effectivePolicies(config) });
    const v2 = testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 2, refreshWithinDays: 10 } }));
    const edited = testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 2, refreshWithinDays: 7 } }));
    await refresh(under(v2), { clients: fakeClients(() => true) });
    fx.clock.advance(HOUR);
    fx.meter.reset();

    // Act
    const error = await refresh(under(edited), { clients: fakeClients(() => true) }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(BadInputError);
    expect(exitCodeFor(error)).toBe(EXIT_BAD_INPUT);
    expect((error as BadInputError).problems).toEqual([expect.stringMatching(/^\$\.policies\.tiktok-research\.version: .*refreshWithinDays 10 -> 7.*set "version": 3$/)]);
    const units = fx.meter.report();
    expect(units.table.write + units.indexes.write).toBe(0);
    // the markers of both policies on all 16 shards were read in one request
    expect(units.commands).toEqual({ BatchGetItemCommand: 1 });
    // collect stamps new records with the policies too: it refuses the same edit, before writing anything
    const collected = await collect(under(edited), { sourceFor: () => ({ source: 'research', pages: async function* () {} }) as never }).catch((e: unknown) => e);
    expect(collected).toBeInstanceOf(BadInputError);
    expect((collected as BadInputError).problems).toEqual((error as BadInputError).problems);
    const after = fx.meter.report();
    expect(after.table.write + after.indexes.write).toBe(0);
    const started = await fx.ctx.audit.byAction('run.started', { since: T0, until: '2026-03-02T00:00:00.000Z' });
    expect(started.events).toHaveLength(1);
    // raising the version is the fix
    const v3 = testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 3, refreshWithinDays: 7 } }));
    const fixed = await refresh(under(v3), { clients: fakeClients(() => true) });
    expect(fixed.stopped).toBeUndefined();
    const changes = await fx.ctx.audit.byAction('policy.changed', { since: T0, until: '2026-03-02T00:00:00.000Z' });
    expect(new Set(changes.events.map((e) => e.reason))).toEqual(new Set(['tiktok-research version unknown -> 2', 'tiktok-research version 2 -> 3']));
  });
});
