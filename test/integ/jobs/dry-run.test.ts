/**
 * `purge --dry-run` and `expire --dry-run` count what would go, by reason, spec and kind, cascades included, and
 * change nothing: every ledger item (statuses, due dates, pending marks), every audit item (events, chain heads,
 * seals) and every object is the same before and after. The real run that follows then does what the dry run said.
 *
 * The world: an account with two videos (three comments and one), a video with one comment, a survivor video and
 * an ad, written through the ports; purges left pending by an interrupted run (an erasure of the account, the
 * unavailability of a video and of the ad).
 */
import { objectKeyOf, parseRecordKey } from '../../../lib/domain/records';
import { expire } from '../../../lib/jobs/expire';
import { purge } from '../../../lib/jobs/purge';
import { ReportingKeyManager } from '../../../lib/store/key-manager';
import { collectFamily, DAY, FAMILY, FAMILY_KEYS, statusesOf } from '../../support/compliance-world';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { storeSnapshot } from './compliance-support';

const { U, V3, V4, A1 } = FAMILY;
const ALL = FAMILY_KEYS;

async function world(): Promise<LocalJobFixture> {
  const fx = await localJobContext({ now: '2026-03-01T12:00:00Z' });
  await collectFamily(fx.ctx);
  return fx;
}

/** Purges decided and left pending (as a run that died after marking them leaves them). */
async function leavePending(fx: LocalJobFixture): Promise<void> {
  const at = fx.clock.now().toISOString();
  await fx.ctx.ledger.updateRecords([
    { kind: 'purge-pending', key: U, at, reason: 'erasure', evidence: { rule: 'erasure-request', request: 'erase-x#1' } },
    { kind: 'purge-pending', key: V3, at, reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 7 } },
    { kind: 'purge-pending', key: A1, at, reason: 'unavailable', evidence: { rule: 'consecutive-misses', missCount: 3 } },
  ]);
  fx.clock.advance(60_000);
}

describe('dry runs count and change nothing', () => {
  const fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));

  it('purge --dry-run: pending purges and their cascades by reason, spec and kind; then the real purge does exactly that', async () => {
    // Prepare
    const fx = await world();
    fixtures.push(fx);
    await leavePending(fx);
    const before = await storeSnapshot(fx.ctx);
    expect(Object.keys(before.objects)).toHaveLength(ALL.length);
    expect(before.ledger.filter((i) => i.purgePending)).toHaveLength(3);
    expect(before.audit.filter((i) => i.action === 'record.collected')).toHaveLength(ALL.length);

    // Act
    const dry = await purge(fx.ctx, { dryRun: true });
    const after = await storeSnapshot(fx.ctx);
    const real = await purge(fx.ctx);

    // Assess: the counts (the account's erasure takes its videos and their comments; the video's comment is a cascade)
    const expected = {
      pending: 3,
      purged: 10,
      cascaded: 7,
      byReason: { erasure: 7, unavailable: 2, cascade: 1 },
      byKind: { user: 1, video: 3, comment: 5, ad: 1 },
      bySpec: { 'climate-authors': 1, 'climate-videos': 3, 'climate-comments': 5, 'eu-ads': 1 },
    };
    expect(dry).toEqual({ dryRun: true, versionsRemoved: 0, ...expected });
    // nothing changed: ledger (statuses, due dates, pending marks), audit (events, chain heads, seals), objects
    expect(after).toEqual(before);
    // the real run did what the dry run said
    expect(real).toMatchObject({ dryRun: false, versionsRemoved: 10, ...expected });
    expect(await statusesOf(fx.ctx, ALL)).toEqual(Object.fromEntries(ALL.map((k) => [k, k === V4 ? 'active' : 'tombstoned'])));
    expect(Object.keys((await storeSnapshot(fx.ctx)).objects)).toEqual([objectKeyOf(parseRecordKey(V4))]);
  });

  it('expire --dry-run at project end: everything, by spec and kind; nothing changed; the real expiry purges the same', async () => {
    // Prepare
    const fx = await world();
    fixtures.push(fx);
    fx.clock.set(new Date('2027-07-01T00:00:00Z'));
    const before = await storeSnapshot(fx.ctx);

    // Act
    const dry = await expire(fx.ctx, { dryRun: true, keyManager: new ReportingKeyManager() });
    const after = await storeSnapshot(fx.ctx);
    const real = await expire(fx.ctx, { keyManager: new ReportingKeyManager() });

    // Assess
    const byKind = { user: 1, video: 4, comment: 5, ad: 1 };
    const bySpec = { 'climate-authors': 1, 'climate-videos': 4, 'climate-comments': 5, 'eu-ads': 1 };
    expect(dry).toMatchObject({ dryRun: true, projectEnded: true, expired: ALL.length, purged: ALL.length, versionsRemoved: 0, byReason: { expired: ALL.length }, byKind, bySpec });
    expect(dry.runId).toBeUndefined();
    expect(dry.keyDeletion).toBeUndefined();
    expect(after).toEqual(before);
    expect(real).toMatchObject({ dryRun: false, projectEnded: true, purged: ALL.length, remaining: 0, byReason: { expired: ALL.length }, byKind, bySpec });
    // a record purged with its parent is counted as a cascade, not again as expired
    expect(real.expired + real.cascaded).toBe(ALL.length);
    expect(Object.values(await statusesOf(fx.ctx, ALL)).every((s) => s === 'tombstoned')).toBe(true);
    expect((await storeSnapshot(fx.ctx)).objects).toEqual({});
  });

  it('expire --dry-run before the end and with no retention limit finds nothing, and changes nothing', async () => {
    // Prepare
    const fx = await world();
    fixtures.push(fx);
    fx.clock.advance(40 * DAY);
    const before = await storeSnapshot(fx.ctx);

    // Act
    const dry = await expire(fx.ctx, { dryRun: true });

    // Assess: due for refresh by now, but not expired
    expect(dry).toMatchObject({ dryRun: true, projectEnded: false, expired: 0, purged: 0, byKind: {}, bySpec: {} });
    expect(await storeSnapshot(fx.ctx)).toEqual(before);
  });
});
