/**
 * Erasure requests for one video and for one comment (lib/jobs/erase.ts on the local services): `--video` takes the
 * video and its comments (objects gone, `erasure` tombstones, one `record.purged` event each, the request filed as
 * the researcher's), and nothing of other videos; `--comment` takes that comment only, not its video or siblings.
 */
import { objectKeyOf, parseRecordKey, type RecordKey, type Tombstone } from '../../../lib/domain/records';
import { erase } from '../../../lib/jobs/erase';
import { verify } from '../../../lib/jobs/verify';
import { collectFamily, FAMILY, FAMILY_KEYS, statusesOf } from '../../support/compliance-world';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';

const { V1, V2, C1, C2, C3, C4 } = FAMILY;
const idOf = (key: RecordKey) => parseRecordKey(key).id;
const RESEARCHER = { type: 'researcher', name: 'ada' } as const;

describe('erase --video and --comment', () => {
  const fixtures: LocalJobFixture[] = [];
  afterAll(() => fixtures.forEach((f) => f.destroy()));

  async function world(): Promise<LocalJobFixture> {
    const fx = await localJobContext({ now: '2026-03-01T12:00:00Z' });
    fixtures.push(fx);
    await collectFamily(fx.ctx);
    fx.clock.advance(3_600_000);
    return fx;
  }

  /** Each key gone (erasure tombstone, no object version, one purge event that the tombstone names) or left alone. */
  async function expectErased(fx: LocalJobFixture, runId: string, erased: ReadonlyMap<RecordKey, string>): Promise<void> {
    const { ctx } = fx;
    const states = await ctx.ledger.getRecords(FAMILY_KEYS.map(parseRecordKey));
    for (const key of FAMILY_KEYS) {
      const state = states.get(key)!;
      const versions = await ctx.objects.countVersions(objectKeyOf(parseRecordKey(key)));
      if (!erased.has(key)) {
        expect({ key, status: state.status, versions }).toEqual({ key, status: 'active', versions: 1 });
        continue;
      }
      expect({ key, status: state.status, reason: (state as Tombstone).reason, versions }).toEqual({ key, status: 'tombstoned', reason: 'erasure', versions: 0 });
      const purges = (await ctx.audit.byRecord(ctx.hasher.hash(key))).events.filter((e) => e.action === 'record.purged');
      expect({ key, purges: purges.length }).toEqual({ key, purges: 1 });
      expect(purges[0]).toMatchObject({ runId, reason: 'erasure', actor: RESEARCHER, evidence: expect.objectContaining({ rule: erased.get(key) }) });
      expect((state as Tombstone).evidenceRef).toBe(`${purges[0]!.chainId}#${purges[0]!.seq}`);
    }
  }

  it('--video: the video and its comments go, other videos and their comments stay', async () => {
    // Prepare
    const fx = await world();
    const ctx = { ...fx.ctx, actor: RESEARCHER };

    // Act
    const report = await erase(ctx, { video: idOf(V1) });

    // Assess
    expect(report).toMatchObject({ kind: 'video', wasStored: true, recordHash: ctx.hasher.hash(V1), purged: 4, cascaded: 3, alreadyPurged: 0, versionsRemoved: 4, byKind: { video: 1, comment: 3 } });
    await expectErased(fx, report.runId, new Map([[V1, 'erasure-request'], [C1, 'cascade'], [C2, 'cascade'], [C3, 'cascade']]));
    // the comments' purge names their parent by its keyed hash
    const cascade = (await ctx.audit.byRecord(ctx.hasher.hash(C1))).events.find((e) => e.action === 'record.purged');
    expect(cascade?.evidence).toMatchObject({ parent: ctx.hasher.hash(V1), parentKind: 'video', cause: 'erasure' });
    // the request is on record, naming the video by hash only
    const run = (await ctx.audit.byChain(report.runId)).events;
    expect(run.map((e) => e.action)).toEqual(['erasure.requested', 'record.purged', 'record.purged', 'record.purged', 'record.purged', 'run.finished']);
    expect(run[0]).toMatchObject({ actor: RESEARCHER, recordHash: ctx.hasher.hash(V1), kind: 'video' });
    expect(JSON.stringify(run)).not.toContain(idOf(V1));
    expect((await verify(ctx)).violations).toEqual([]);
  });

  it('--comment: only that comment goes, not its video nor the video’s other comments', async () => {
    // Prepare
    const fx = await world();
    const ctx = { ...fx.ctx, actor: RESEARCHER };

    // Act
    const report = await erase(ctx, { comment: idOf(C2) });

    // Assess
    expect(report).toMatchObject({ kind: 'comment', wasStored: true, purged: 1, cascaded: 0, versionsRemoved: 1, byKind: { comment: 1 } });
    await expectErased(fx, report.runId, new Map([[C2, 'erasure-request']]));
    expect(await statusesOf(ctx, [V1, C1, C3, V2, C4])).toEqual({ [V1]: 'active', [C1]: 'active', [C3]: 'active', [V2]: 'active', [C4]: 'active' });
  });

  it('a second request for the same video changes nothing; a request for a comment never stored still leaves a tombstone', async () => {
    // Prepare
    const fx = await world();
    const ctx = { ...fx.ctx, actor: RESEARCHER };
    const first = await erase(ctx, { video: idOf(V2) });

    // Act
    const again = await erase(ctx, { video: idOf(V2) });
    const unseen = await erase(ctx, { comment: '7499999999999999999' });

    // Assess
    expect(first).toMatchObject({ purged: 2, cascaded: 1 });
    expect(again).toMatchObject({ wasStored: false, purged: 0, alreadyPurged: 1 });
    await expectErased(fx, first.runId, new Map([[V2, 'erasure-request'], [C4, 'cascade']]));
    expect(unseen).toMatchObject({ kind: 'comment', wasStored: false, purged: 1, cascaded: 0, versionsRemoved: 0 });
    expect(await statusesOf(ctx, ['tiktok:comment:7499999999999999999'])).toEqual({ 'tiktok:comment:7499999999999999999': 'tombstoned' });
    expect((await verify(ctx)).violations).toEqual([]);
  });
});
