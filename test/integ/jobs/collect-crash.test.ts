/**
 * Nothing is lost, nothing is doubled: a crash at any write step of collect, followed by a rerun, converges on
 * exactly the records the source serves, each with its object, its ledger item and one `record.collected` event.
 * Runs on DynamoDB Local and s3rver with a deterministic in-memory source (the platform is not under test here).
 */
import { utcDayKey } from '../../../lib/domain/clock';
import { collect, type CollectReport, type SpecSourceBinding } from '../../../lib/jobs/collect';
import { recordHistory } from '../../../lib/jobs/audit-query';
import type { JobContext, ProgressSink } from '../../../lib/jobs/context';
import type { CollectedItem, SpecSource } from '../../../lib/jobs/sources';
import { objectKeyOf, recordKeyOf } from '../../../lib/domain/records';
import { parseJson } from '../../../lib/domain/json';
import type { AuditLog, Ledger, ObjectStore } from '../../../lib/store/ports';
import { crashOn, InjectedCrash, localJobContext, type LocalJobFixture } from '../../support/job-context';

// Three pages: enough for a crash on the first, a middle and the last page (small pages keep each of the 14 cases cheap).
const PAGE_SIZE = 10;
const TOTAL = 30;

function videoItem(n: number, version = 1): CollectedItem {
  const id = (7_320_768_196_569_599_275n + BigInt(n)).toString();
  return {
    ref: { platform: 'tiktok', kind: 'video', id },
    body: `{"id":${id},"create_time":1772000000,"view_count":${n * 10 + version}}`,
    platformCreatedAt: 1_772_000_000,
  };
}

/** A platform stand-in: fixed pages, resumable by page index, counting requests like a client would. */
function fakeSource(items: readonly CollectedItem[]): SpecSourceBinding & { requests: number } {
  const binding = {
    requests: 0,
    source: {
      queryFingerprint: 'f'.repeat(64),
      pages: (state: unknown) =>
        (async function* () {
          for (let page = (state as { page: number } | undefined)?.page ?? 0; page * PAGE_SIZE < items.length; page++) {
            binding.requests += 1;
            yield {
              items: items.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE),
              endpoint: '/v2/research/video/query/',
              logId: `log-${page}`,
              stateAfter: { page: page + 1 },
            };
          }
        })(),
    } satisfies SpecSource,
    usage: { requests: () => binding.requests, records: () => 0 },
  };
  return binding;
}

async function activeKeys(ledger: Ledger): Promise<string[]> {
  const keys: string[] = [];
  for (let shard = 0; shard < ledger.dueShards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await ledger.queryDue(shard, new Date('2100-01-01T00:00:00Z'), { limit: 100, ...(cursor ? { cursor } : {}) });
      keys.push(...page.records.map((r) => recordKeyOf(r.ref)));
      cursor = page.cursor;
    } while (cursor);
  }
  return keys.sort();
}

async function storedKeys(objects: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of objects.list('records/')) keys.push(key);
  return keys.sort();
}

/** Every invariant of a converged store, for exactly `items`. */
async function expectConverged(fx: LocalJobFixture, items: readonly CollectedItem[]): Promise<void> {
  const { ledger, objects, hasher } = fx.ctx;
  const expected = items.map((i) => recordKeyOf(i.ref)).sort();
  expect(await activeKeys(ledger)).toEqual(expected);
  expect(await storedKeys(objects)).toEqual(items.map((i) => objectKeyOf(i.ref)).sort());
  const records = await ledger.getRecords(items.map((i) => i.ref));
  // the reads of all items at once (nothing writes meanwhile), then the checks in item order
  const [stored, histories] = await Promise.all([
    Promise.all(items.map((item) => objects.get(objectKeyOf(item.ref)))),
    Promise.all(items.map((item) => recordHistory(fx.ctx, recordKeyOf(item.ref), hasher.hash(recordKeyOf(item.ref)), { limit: 1000 }))),
  ]);
  for (const [n, item] of items.entries()) {
    const record = records.get(recordKeyOf(item.ref));
    expect(record?.status).toBe('active');
    expect(stored[n]?.body.toString('utf8')).toBe(item.body);
    if (record?.status === 'active') expect(record.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    // Logged collected exactly once (a page event, found through the run's chain), whatever the crash.
    expect(histories[n]!.events.filter((e) => e.action === 'record.collected')).toHaveLength(1);
  }
}

/** The ledger, noting the id of every run it is told about (a crashed run never returns its report). */
function noteRuns(ledger: Ledger): { ledger: Ledger; runIds: string[] } {
  const runIds: string[] = [];
  const noted = new Proxy(ledger, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'putRun') return value.bind(obj);
      return (run: Parameters<Ledger['putRun']>[0]) => {
        if (!runIds.includes(run.runId)) runIds.push(run.runId);
        return value.call(obj, run);
      };
    },
  });
  return { ledger: noted, runIds };
}

