/**
 * The collect handler after `project.endDate` (a schedule left running, a manual invocation): it collects
 * nothing, writes no record, and logs, audits (`collect.refused`, sealed) and counts the refusal.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { functionEnvOf } from '../../../lib/config/deployed';
import { destroyTestClients, testS3Client } from '../../support/local-aws';
import { deployedFixture, jsonLines, lambdaContext, schedulerEvent, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;

describe('lambdas/collect after the project end', () => {
  let fx: DeployedFixture;
  let handler: Handler;
  beforeAll(async () => {
    // The handler runs on real time (after 2026-01-31): the project has ended.
    fx = await deployedFixture('collect', {
      tiktok: true,
      env: { [functionEnvOf('purge')]: 'steward-test-purge' },
      change: (doc) => void (doc.project.endDate = '2026-01-31'),
    });
    handler = (require('../../../lambdas/collect') as { handler: Handler }).handler;
  });
  afterAll(async () => {
    await fx.close();
    destroyTestClients();
  });

  it('collects nothing; audits collect.refused, logs and counts it', async () => {
    // Prepare: warnings go to stderr
    let stderr = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
    // Act
    const result = await handler(schedulerEvent('collect'), lambdaContext('steward-collect')).finally(() => spy.mockRestore());

    // Assess
    expect(result).toMatchObject({ specs: [], refused: expect.stringMatching(/project ended on 2026-01-31/) });
    const objects = await testS3Client().send(new ListObjectsV2Command({ Bucket: fx.bucket, Prefix: 'records/' }));
    expect(objects.KeyCount ?? 0).toBe(0);
    const { audit, ledger } = fx.stores();
    const events = (await audit.byChain(result.runId)).events;
    expect(events.map((e) => e.action)).toEqual(['collect.refused', 'run.finished']);
    expect(events[0]).toMatchObject({ actor: { type: 'schedule' }, reason: expect.stringMatching(/project\.endDate/) });
    expect(await ledger.getCheckpoint('climate-videos')).toBeUndefined();
    const lines = jsonLines(`${fx.stdout()}\n${stderr}`);
    expect(lines.find((l) => l.message === 'collect refused')).toMatchObject({ level: 'WARN', runId: result.runId });
    const metrics = lines.filter((l) => l._aws?.CloudWatchMetrics).flatMap((l) => l._aws.CloudWatchMetrics.flatMap((m: { Metrics: { Name: string }[] }) => m.Metrics.map((x) => x.Name)));
    expect(metrics).toContain('CollectRefused');
  });
});
