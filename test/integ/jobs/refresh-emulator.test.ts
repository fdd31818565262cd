/**
 * The refresh sweep end to end: collect from the emulator into the local services, let 16 days pass, sweep, and
 * compare the ledger with the emulator's truth. Then the same under injected 500s, throttling and short pages:
 * nothing is purged wrongly, and what failed is retried by later sweeps before its deadline.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import type { ActiveRecord, RecordKey } from '../../../lib/domain/records';
import { refresh } from '../../../lib/jobs/refresh';
import { activeRecords, collectAll, complianceConfig, complianceWorld, countingPuts, ledgerStates, servedAt, type ComplianceWorld } from './compliance-support';

// Ads on the same 15-day cadence as research data, so one sweep covers every kind. The small world deletes far
// more than the platform does (a third of its videos), which the purge fuse rightly holds: opened wide here, since
// these tests are about what the sweep purges (test/integ/jobs/purge-fuse.test.ts tests the fuse).
const WIDE_FUSE = { maxShare: 1, minCount: 1_000_000, allMissingBatch: 10_000 };
const config = complianceConfig((doc) => {
  doc.policies = { 'tiktok-commercial': { version: 2, refreshWithinDays: 15, purgeFuse: WIDE_FUSE }, 'tiktok-research': { version: 2, purgeFuse: WIDE_FUSE } };
});

interface Snapshot {
  readonly records: Map<RecordKey, ActiveRecord>;
  /** Video keys by author key. */
  readonly videosOf: Map<RecordKey, RecordKey[]>;
}

async function snapshot(w: ComplianceWorld): Promise<Snapshot> {
  const records = await activeRecords(w);
  const videosOf = new Map<RecordKey, RecordKey[]>();
  for (const [key, r] of records) {
    if (r.ref.kind === 'video' && r.parentKey) videosOf.set(r.parentKey, [...(videosOf.get(r.parentKey) ?? []), key]);
  }
  return { records, videosOf };
}

/** The keys whose purge the truth demands (gone videos and their comments, and accounts with no video left). */
function mustGo(w: ComplianceWorld, snap: Snapshot, at: Date): Set<RecordKey> {
  const gone = new Set<RecordKey>();
  for (const [key, r] of snap.records) if (r.ref.kind === 'video' && !servedAt(w, r, at)) gone.add(key);
  for (const [key, r] of snap.records) if (r.ref.kind === 'comment' && r.parentKey && gone.has(r.parentKey)) gone.add(key);
  for (const [key, r] of snap.records) {
    if (r.ref.kind === 'user' && (snap.videosOf.get(key) ?? []).every((v) => gone.has(v))) gone.add(key);
  }
  return gone;
}

/** The keys whose purge the truth allows on top: comments and ads the platform no longer serves. */
function mayGo(w: ComplianceWorld, snap: Snapshot, at: Date): Set<RecordKey> {
  const out = new Set<RecordKey>();
  for (const [key, r] of snap.records) if ((r.ref.kind === 'comment' || r.ref.kind === 'ad') && !servedAt(w, r, at)) out.add(key);
  return out;
}

