/**
 * The purge fuse end to end, on the local services and the emulator over HTTP: an outage that answers every lookup
 * empty (emulator fault `emptyLookupRate: 1`) across three sweeps 12 h apart purges nothing and opens one hold; the
 * hold's dismissal returns the records and a later sweep keeps them; a second outage's hold, released once the
 * platform answers again, purges exactly what the platform deleted and keeps the rest, and `verify` is clean. A
 * natural run of 90 days on a world with the default deletion shares opens no hold and purges what was deleted.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { DEFAULT_WORLD_OPTIONS } from '../../../lib/emulator';
import { dismissHold, listHolds, releaseHold } from '../../../lib/jobs/holds';
import { refresh, type RefreshReport } from '../../../lib/jobs/refresh';
import { verify } from '../../../lib/jobs/verify';
import { DEFAULT_POLICIES } from '../../../lib/domain/policy';
import type { ActiveRecord, RecordKey } from '../../../lib/domain/records';
import { activeRecords, collectAll, complianceConfig, complianceWorld, ledgerStates, servedAt, type ComplianceWorld } from './compliance-support';

const HOUR = 3_600_000;

// Ads on the research cadence, so every kind is due in the same sweeps.
const config = complianceConfig((doc) => {
  doc.policies = { 'tiktok-commercial': { version: 2, refreshWithinDays: 15 } };
});

/** Three sweeps 12 h apart while the platform answers every lookup empty. */
async function outage(w: ComplianceWorld): Promise<RefreshReport[]> {
  w.emulator.setFaults({ emptyLookupRate: 1 });
  const reports: RefreshReport[] = [];
  for (let sweep = 0; sweep < 3; sweep++) {
    if (sweep > 0) w.fx.clock.advance(12 * HOUR);
    reports.push(await refresh(w.fx.ctx, { clients: w.clients, pollIntervalMs: 0 }));
  }
  w.emulator.setFaults({ emptyLookupRate: 0 });
  return reports;
}

