/**
 * The collect handler, invoked in-process with a recorded scheduler event: local DynamoDB and S3, the TikTok
 * emulator, Secrets Manager stubbed. What Lambda would do, minus the network to AWS.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { functionEnvOf } from '../../../lib/config/deployed';
import { testDynamoClients, testS3Client, destroyTestClients } from '../../support/local-aws';
import { deployedFixture, jsonLines, lambdaContext, schedulerEvent, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;

describe('lambdas/collect', () => {
  let fx: DeployedFixture;
  let handler: Handler;
  beforeAll(async () => {
    // The purge function (orphan deletions of a crash repair) is not called here: see compliance.test.ts.
    fx = await deployedFixture('collect', { tiktok: true, env: { [functionEnvOf('purge')]: 'steward-test-purge' } });
    // Required after the fixture set the environment: the handler reads it at import, as at a cold start.
    handler = (require('../../../lambdas/collect') as { handler: Handler }).handler;
  });
  afterAll(async () => {
    await fx.close();
    destroyTestClients();
  });

  it('collects the spec of a scheduler event into the bucket, the ledger and the audit log', async () => {
    const result = await handler(schedulerEvent('collect'), lambdaContext('steward-collect'));
    expect(result.specs).toHaveLength(1);
    const [spec] = result.specs;
    expect(spec).toMatchObject({ spec: 'climate-videos', outcome: 'finished' });
    expect(spec.newRecords).toBeGreaterThan(0);
    expect(spec.requests).toBeGreaterThan(0);

    const objects = await testS3Client().send(new ListObjectsV2Command({ Bucket: fx.bucket, Prefix: 'records/tiktok/video/' }));
    expect(objects.KeyCount).toBe(spec.newRecords);
    const run = await testDynamoClients().doc.send(
      new QueryCommand({ TableName: fx.tables.ledger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `run#${result.runId}` } }),
    );
    expect(run.Items?.[0]).toMatchObject({ job: 'collect', status: 'finished', counts: expect.objectContaining({ newRecords: spec.newRecords }) });
  });

  it('publishes counts as metrics of the project and logs counts only, never content', async () => {
    const lines = jsonLines(fx.stdout());
    const emf = lines.filter((l) => l._aws?.CloudWatchMetrics);
    const names = emf.flatMap((l) => l._aws.CloudWatchMetrics.flatMap((m: { Metrics: { Name: string }[] }) => m.Metrics.map((x) => x.Name)));
    expect(names).toEqual(expect.arrayContaining(['NewRecords', 'ChangedRecords', 'UnchangedRecords', 'ApiRequests']));
    expect(emf.every((l) => l.project === 'test-project' && l.service === 'steward')).toBe(true);

    const finished = lines.find((l) => l.message === 'collect finished');
    expect(finished).toMatchObject({ level: 'INFO', function_name: 'steward-collect', specs: [expect.objectContaining({ spec: 'climate-videos' })] });
    // Nothing the platform returned (ids, captions, usernames) reaches a log line.
    const objects = await testS3Client().send(new ListObjectsV2Command({ Bucket: fx.bucket, Prefix: 'records/tiktok/video/' }));
    const keys = (objects.Contents ?? []).map((o) => o.Key!);
    expect(keys.length).toBeGreaterThan(0);
    const stored = JSON.parse(await (await testS3Client().send(new GetObjectCommand({ Bucket: fx.bucket, Key: keys[0] }))).Body!.transformToString());
    const content = [...keys.map((k) => k.replace(/^.*\/(\d+)\.json$/, '$1')), stored.username, stored.video_description].filter((v) => typeof v === 'string' && v.length > 3);
    expect(content.length).toBeGreaterThan(keys.length);
    for (const value of content) expect(fx.stdout()).not.toContain(value);
  });

  it('runs again idempotently: nothing new, nothing duplicated', async () => {
    const again = await handler(schedulerEvent('collect'), lambdaContext('steward-collect'));
    expect(again.specs[0]).toMatchObject({ spec: 'climate-videos', newRecords: 0 });
  });

  it('refuses an event that does not match its schema, naming the field', async () => {
    await expect(handler({ spec: 42 }, lambdaContext('steward-collect'))).rejects.toThrow(/\$\.spec/);
    await expect(handler({ spec: 'climate-videos', extra: true }, lambdaContext('steward-collect'))).rejects.toThrow(/unknown field.*"extra"|Unrecognized key/);
  });

  it('refuses a spec the config does not have', async () => {
    await expect(handler({ spec: 'no-such-spec' }, lambdaContext('steward-collect'))).rejects.toThrow(/no spec named "no-such-spec"/);
  });
});