describe('refresh sweep against the emulator', () => {
  const worlds: ComplianceWorld[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });

  it('16 days after collection: refreshes every due record, purges exactly what the platform deleted or hid, with its comments', async () => {
    // Prepare
    const w = await complianceWorld({ config });
    worlds.push(w);
    await collectAll(w);
    const snap = await snapshot(w);
    const kinds = [...snap.records.values()].map((r) => r.ref.kind);
    expect(new Set(kinds)).toEqual(new Set(['video', 'comment', 'user', 'ad']));
    w.fx.clock.advance(16 * MS_PER_DAY);
    const now = w.fx.clock.now();
    w.fx.meter.reset();

    // Act
    const report = await refresh(w.fx.ctx, { clients: w.clients, pollIntervalMs: 0 });

    // Assess: the truth decides what had to go
    const required = mustGo(w, snap, now);
    const allowed = mayGo(w, snap, now);
    expect([...required].filter((k) => k.startsWith('tiktok:video:')).length).toBeGreaterThan(3);
    const states = await ledgerStates(w, snap.records.keys());
    const purged = new Set([...states].filter(([, s]) => s.status === 'tombstoned').map(([k]) => k));
    for (const key of required) expect({ key, status: states.get(key)?.status }).toEqual({ key, status: 'tombstoned' });
    for (const key of purged) expect({ key, justified: required.has(key) || allowed.has(key) }).toEqual({ key, justified: true });

    // every record still served was refreshed (new deadline from now) or, for single-id lookups, counted a miss
    for (const [key, record] of snap.records) {
      if (purged.has(key)) continue;
      const state = states.get(key) as ActiveRecord;
      if (servedAt(w, record, now)) {
        expect({ key, refreshed: state.lastRefreshedAt }).toEqual({ key, refreshed: now.toISOString() });
        expect(state.refreshDueAt).toBe(new Date(now.getTime() + 15 * MS_PER_DAY).toISOString());
        expect(state.missCount).toBe(0);
      } else {
        expect({ key, missCount: state.missCount }).toEqual({ key, missCount: 1 });
      }
    }
    expect(report).toMatchObject({ due: snap.records.size, failed: 0, unprocessed: 0 });
    expect(report.stopped).toBeUndefined();
    expect(report.purged + report.cascaded).toBe(purged.size);
    expect(report.cascaded).toBeGreaterThan(0);
    // only misses are left due
    const stillDue = [...(await activeRecords(w)).values()].filter((r) => Date.parse(r.refreshDueAt) - 72 * 3_600_000 <= now.getTime());
    expect(stillDue.every((r) => r.missCount > 0)).toBe(true);

    // about one request per 100 videos, one listing per video with due comments, one per account and ad
    const videos = kinds.filter((k) => k === 'video').length;
    expect(report.requests.research).toBeLessThan(Math.ceil(videos / 100) + videos + kinds.filter((k) => k === 'user').length + 5);
    // the sweep found its work by Query only
    expect(w.fx.meter.count('ScanCommand')).toBe(0);
    expect(w.fx.meter.count('QueryCommand')).toBeGreaterThan(0);
  });

  it('under 30% injected 500s, throttling and short pages: nothing purged wrongly, the rest retried before the deadline', async () => {
    // Prepare: collect without faults, then sweep with them, 13 days later (3 days before the deadline)
    const w = await complianceWorld({ config });
    worlds.push(w);
    await collectAll(w);
    const snap = await snapshot(w);
    const deadline = new Date(w.fx.clock.now().getTime() + 15 * MS_PER_DAY);
    w.fx.clock.advance(13 * MS_PER_DAY);
    w.emulator.setFaults({ internalErrorRate: 0.3, throttleRate: 0.3, shortPageRate: 0.3 });
    // Few retries per request, so some requests fail for good and leave work for the next sweep.
    const clients = w.makeClients({ maxAttempts: 2 });

    // Act: a sweep every six hours until nothing is due
    const reports = [];
    for (let sweep = 0; sweep < 8; sweep++) {
      const report = await refresh(w.fx.ctx, { clients, pollIntervalMs: 0 });
      reports.push(report);
      // Assess after every sweep: whatever was purged, the platform had really dropped
      const now = w.fx.clock.now();
      const states = await ledgerStates(w, snap.records.keys());
      const allowed = new Set([...mustGo(w, snap, now), ...mayGo(w, snap, now)]);
      for (const [key, state] of states) {
        if (state.status === 'tombstoned') expect({ key, justified: allowed.has(key) }).toEqual({ key, justified: true });
        // a failure is never a miss: records the platform serves never carry one
        else if (servedAt(w, snap.records.get(key)!, now) && state.ref.kind !== 'user') expect({ key, missCount: state.missCount }).toEqual({ key, missCount: 0 });
      }
      if (report.failed === 0) break;
      w.fx.clock.advance(6 * 3_600_000);
    }

    // Assess: the first sweep hit failures, a later one finished the work, all before the deadline
    expect(reports[0]!.failed).toBeGreaterThan(0);
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)!.failed).toBe(0);
    expect(w.fx.clock.now().getTime()).toBeLessThan(deadline.getTime());
    const now = w.fx.clock.now();
    const states = await ledgerStates(w, snap.records.keys());
    for (const key of mustGo(w, snap, now)) expect({ key, status: states.get(key)?.status }).toEqual({ key, status: 'tombstoned' });
    for (const [key, state] of states) {
      if (state.status !== 'active') continue;
      // refreshed (deadline moved past the old one) unless it is an unconfirmed miss
      if (state.missCount === 0) expect({ key, moved: Date.parse(state.refreshDueAt) > deadline.getTime() }).toEqual({ key, moved: true });
    }
  });

  it('with existence checks allowed, videos and comments are checked by batch compliance tasks: a few requests, no content rewritten', async () => {
    // Prepare
    const byTask = complianceConfig((doc) => {
      doc.policies = { 'tiktok-research': { version: 2, refreshBy: 'existence-check', purgeFuse: WIDE_FUSE } };
      doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video' || s.kind === 'comment');
    });
    const w = await complianceWorld({ config: byTask });
    worlds.push(w);
    await collectAll(w);
    const snap = await snapshot(w);
    w.fx.clock.advance(13 * MS_PER_DAY);
    const now = w.fx.clock.now();
    const objects = countingPuts(w.fx.ctx.objects);

    // Act
    const report = await refresh({ ...w.fx.ctx, objects }, { clients: w.clients, pollIntervalMs: 0 });

    // Assess: what the platform still serves is re-stamped without a write, the rest purged on the task's word
    const states = await ledgerStates(w, snap.records.keys());
    let gone = 0;
    for (const [key, record] of snap.records) {
      const state = states.get(key)!;
      if (servedAt(w, record, now)) {
        expect({ key, status: state.status, refreshed: state.status === 'active' ? state.lastRefreshedAt : undefined }).toEqual({ key, status: 'active', refreshed: now.toISOString() });
      } else {
        gone += 1;
        expect({ key, status: state.status }).toEqual({ key, status: 'tombstoned' });
      }
    }
    expect(gone).toBeGreaterThan(0);
    expect(report).toMatchObject({ due: snap.records.size, changed: 0, unchanged: 0, failed: 0, missed: 0 });
    expect(report.validated + report.purged + report.cascaded).toBe(snap.records.size);
    expect(objects.puts).toBe(0);
    // one task per category: create, a status poll or two, download
    expect(report.requests.research).toBeLessThanOrEqual(2 * 4);
    const purge = (await w.fx.ctx.audit.byRecord(w.fx.ctx.hasher.hash([...snap.records.keys()].find((k) => states.get(k)?.status === 'tombstoned')!))).events;
    expect(purge.find((e) => e.action === 'record.purged')?.evidence).toMatchObject({ rule: expect.stringMatching(/^(compliance-task|cascade)$/) });
  });
});