/** A progress sink keeping the last new-record count a run reported. */
function lastReportedNew(): { sink: ProgressSink; value: () => number } {
  let reported = 0;
  return { sink: (event) => (reported = event.counts?.new ?? reported), value: () => reported };
}

/**
 * The counts add up across the crash: every record was registered by exactly one of the two runs; the rerun
 * reports as new exactly the records it registered (so crashed-run records + rerun newRecords = distinct records,
 * nothing counted twice), in its answer, its run record and its run.finished event; the crashed run never
 * reported more new records than it registered.
 */
async function expectCountsAddUp(
  fx: LocalJobFixture,
  items: readonly CollectedItem[],
  crashed: { runId: string; reportedNew: number },
  rerun: CollectReport,
): Promise<void> {
  const records = await fx.ctx.ledger.getRecords(items.map((i) => i.ref));
  const byRun = new Map<string, number>();
  for (const record of records.values()) {
    if (record.status === 'active') byRun.set(record.provenance.runId, (byRun.get(record.provenance.runId) ?? 0) + 1);
  }
  expect([...byRun.keys()].filter((id) => id !== crashed.runId && id !== rerun.runId)).toEqual([]);
  const registeredByCrashed = byRun.get(crashed.runId) ?? 0;
  const rerunNew = rerun.specs[0]!.newRecords;
  expect(byRun.get(rerun.runId) ?? 0).toBe(rerunNew);
  expect(registeredByCrashed + rerunNew).toBe(items.length);
  expect(crashed.reportedNew).toBeLessThanOrEqual(registeredByCrashed);
  expect((await fx.ctx.ledger.getRun(rerun.runId))?.counts).toMatchObject({ newRecords: rerunNew });
  const finished = (await fx.ctx.audit.byChain(rerun.runId, { limit: 1000 })).events.find((e) => e.action === 'run.finished');
  expect(finished?.counts).toMatchObject({ newRecords: rerunNew });
}

type Port = 'ledger' | 'objects' | 'audit';
const CRASH_POINTS: Array<[string, Port, string, number]> = [
  ['the first in-flight checkpoint', 'ledger', 'putCheckpoint', 1],
  ['the first object PUT', 'objects', 'put', 1],
  ['an object PUT mid-page', 'objects', 'put', 17],
  ['the first page of ledger items', 'ledger', 'putRecords', 1],
  ['the second page of ledger items', 'ledger', 'putRecords', 2],
  ['the quota book', 'ledger', 'addQuotaUsage', 1],
  ['the second page checkpoint', 'ledger', 'putCheckpoint', 2],
  ['the final checkpoint', 'ledger', 'putCheckpoint', 4],
  ['the final run record', 'ledger', 'putRun', 2],
];

/** Crash inside the audit writer of the run: its N-th append (1 = run.started, 2 = first page). */
function crashAudit(audit: AuditLog, nth: number): AuditLog {
  return new Proxy(audit, {
    get(obj, prop, receiver) {
      if (prop !== 'chain') return Reflect.get(obj, prop, receiver).bind?.(obj) ?? Reflect.get(obj, prop, receiver);
      return async (chainId: string) => crashOn(await obj.chain(chainId), 'append', nth, 'audit append');
    },
  });
}

