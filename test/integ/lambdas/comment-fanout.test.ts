/**
 * One listing per video in the deployed fan-out: the refresh workers of all 16 shards run at once (in-process, as the
 * state machine's Map runs them), and the comments of each video, all due, are listed once in all: their due entries
 * sit in their video's shard, so one worker holds them.
 */
import { functionEnvOf } from '../../../lib/config/deployed';
import { listingRequests } from '../../../lib/domain/quota-plan';
import { recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { DUE_SHARDS } from '../../../lib/store/tables';
import { destroyTestClients } from '../../support/local-aws';
import { CLIENT, deployedFixture, lambdaContext, schedulerEvent, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;
const FAR_FUTURE = new Date('2099-01-01T00:00:00Z');

describe('deployed fan-out: one listing per video', () => {
  let fx: DeployedFixture;
  let collect: Handler;
  let refreshShard: Handler;

  beforeAll(async () => {
    fx = await deployedFixture('refresh-shard', {
      tiktok: true,
      env: { [functionEnvOf('purge')]: 'steward-test-purge' },
      // the videos of the last 15 days (~50 with ~740 comments; two of them with over 100 written by now): a third of
      // the 30-day window's comments, and still videos whose listing takes several pages
      world: { maxCommentsPerVideo: 250, commentDeletionShare: 0 },
      change: (doc) => {
        doc.specs[0].window = { rollingDays: 15 };
        doc.specs.push({ name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 1000, schedule: 'rate(1 day)' });
      },
    });
    collect = (require('../../../lambdas/collect') as { handler: Handler }).handler;
    refreshShard = (require('../../../lambdas/refresh-shard') as { handler: Handler }).handler;
    await collect(schedulerEvent('collect'), lambdaContext('steward-collect'));
    await collect({ ...schedulerEvent('collect'), spec: 'climate-comments' }, lambdaContext('steward-collect'));
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    destroyTestClients();
  });

  async function researchRequests(): Promise<number> {
    const answer = (await (await fetch(`${fx.emulator.url}/__admin/quota?client_key=${CLIENT.clientKey}`)).json()) as { used: { research: { requests: number } } };
    return answer.used.research.requests;
  }

  it('lists every video once across the 16 workers running in parallel', async () => {
    // Arrange: every comment due now (videos not), read from all shards
    const { ledger } = fx.stores();
    const comments: ActiveRecord[] = [];
    for (let shard = 0; shard < DUE_SHARDS; shard++) {
      let cursor: string | undefined;
      do {
        const page = await ledger.queryDue(shard, FAR_FUTURE, { limit: 1000, ...(cursor ? { cursor } : {}) });
        comments.push(...page.records.filter((r) => r.ref.kind === 'comment'));
        cursor = page.cursor;
      } while (cursor);
    }
    const kept = new Map<string, number>();
    for (const c of comments) kept.set(c.parentKey!, (kept.get(c.parentKey!) ?? 0) + 1);
    expect(comments.length).toBeGreaterThan(100);
    expect(Math.max(...kept.values())).toBeGreaterThan(100);
    const at = new Date(Date.now() - 60_000).toISOString();
    await ledger.updateRecords(comments.map((r) => ({ kind: 'seen' as const, key: recordKeyOf(r.ref), at, nextActionAt: at })));
    const floor = [...kept.values()].reduce((n, c) => n + listingRequests(c), 0);
    const before = await researchRequests();

    // Act: all shard workers at once
    const answers = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, shard) => refreshShard({ shard, round: 0 }, lambdaContext('steward-refresh-shard'))));

    // Assess: every comment refreshed, with exactly one listing's pages per video
    const refreshed = answers.reduce((n, a) => n + a.unchanged + a.changed, 0);
    expect(answers.every((a) => a.done)).toBe(true);
    expect(answers.reduce((n, a) => n + a.due, 0)).toBe(comments.length);
    expect(refreshed).toBe(comments.length);
    expect((await researchRequests()) - before).toBe(floor);
  }, 120_000);
});
