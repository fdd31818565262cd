/**
 * No collected content in what the Lambda handlers log: the emulator plants a canary in every caption, transcript,
 * comment, display name and bio; the collect handler collects videos and comments, the erase handler erases an
 * account and a video, the verify and report handlers run; then every line the handlers wrote to stdout and stderr
 * (Powertools logs at DEBUG, EMF metrics) is searched for the canary, for collected usernames and for record ids.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { functionEnvOf, JOB_ENV } from '../../../lib/config/deployed';
import { CANARY } from '../jobs/compliance-support';
import { destroyTestClients, testS3Client } from '../../support/local-aws';
import { deployedFixture, jsonLines, lambdaContext, memberContext, schedulerEvent, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;

describe('handler logs hold no collected content', () => {
  let fx: DeployedFixture;
  let stderr = '';
  let stderrSpy: jest.SpyInstance;

  beforeAll(async () => {
    fx = await deployedFixture('collect', {
      tiktok: true,
      world: { contentCanary: CANARY },
      // s3rver keeps no versions: purges fall back to plain deletes (and the handler says so in a warning).
      env: { [functionEnvOf('purge')]: 'steward-test-purge', [JOB_ENV.s3Versioning]: 'auto', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      change: (doc) => {
        doc.specs[0].window = { rollingDays: 7 };
        doc.specs.push({ name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 3, schedule: 'rate(1 day)' });
      },
    });
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  });
  afterAll(async () => {
    stderrSpy.mockRestore();
    await fx.close();
    destroyTestClients();
  });

  it('collect, erase, verify and report log counts and hashes only', async () => {
    // Prepare: the handlers, required after the fixture set their environment (as at a cold start)
    const handler = (name: string) => (require(`../../../lambdas/${name}`) as { handler: Handler }).handler;
    const [collect, erase, verify, report] = ['collect', 'erase', 'verify', 'report'].map(handler) as [Handler, Handler, Handler, Handler];

    // Act
    const videos = await collect(schedulerEvent('collect'), lambdaContext('steward-collect'));
    const comments = await collect({ spec: 'climate-comments' }, lambdaContext('steward-collect'));
    const listed = await testS3Client().send(new ListObjectsV2Command({ Bucket: fx.bucket, Prefix: 'records/tiktok/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    const bodies = await Promise.all(
      keys.map(async (Key) => JSON.parse(await (await testS3Client().send(new GetObjectCommand({ Bucket: fx.bucket, Key }))).Body!.transformToString()) as Record<string, unknown>),
    );
    const usernames = [...new Set(bodies.map((b) => b.username).filter((u): u is string => typeof u === 'string'))];
    // (ids from the object keys: JSON.parse would round 19-digit ids)
    const idOf = (key: string) => key.replace(/^.*\/(\d+)\.json$/, '$1');
    const videoIds = keys.filter((k) => k.includes('/video/')).map(idOf);
    const byUser = await erase({ user: usernames[0], requestedBy: 'ada' }, memberContext('steward-erase', 'ada'));
    const remaining = keys.filter((k, i) => k.includes('/video/') && bodies[i]!.username !== usernames[0]).map(idOf);
    const byVideo = await erase({ video: remaining[0], requestedBy: 'ada' }, memberContext('steward-erase', 'ada'));
    const checked = await verify(schedulerEvent('compliance-check'), lambdaContext('steward-verify'));
    const built = await report({}, lambdaContext('steward-report'));

    // Assess: the work was done, and the content really carries the canary
    expect(videos.specs[0].newRecords).toBeGreaterThan(5);
    expect(comments.specs[0]).toMatchObject({ spec: 'climate-comments', outcome: 'finished' });
    expect(comments.specs[0].newRecords).toBeGreaterThan(0);
    expect(bodies.filter((b) => JSON.stringify(b).includes(CANARY)).length).toBe(bodies.length);
    expect(byUser.purged).toBeGreaterThan(1);
    expect(byVideo).toMatchObject({ kind: 'video', wasStored: true });
    expect(checked).toMatchObject({ violations: expect.objectContaining({ 'record-without-object': 0 }) });
    expect(built.purges.total).toBeGreaterThan(1);
    // the handlers did log (so the searches below search something)
    const logs = jsonLines(fx.stdout());
    for (const message of ['collect finished', 'erasure finished', 'compliance report built']) expect(logs.map((l) => l.message)).toContain(message);

    const everything = `${fx.stdout()}\n${stderr}`;
    expect(everything.includes(CANARY)).toBe(false);
    expect(usernames.length).toBeGreaterThan(1);
    expect(usernames.filter((u) => everything.includes(u))).toEqual([]);
    expect(videoIds.filter((id) => everything.includes(id))).toEqual([]);
  });
});