describe('purge fuse', () => {
  const worlds: ComplianceWorld[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });

  it('holds a mass absence across three spaced sweeps; dismiss keeps the records, release purges only what is gone', async () => {
    // Prepare: deletions near the default world's (its 8 % of videos made 15 %, so the release has some to purge).
    // At most three comments per video (83 records: 36 videos, 23 comments, 22 accounts, 2 ads; five per video made
    // 112, 52 of them comments): the research hold trips on the video lookups (36 ids, at least allMissingBatch in
    // one request answered empty), and every kind is still held, dismissed and released; more comments per video
    // only made each of the seven sweeps dearer.
    const w = await complianceWorld({
      config,
      world: { videosPerDay: 10, maxCommentsPerVideo: 3, videoDeletionShare: 0.15, videoPrivateShare: 0.04, accountDeletionShare: 0.01, commentDeletionShare: 0.05, adRemovalShare: 0.05 },
    });
    worlds.push(w);
    await collectAll(w);
    const collected = await activeRecords(w);
    w.fx.clock.advance(12.5 * MS_PER_DAY);

    // Act 1: an outage answering empty, three sweeps 12 h apart
    const first = await outage(w);

    // Assess 1: nothing purged, one hold that keeps what the third sweep would have purged
    expect(first.map((r) => r.purged + r.cascaded)).toEqual([0, 0, 0]);
    const states = await ledgerStates(w, collected.keys());
    expect([...states.values()].filter((s) => s.status === 'tombstoned')).toEqual([]);
    const listed = await listHolds(w.fx.ctx);
    // one hold per source: the research API's (its empty id lookups) and the ads source's (every ad confirmed gone)
    expect(listed.holds.map((h) => h.source).sort()).toEqual(['ads', 'research']);
    const hold = listed.holds.find((h) => h.source === 'research')!;
    const adsHold = listed.holds.find((h) => h.source === 'ads')!;
    expect(adsHold).toMatchObject({ status: 'open', reason: 'nothing-found' });
    expect(hold).toMatchObject({ source: 'research', status: 'open', reason: 'all-missing-batch', overdue: false });
    const held = [...states.values()].filter((s): s is ActiveRecord => s.status === 'active' && s.hold !== undefined);
    expect(held.length).toBeGreaterThan(20);
    expect([...new Set(held.map((r) => r.ref.kind))].sort()).toEqual(['ad', 'comment', 'user', 'video']);
    expect(held.every((r) => r.hold!.holdId === (r.ref.kind === 'ad' ? adsHold.id : hold.id))).toBe(true);
    expect(first[2]!.held).toBe(held.length);
    expect(hold.records + adsHold.records).toBe(held.length);
    // held records are not overdue refreshes; the hold is due for a decision within the purge window
    expect(Date.parse(hold.decisionDueAt!) - Date.parse(hold.firstHeldAt!)).toBe(DEFAULT_POLICIES['tiktok-research'].purgeWithinHours * HOUR);

    // verify lists the open holds; past the purge window (24 h after the first record was held) they are violations
    w.fx.clock.advance(25 * HOUR);
    const late = await verify(w.fx.ctx);
    expect(late.holds?.map((h) => h.id).sort()).toEqual([adsHold.id, hold.id].sort());
    expect(late.violations.filter((v) => v.kind === 'purge-hold-overdue').map((v) => v.message)).toEqual(
      expect.arrayContaining([expect.stringContaining(hold.id), expect.stringContaining(adsHold.id)]),
    );
    expect(late.ok).toBe(false);

    // Act 2: the PI dismisses the holds (it was an outage); the next sweep looks at the records afresh
    const dismissed = await dismissHold(w.fx.ctx, hold.id);
    await dismissHold(w.fx.ctx, adsHold.id);
    const after = await refresh(w.fx.ctx, { clients: w.clients, pollIntervalMs: 0 });

    // Assess 2: every held record the platform serves is active again and refreshed
    expect(dismissed).toMatchObject({ decision: 'dismiss', status: 'dismissed', kept: hold.records, purged: 0 });
    expect(after.held).toBe(0);
    const now = w.fx.clock.now();
    const again = await ledgerStates(w, held.map((r) => `tiktok:${r.ref.kind}:${r.ref.id}` as RecordKey));
    for (const record of held) {
      const state = again.get(`tiktok:${record.ref.kind}:${record.ref.id}`);
      if (record.ref.kind === 'user' || !servedAt(w, record, now)) continue;
      expect({ kind: record.ref.kind, status: state?.status, hold: (state as ActiveRecord).hold }).toEqual({ kind: record.ref.kind, status: 'active', hold: undefined });
    }
    expect((await listHolds(w.fx.ctx, { openOnly: true })).holds).toEqual([]);

    // Act 3: a second outage 12 days later; the platform answers again; the PI releases the new hold
    w.fx.clock.advance(12 * MS_PER_DAY);
    const second = await outage(w);
    const secondHolds = (await listHolds(w.fx.ctx, { openOnly: true })).holds;
    expect(second.map((r) => r.purged)).toEqual([0, 0, 0]);
    const secondHold = secondHolds.find((h) => h.source === 'research');
    expect(secondHold).toBeDefined();
    const before = await activeRecords(w);
    const released = await releaseHold(w.fx.ctx, secondHold!.id, { clients: w.clients, pollIntervalMs: 0 });
    for (const other of secondHolds.filter((h) => h !== secondHold)) await releaseHold(w.fx.ctx, other.id, { clients: w.clients, pollIntervalMs: 0 });

    // Assess 3: what the platform deleted is purged, what it serves is kept, and the books are clean
    const at = w.fx.clock.now();
    const final = await ledgerStates(w, before.keys());
    const heldBefore = [...before.values()].filter((r) => r.hold?.holdId === secondHold!.id);
    expect(released).toMatchObject({ decision: 'release', status: 'released', failed: 0, records: heldBefore.length });
    expect(released.purged + released.kept).toBe(heldBefore.length);
    for (const record of heldBefore) {
      const key = `tiktok:${record.ref.kind}:${record.ref.id}` as RecordKey;
      if (record.ref.kind === 'user') continue;
      expect({ key, status: final.get(key)?.status }).toEqual({ key, status: servedAt(w, record, at) ? 'active' : 'tombstoned' });
    }
    expect(released.purged).toBeGreaterThan(0);
    const check = await verify(w.fx.ctx);
    expect(check.violations).toEqual([]);
  }, 600_000);

  it('a natural 90-day run: no hold, what the platform deleted is purged, the 24 h share stays under maxShare', async () => {
    // Prepare: the default world's deletion shares on a small world
    const { videoDeletionShare, videoPrivateShare, accountDeletionShare, commentDeletionShare, adRemovalShare } = DEFAULT_WORLD_OPTIONS;
    const w = await complianceWorld({ config, world: { videoDeletionShare, videoPrivateShare, accountDeletionShare, commentDeletionShare, adRemovalShare, historyDays: 100, futureDays: 100 } });
    worlds.push(w);
    await collectAll(w);
    const collected = await activeRecords(w);
    const fuse = DEFAULT_POLICIES['tiktok-research'].purgeFuse;

    // Act: a sweep every three days for 90 days (deadlines are 15 days apart: every record is looked at in time)
    let purged = 0;
    let held = 0;
    let maxShare = 0;
    for (let day = 3; day <= 90; day += 3) {
      w.fx.clock.advance(3 * MS_PER_DAY);
      const report = await refresh(w.fx.ctx, { clients: w.clients, pollIntervalMs: 0 });
      purged += report.purged + report.cascaded;
      held += report.held;
      const window = await w.fx.ctx.ledger.holds.fuseWindow('research', w.fx.clock.now());
      if (window.checked > 0) maxShare = Math.max(maxShare, window.confirmed / window.checked);
    }

    // Assess
    expect(held).toBe(0);
    expect((await listHolds(w.fx.ctx)).holds).toEqual([]);
    expect(maxShare).toBeLessThan(fuse.maxShare);
    const end = w.fx.clock.now();
    const states = await ledgerStates(w, collected.keys());
    const tombstoned = [...collected].filter(([key]) => states.get(key)?.status === 'tombstoned');
    expect(tombstoned.length).toBe(purged);
    expect(purged).toBeGreaterThan(0);
    // nothing the platform still serves was purged
    for (const [key, record] of tombstoned) if (record.ref.kind !== 'user') expect({ key, served: servedAt(w, record, end) }).toEqual({ key, served: false });
    // every video the platform dropped more than 20 days before the end is purged (checked at least once since)
    for (const [key, record] of collected) {
      if (record.ref.kind !== 'video' || servedAt(w, record, new Date(end.getTime() - 20 * MS_PER_DAY))) continue;
      expect({ key, status: states.get(key)?.status }).toEqual({ key, status: 'tombstoned' });
    }
    // for the README: the largest 24 h share of confirmed deletions the run saw
    process.stdout.write(`natural run: ${collected.size} records, ${purged} purged, largest 24 h confirmed share ${(maxShare * 100).toFixed(2)} %\n`);
  }, 600_000);
});
