/**
 * Purge converges: a crash at any step (pending mark, children, object deletion, audit append, tombstone) followed
 * by the next `steward purge` (and, when nothing was marked yet, the caller's retry) ends with every target and
 * every child tombstoned, no object left, one `record.purged` event per record and the evidence reference pointing
 * at it. Runs on DynamoDB Local and s3rver with records written directly (the platform is not under test here).
 */
import type { ActiveRecord, RecordKey, RecordRef, Tombstone } from '../../../lib/domain/records';
import { objectKeyOf, recordKeyOf } from '../../../lib/domain/records';
import type { JobContext } from '../../../lib/jobs/context';
import { planPurge, purge, purgeRecords, type PurgeTarget } from '../../../lib/jobs/purge';
import { crashOn, InjectedCrash, localJobContext, type LocalJobFixture } from '../../support/job-context';

const AT = '2026-03-01T12:00:00.000Z';

function ref(kind: RecordRef['kind'], id: string): RecordRef {
  return { platform: 'tiktok', kind, id };
}

function record(r: RecordRef, parentKey?: RecordKey): ActiveRecord {
  return {
    ref: r,
    status: 'active',
    objectKey: objectKeyOf(r),
    contentSha256: 'a'.repeat(64),
    sizeBytes: 20,
    provenance: { runId: 'collect-1', specName: r.kind === 'comment' ? 'climate-comments' : 'climate-videos', queryFingerprint: 'f'.repeat(64), endpoint: '/v2/research/video/query/', logId: 'LOG1', retrievedAt: AT, collectorVersion: 'test', collectedBy: 'schedule' },
    firstCollectedAt: AT,
    lastSeenAt: AT,
    policyId: 'tiktok-research',
    policyVersion: 1,
    refreshDueAt: '2026-03-16T12:00:00.000Z',
    expiresAt: '2027-06-30T23:59:59.999Z',
    missCount: 0,
    platformCreatedAt: 1_772_000_000,
    ...(parentKey ? { parentKey } : {}),
  };
}

// An account with two videos (3 and 2 comments), an unrelated video with one comment, and a survivor.
const USER = ref('user', 'a'.repeat(32));
const V1 = ref('video', '7320000000000000001');
const V2 = ref('video', '7320000000000000002');
const V3 = ref('video', '7320000000000000003');
const SURVIVOR = ref('video', '7320000000000000009');
const key = recordKeyOf;
const comments = (video: RecordRef, n: number, base: bigint) => Array.from({ length: n }, (_, i) => record(ref('comment', String(base + BigInt(i))), key(video)));
const RECORDS: ActiveRecord[] = [
  record(USER),
  record(V1, key(USER)),
  record(V2, key(USER)),
  record(V3),
  record(SURVIVOR),
  ...comments(V1, 3, 7400000000000000100n),
  ...comments(V2, 2, 7400000000000000200n),
  ...comments(V3, 1, 7400000000000000300n),
];
const TARGETS: PurgeTarget[] = [
  { key: key(USER), reason: 'erasure', evidence: { rule: 'erasure-request', request: 'erase-1#1' } },
  { key: key(V3), reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'LOG9', peersFound: 4 } },
];
/** Expected tombstone reason of every record that must go. */
const EXPECTED = new Map<RecordKey, Tombstone['reason']>(
  RECORDS.filter((r) => key(r.ref) !== key(SURVIVOR)).map((r) => {
    const k = key(r.ref);
    const underV3 = k === key(V3) || r.parentKey === key(V3);
    return [k, underV3 ? (k === key(V3) ? 'unavailable' : 'cascade') : 'erasure'];
  }),
);

async function seed(fx: LocalJobFixture): Promise<void> {
  await Promise.all(RECORDS.map((r) => fx.ctx.objects.put(r.objectKey, `{"id":${r.ref.kind === 'user' ? 1 : r.ref.id}}`)));
  await fx.ctx.ledger.putRecords(RECORDS, () => '2026-03-13T12:00:00.000Z');
}

async function expectConverged(fx: LocalJobFixture): Promise<void> {
  const { ledger, objects, audit, hasher } = fx.ctx;
  const states = await ledger.getRecords(RECORDS.map((r) => r.ref));
  for (const [k, reason] of EXPECTED) {
    const state = states.get(k);
    expect({ k, status: state?.status, reason: state?.status === 'tombstoned' ? state.reason : undefined }).toEqual({ k, status: 'tombstoned', reason });
    const tomb = state as Tombstone;
    // one purge event per record, and the tombstone points at it
    const history = (await audit.byRecord(hasher.hash(k))).events.filter((e) => e.action === 'record.purged');
    expect({ k, events: history.length }).toEqual({ k, events: 1 });
    expect(tomb.evidenceRef).toBe(`${history[0]!.chainId}#${history[0]!.seq}`);
    expect(history[0]).toMatchObject({ reason, evidence: expect.objectContaining({ versionsRemoved: expect.any(Number) }) });
  }
  expect(states.get(key(SURVIVOR))?.status).toBe('active');
  const left: string[] = [];
  for await (const k of objects.list('records/')) left.push(k);
  expect(left).toEqual([objectKeyOf(SURVIVOR)]);
  for (const r of RECORDS) if (EXPECTED.has(key(r.ref))) expect(await objects.countVersions(r.objectKey)).toBe(0);
  // and converged means stable: nothing pending, another pass changes nothing
  expect(await purge(fx.ctx)).toMatchObject({ pending: 0, purged: 0 });
}