describe('collect converges after a crash at any write step', () => {
  const items = Array.from({ length: TOTAL }, (_, n) => videoItem(n));
  let fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));

  async function fixture(): Promise<LocalJobFixture> {
    const fx = await localJobContext();
    fixtures.push(fx);
    return fx;
  }

  it.each(CRASH_POINTS)('crash at %s (%s.%s #%i), then a rerun', async (_what, port, method, nth) => {
    // Prepare
    const fx = await fixture();
    const runs = noteRuns(fx.ctx.ledger);
    const noted: JobContext = { ...fx.ctx, ledger: runs.ledger };
    const crashing: JobContext = { ...noted, [port]: crashOn(noted[port] as object, method as never, nth) };
    const progress = lastReportedNew();

    // Act
    const [first, second] = [fakeSource(items), fakeSource(items)];
    await expect(collect(crashing, { sourceFor: () => first, progress: progress.sink })).rejects.toBeInstanceOf(InjectedCrash);
    const rerun = await collect(fx.ctx, { sourceFor: () => second });

    // Assess: the rerun finishes the spec, or finds it already finished (crash after its last write)
    expect(['finished', 'not-due']).toContain(rerun.specs[0]!.outcome);
    await expectConverged(fx, items);
    expect(runs.runIds).toHaveLength(1);
    await expectCountsAddUp(fx, items, { runId: runs.runIds[0]!, reportedNew: progress.value() }, rerun);
    // every request sent is in the quota book, even one whose booking was the write that failed
    expect((await fx.ctx.ledger.getQuotaUsage('research', utcDayKey(fx.clock.now()))).requests).toBe(first.requests + second.requests);
  });

  it.each([
    ['run.started', 1],
    ['the first page of events', 2],
    ['the third page of events', 4],
  ])('crash at the audit append of %s, then a rerun', async (_what, nth) => {
    const fx = await fixture();
    const runs = noteRuns(fx.ctx.ledger);
    const progress = lastReportedNew();
    const crashing: JobContext = { ...fx.ctx, ledger: runs.ledger, audit: crashAudit(fx.ctx.audit, nth) };
    await expect(collect(crashing, { sourceFor: () => fakeSource(items), progress: progress.sink })).rejects.toBeInstanceOf(InjectedCrash);
    const rerun = await collect(fx.ctx, { sourceFor: () => fakeSource(items) });
    await expectConverged(fx, items);
    expect(runs.runIds).toHaveLength(1);
    await expectCountsAddUp(fx, items, { runId: runs.runIds[0]!, reportedNew: progress.value() }, rerun);
  });

  it('collecting twice stores nothing twice and only re-stamps what did not change', async () => {
    // Prepare
    const fx = await fixture();
    const first = await collect(fx.ctx, { sourceFor: () => fakeSource(items) });
    fx.clock.advance(86_400_000);
    const changedItems = items.map((item, n) => (n % 10 === 0 ? videoItem(n, 2) : item));
    const changedCount = changedItems.filter((item, n) => item !== items[n]).length;

    // Act
    const second = await collect(fx.ctx, { sourceFor: () => fakeSource(changedItems) });

    // Assess
    expect(first.specs[0]).toMatchObject({ newRecords: TOTAL, changed: 0, unchanged: 0, pages: 3 });
    expect(changedCount).toBe(TOTAL / 10);
    expect(second.specs[0]).toMatchObject({ newRecords: 0, changed: changedCount, unchanged: TOTAL - changedCount, pages: 3 });
    const records = await fx.ctx.ledger.getRecords(items.map((i) => i.ref));
    const sample = records.get(recordKeyOf(items[1]!.ref));
    expect(sample).toMatchObject({ status: 'active', lastSeenAt: fx.clock.now().toISOString(), firstCollectedAt: '2026-03-01T12:00:00.000Z' });
    const changed = await fx.ctx.objects.get(objectKeyOf(items[10]!.ref));
    expect(parseJson(changed!.body.toString('utf8'))).toMatchObject({ view_count: 102 });
    expect(await activeKeys(fx.ctx.ledger)).toHaveLength(TOTAL);
  });

  it('records full provenance and obligations on every item', async () => {
    const fx = await fixture();
    const report = await collect(fx.ctx, { sourceFor: () => fakeSource(items) });
    const records = await fx.ctx.ledger.getRecords(items.map((i) => i.ref));
    for (const [n, item] of items.entries()) {
      const record = records.get(recordKeyOf(item.ref));
      expect(record).toMatchObject({
        status: 'active',
        objectKey: objectKeyOf(item.ref),
        policyId: 'tiktok-research',
        policyVersion: 1,
        refreshDueAt: '2026-03-16T12:00:00.000Z',
        expiresAt: '2027-06-30T23:59:59.999Z',
        platformCreatedAt: 1_772_000_000,
        provenance: {
          runId: report.runId,
          specName: 'climate-videos',
          queryFingerprint: 'f'.repeat(64),
          endpoint: '/v2/research/video/query/',
          logId: `log-${Math.floor(n / PAGE_SIZE)}`,
          retrievedAt: '2026-03-01T12:00:00.000Z',
          collectorVersion: 'test',
          collectedBy: 'schedule',
        },
      });
    }
  });
});