type Port = 'ledger' | 'objects' | 'chain';
const CRASH_POINTS: Array<[string, Port, string, number]> = [
  ['before anything: the first pending mark', 'ledger', 'updateRecords', 1],
  ['the pending mark of the children', 'ledger', 'updateRecords', 2],
  ['the children query of the second target', 'ledger', 'children', 2],
  ['the first object deletion', 'objects', 'deleteAllVersions', 1],
  ['the first audit append', 'chain', 'append', 1],
  ['the first tombstone', 'ledger', 'tombstone', 1],
  ['a parent tombstone', 'ledger', 'tombstone', 9],
];

describe('purgeRecords converges after a crash at any step', () => {
  const fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));

  async function fixture(): Promise<LocalJobFixture> {
    const fx = await localJobContext({ now: AT });
    fixtures.push(fx);
    await seed(fx);
    return fx;
  }

  it('purges targets with their children, every object version, one event and a tombstone each', async () => {
    // Prepare
    const fx = await fixture();
    const plan = await planPurge(fx.ctx, TARGETS);

    // Act
    const report = await purgeRecords(fx.ctx, TARGETS, await fx.ctx.audit.chain('purge-test-1'));
    const again = await purgeRecords(fx.ctx, TARGETS, await fx.ctx.audit.chain('purge-test-2'));

    // Assess
    expect(plan).toEqual({
      records: EXPECTED.size,
      cascaded: EXPECTED.size - 2,
      byReason: { erasure: 8, unavailable: 1, cascade: 1 },
      byKind: { user: 1, video: 3, comment: 6 },
      bySpec: { 'climate-videos': 4, 'climate-comments': 6 },
    });
    expect(report).toMatchObject({ purged: EXPECTED.size, cascaded: EXPECTED.size - 2, alreadyPurged: 0, versionsRemoved: EXPECTED.size, byReason: plan.byReason, byKind: plan.byKind });
    expect(again).toMatchObject({ purged: 0, alreadyPurged: 2 });
    await expectConverged(fx);
  });

  it.each(CRASH_POINTS)('crash at %s (%s.%s #%i), then the next purge run', async (_what, port, method, nth) => {
    // Prepare
    const fx = await fixture();
    const chain = await fx.ctx.audit.chain(`purge-crash-${port}-${method}-${nth}`);
    const crashing: JobContext = port === 'chain' ? fx.ctx : { ...fx.ctx, [port]: crashOn(fx.ctx[port] as object, method as never, nth) };
    const crashingChain = port === 'chain' ? crashOn(chain, 'append', nth, 'audit append') : chain;

    // Act
    await expect(purgeRecords(crashing, TARGETS, crashingChain)).rejects.toBeInstanceOf(InjectedCrash);
    const completed = await purge(fx.ctx);
    // Nothing was marked pending before the very first step: the caller (the next sweep) decides again.
    if (completed.pending === 0) await purgeRecords(fx.ctx, TARGETS, await fx.ctx.audit.chain(`purge-retry-${nth}`));

    // Assess
    if (!(port === 'ledger' && method === 'updateRecords' && nth === 1)) expect(completed.pending).toBeGreaterThan(0);
    await expectConverged(fx);
  });

  it('a dry run counts pending purges by reason, spec and kind and changes nothing', async () => {
    // Prepare: a crash after the targets and their videos were marked pending, before any object went
    const fx = await fixture();
    const crashing = { ...fx.ctx, ledger: crashOn(fx.ctx.ledger, 'updateRecords', 3) };
    await expect(purgeRecords(crashing, TARGETS, await fx.ctx.audit.chain('purge-dry-1'))).rejects.toBeInstanceOf(InjectedCrash);

    // Act
    const dry = await purge(fx.ctx, { dryRun: true });

    // Assess
    expect(dry).toMatchObject({ dryRun: true, pending: 5, purged: EXPECTED.size, byKind: { user: 1, video: 3, comment: 6 } });
    let objects = 0;
    for await (const _ of fx.ctx.objects.list('records/')) objects += 1;
    expect(objects).toBe(RECORDS.length);
    const real = await purge(fx.ctx);
    expect(real).toMatchObject({ dryRun: false, pending: 5, purged: EXPECTED.size });
    await expectConverged(fx);
  });
});
