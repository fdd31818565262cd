/**
 * The export function in-process, on local DynamoDB/S3: a member creates an export, lists it, pulls it (the copy is
 * recorded, the answer names the part keys the member's role may read); an erasure in the erase function hands
 * the rebuild to the export function (a Lambda invoke, mocked to run the handler here), which rewrites the export
 * without the record and notes the purge on the pulled copy; a release by another member fails, by the holder
 * succeeds; a malformed event names the field. Who acts is the member alias invoked: a pull or release through no
 * alias, or naming another member than the alias, is refused with nothing written. The hourly purge function has
 * the export function reconcile: an export a dead purge left holding a tombstoned record is rebuilt. The publication
 * function on the same world: a researcher plans a paper on the export's first version (its erased record and
 * the one the dead purge took counted as deleted since), only the PI marks it done. Purge holds on the same world:
 * only the PI, through its own alias, dismisses (purge function) or releases (refresh worker) one.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { functionEnvOf, JOB_ENV } from '../../../lib/config/deployed';
import { ManualClock } from '../../../lib/domain/clock';
import { hmacHasher } from '../../../lib/domain/hashing';
import { partHolding } from '../../../lib/domain/exports';
import { exportStoreOf, staleCopies, verifyExports } from '../../../lib/jobs/export';
import type { JobContext } from '../../../lib/jobs/context';
import { wireJobContext } from '../../../lib/wiring/job-context';
import { collectExportWorld } from '../../support/export-world';
import { TEST_SECRET } from '../../support/job-context';
import { testDynamoClients, testS3Client } from '../../support/local-aws';
import { videoKey } from '../../support/compliance-world';
import { purgeRecords } from '../../../lib/jobs/purge';
import { startRun } from '../../../lib/jobs/runs';
import { deployedFixture, lambdaContext, memberContext, schedulerEvent, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;
const EXPORT_FUNCTION = 'steward-test-export';

describe('export function', () => {
  let fx: DeployedFixture;
  let ctx: JobContext;
  let exportHandler: Handler;
  let erase: Handler;
  let purge: Handler;
  let publication: Handler;
  const lambda = mockClient(LambdaClient);
  const invoked: string[] = [];

  beforeAll(async () => {
    fx = await deployedFixture('export', {
      env: { [functionEnvOf('export')]: EXPORT_FUNCTION, [JOB_ENV.s3Versioning]: 'auto' },
      change: (doc) => {
        doc.members = [
          { name: 'ada', role: 'pi' },
          { name: 'grace', role: 'researcher' },
        ];
        doc.specs.push({ name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', schedule: 'rate(1 day)' });
      },
    });
    exportHandler = (require('../../../lambdas/export') as { handler: Handler }).handler;
    erase = (require('../../../lambdas/erase') as { handler: Handler }).handler;
    purge = (require('../../../lambdas/purge') as { handler: Handler }).handler;
    publication = (require('../../../lambdas/publication') as { handler: Handler }).handler;
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
      expect(input.FunctionName).toBe(EXPORT_FUNCTION);
      const payload = JSON.parse(Buffer.from(input.Payload).toString('utf8'));
      invoked.push(payload.action);
      const result = await exportHandler(payload, lambdaContext(EXPORT_FUNCTION));
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
    });
    // Records written through the same adapters the functions use.
    const { client } = testDynamoClients();
    ctx = wireJobContext({
      config: fx.config,
      clock: new ManualClock(new Date().toISOString()),
      s3: testS3Client(),
      dynamo: client,
      bucket: fx.bucket,
      ledgerTable: fx.tables.ledger,
      auditTable: fx.tables.audit,
      hasher: hmacHasher(TEST_SECRET),
      versioning: 'auto',
      onUnversionedFallback: () => {},
      collectorVersion: 'test',
    }).ctx;
    await collectExportWorld(ctx, 6);
  });
  afterAll(async () => {
    lambda.restore();
    await fx?.close();
  });

  it('refuses a malformed event, naming the field', async () => {
    await expect(exportHandler({ action: 'create' }, lambdaContext(EXPORT_FUNCTION))).rejects.toThrow(/spec/);
    await expect(exportHandler({ action: 'pull', name: 'climate-videos', member: 'grace', to: '/tmp' }, memberContext(EXPORT_FUNCTION, 'grace'))).rejects.toThrow(/to/);
  });

  it('acts only as the member whose alias was invoked: a missing or disagreeing identity is refused, nothing written', async () => {
    const store = exportStoreOf(ctx);
    const copies = async () => { const ids: string[] = []; for await (const id of store.copyIds()) ids.push(id); return ids; };
    const before = { copies: await copies(), versions: await store.latestVersions() };
    const refused = (message: RegExp) => expect.objectContaining({ name: 'BadInputError', message: expect.stringMatching(message) });

    // Unqualified: nobody vouches for the name in the event.
    await expect(exportHandler({ action: 'pull', name: 'climate-videos', member: 'grace' }, lambdaContext(EXPORT_FUNCTION))).rejects.toEqual(refused(/^member: export is a lab member's action .* unqualified function, which names no member/));
    await expect(exportHandler({ action: 'create', spec: 'climate-videos', member: 'grace' }, lambdaContext(EXPORT_FUNCTION))).rejects.toEqual(refused(/^member: the event names "grace" but the request came through no member alias/));
    // Ada's alias, grace's name.
    await expect(exportHandler({ action: 'pull', name: 'climate-videos', member: 'grace' }, memberContext(EXPORT_FUNCTION, 'ada'))).rejects.toEqual(refused(/^member: the event names "grace" but the request came through the alias member-ada \(member ada\)/));
    await expect(exportHandler({ action: 'release', name: 'climate-videos', copy: 'c20260101-00000000' }, lambdaContext(`${EXPORT_FUNCTION}:7`))).rejects.toEqual(refused(/the qualifier "7", which names no member/));
    // An alias of nobody in the config; a member may not ask for a rebuild.
    await expect(exportHandler({ action: 'pull', name: 'climate-videos' }, memberContext(EXPORT_FUNCTION, 'mallory'))).rejects.toEqual(refused(/alias member-mallory: "mallory" is not a member/));
    await expect(exportHandler({ action: 'rebuild', keys: [videoKey(1)], purgeRunId: 'purge-x' }, memberContext(EXPORT_FUNCTION, 'grace'))).rejects.toEqual(refused(/rebuild is taken by Steward's own jobs/));

    expect({ copies: await copies(), versions: await store.latestVersions() }).toEqual(before);
  });

  it('creates, lists and pulls for a member; an erasure hands the rebuild to the export function', async () => {
    // Act
    const created = await exportHandler({ action: 'create', spec: 'climate-videos' }, memberContext(EXPORT_FUNCTION, 'grace'));
    const listed = await exportHandler({ action: 'list' }, memberContext(EXPORT_FUNCTION, 'grace'));
    const pulled = await exportHandler({ action: 'pull', name: 'climate-videos', member: 'grace' }, memberContext(EXPORT_FUNCTION, 'grace'));
    const erased = await erase({ video: videoKey(2).split(':')[2] }, memberContext('steward-test-erase', 'ada'));

    // Assess
    expect(created).toMatchObject({ label: 'climate-videos@v1', rows: 6 });
    expect(await exportStoreOf(ctx).getManifest('climate-videos', 'parquet', 1)).toMatchObject({ createdBy: 'grace' });
    expect(listed.map((l: { current: { label: string } }) => l.current.label)).toEqual(['climate-videos@v1']);
    expect(pulled).toMatchObject({ copyId: expect.stringMatching(/^c\d{8}-[0-9a-f]{8}$/), manifest: { version: 1, parts: [{ key: expect.stringMatching(/^exports\/data\/kind=video\//) }] } });
    expect(erased).toMatchObject({ purged: 3 });
    expect(invoked).toEqual(['rebuild']);
    const store = exportStoreOf(ctx);
    const current = await store.getManifest('climate-videos', 'parquet', 2);
    expect(current).toMatchObject({ reason: 'rebuild', rowCount: 5 });
    expect(partHolding(current!, videoKey(2))).toBeUndefined();
    expect(await store.getPart(pulled.manifest.parts[0].key)).toBeUndefined();
    expect((await staleCopies(ctx, store)).map((s) => [s.copy.copyId, s.copy.member, s.purgedSince])).toEqual([[pulled.copyId, 'grace', 1]]);
  });

  it('only the holder releases a copy', async () => {
    const copyId = (await staleCopies(ctx, exportStoreOf(ctx)))[0]!.copy.copyId;
    await expect(exportHandler({ action: 'release', name: 'climate-videos', copy: copyId }, memberContext(EXPORT_FUNCTION, 'ada'))).rejects.toThrow(/pulled by grace, not ada/);
    await expect(exportHandler({ action: 'release', name: 'climate-videos', copy: copyId }, memberContext(EXPORT_FUNCTION, 'grace'))).resolves.toMatchObject({ alreadyReleased: false });
    expect(await staleCopies(ctx, exportStoreOf(ctx))).toEqual([]);
  });

  it('the hourly purge function has the export function reconcile: an export a dead purge left holding a record is rebuilt', async () => {
    // A purge that died after its tombstone, before its rebuild (its rebuilder fails): the export still holds the video.
    const dying = { ...ctx, exportRebuilder: async () => Promise.reject(new Error('killed')) };
    const chain = await startRun(dying, 'purge', 'purge-dead-1', ctx.clock.now().toISOString());
    await expect(purgeRecords(dying, [{ key: videoKey(3), reason: 'unavailable', evidence: { rule: 'test' } }], chain, { runId: 'purge-dead-1' })).rejects.toThrow('killed');
    expect((await verifyExports(ctx, exportStoreOf(ctx))).violations.map((v) => v.kind)).toEqual(['export-holds-purged']);
    invoked.length = 0;

    // Act: the scheduled purge, as EventBridge Scheduler invokes it.
    const report = await purge(schedulerEvent('purge'), lambdaContext('steward-test-purge'));

    // Assess: the purge function asked the export function (it may not read records itself), which rebuilt it.
    expect(invoked).toEqual(['reconcile']);
    expect(report).toMatchObject({ exportsRepaired: 1, exportFilesLeftDeleted: 0 });
    expect((await verifyExports(ctx, exportStoreOf(ctx))).violations).toEqual([]);
    const current = await exportStoreOf(ctx).getManifest('climate-videos', 'parquet', 3);
    expect(current).toMatchObject({ reason: 'rebuild' });
    expect(partHolding(current!, videoKey(3))).toBeUndefined();
    // A member may not ask for it.
    await expect(exportHandler({ action: 'reconcile', purgeRunId: 'x' }, memberContext(EXPORT_FUNCTION, 'grace'))).rejects.toThrow(/reconciliation is taken by Steward's own jobs/);
  });

  describe('publication function', () => {
    const as = (member?: string) => (member ? memberContext('steward-test-publication', member) : lambdaContext('steward-test-publication'));
    const id = 'pub-20991201-who-vanishes';

    it('refuses a malformed event, no alias, an alias of no member or a name the alias contradicts, writing nothing', async () => {
      await expect(publication({ action: 'add', title: 'T', plannedDate: '2099-02-30' }, as('grace'))).rejects.toThrow(/plannedDate/);
      await expect(publication({ action: 'add', title: 'T', plannedDate: '2099-12-01', member: 'grace' }, as())).rejects.toThrow(/the unqualified function, which names no member/);
      await expect(publication({ action: 'add', title: 'T', plannedDate: '2099-12-01' }, as('mallory'))).rejects.toThrow(/"mallory" is not a member/);
      await expect(publication({ action: 'add', title: 'T', plannedDate: '2099-12-01', member: 'ada' }, as('grace'))).rejects.toThrow(/member: the event names "ada" but the request came through the alias member-grace/);
      await expect(publication({ action: 'list' }, as('grace'))).resolves.toEqual({ publications: [] });
    });

    it('a researcher plans a paper on an export version; its erased record counts as deleted since; only the PI marks it done', async () => {
      // Act
      const added = await publication({ action: 'add', title: 'Who vanishes', plannedDate: '2099-12-01', export: 'climate-videos@v1' }, as('grace'));
      await expect(publication({ action: 'done', id }, as('grace'))).rejects.toThrow(/grace is a researcher: only the pi may mark a publication done/);
      const done = await publication({ action: 'done', id }, as('ada'));

      // Assess
      expect(added).toMatchObject({
        publication: { id, createdBy: 'grace', noticeDays: 30, noticeDueAt: '2099-11-01T00:00:00.000Z', noticePolicy: { id: 'tiktok-research', version: 1 }, dataset: { export: 'climate-videos', version: 1, rows: 6 } },
        records: { used: 6, deletedSince: 2, byReason: { erasure: 1, unavailable: 1 } },
        noticeOverdue: false,
      });
      expect(added.publication.dataset).not.toHaveProperty('recordHashes');
      expect(done).toMatchObject({ publication: { id, status: 'done', doneBy: 'ada' } });
      expect((await publication({ action: 'show', id }, as('grace'))).publication.status).toBe('done');
      expect((await publication({ action: 'list' }, as('grace'))).publications.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([[id, 'done']]);
      // audited in the acting member's name, content-free (no title): the report's "who did what" counts them
      const range = { since: new Date(Date.now() - 3_600_000).toISOString(), until: new Date(Date.now() + 60_000).toISOString() };
      const audited = [...(await ctx.audit.byAction('publication.added', range)).events, ...(await ctx.audit.byAction('publication.done', range)).events];
      expect(audited.map((e) => [e.action, e.actor.name, e.evidence?.export])).toEqual([
        ['publication.added', 'grace', 'climate-videos@v1'],
        ['publication.done', 'ada', 'climate-videos@v1'],
      ]);
      expect(JSON.stringify(audited)).not.toMatch(/vanishes/i);
    });
  });

  describe('purge hold decisions', () => {
    const PURGE = 'steward-test-purge';
    const REFRESH = 'steward-test-refresh-shard';
    const auditCount = async () => (await testDynamoClients().client.send(new ScanCommand({ TableName: fx.tables.audit, Select: 'COUNT' }))).Count;
    const refused = (message: RegExp) => expect.objectContaining({ name: 'BadInputError', message: expect.stringMatching(message) });

    it('only the PI, through its own alias, dismisses (purge function) or releases (refresh worker) a hold; anything else is refused, nothing written', async () => {
      // Arrange: an open hold holding no record (the decision is what is tested, not the fuse)
      const refreshShard = (require('../../../lambdas/refresh-shard') as { handler: Handler }).handler;
      const { hold } = await ctx.ledger.holds.openHold('research', new Date(Date.now() - 60_000), 'rate', { rule: 'rate', confirmed24h: 9 });
      const before = { hold: await ctx.ledger.holds.getHold(hold.id), audit: await auditCount() };

      // Act + Assess: refused before anything is written
      await expect(purge({ holds: { action: 'dismiss', hold: hold.id, by: 'ada' } }, lambdaContext(PURGE))).rejects.toEqual(refused(/^holds\.by: purge\.dismiss is a lab member's action .* unqualified function/));
      await expect(refreshShard({ holdRelease: hold.id, by: 'ada' }, lambdaContext(REFRESH))).rejects.toEqual(refused(/^by: purge\.release is a lab member's action .* unqualified function/));
      await expect(refreshShard({ holdRelease: hold.id, by: 'ada' }, memberContext(REFRESH, 'grace'))).rejects.toEqual(refused(/^by: the event names "ada" but the request came through the alias member-grace/));
      await expect(purge({ holds: { action: 'dismiss', hold: hold.id } }, memberContext(PURGE, 'grace'))).rejects.toEqual(refused(/grace is a researcher: only the pi may purge dismiss/));
      await expect(refreshShard({ holdRelease: hold.id }, memberContext(REFRESH, 'grace'))).rejects.toEqual(refused(/grace is a researcher: only the pi may purge release/));
      await expect(purge({ orphanObjectKeys: ['records/x'] }, memberContext(PURGE, 'ada'))).rejects.toEqual(refused(/orphan deletion is taken by Steward's own jobs/));
      expect({ hold: await ctx.ledger.holds.getHold(hold.id), audit: await auditCount() }).toEqual(before);

      // The PI's alias: listed, dismissed as ada (the name in the event agrees); a second hold released as ada
      expect((await purge({ holds: { action: 'list' } }, memberContext(PURGE, 'ada'))).holds.map((h: { id: string }) => h.id)).toContain(hold.id);
      await expect(purge({ holds: { action: 'dismiss', hold: hold.id, by: 'ada' } }, memberContext(PURGE, 'ada'))).resolves.toMatchObject({ hold: hold.id, decision: 'dismiss', status: 'dismissed' });
      expect(await ctx.ledger.holds.getHold(hold.id)).toMatchObject({ status: 'dismissed', closedBy: 'ada' });
      // (a hold id carries the second it opened: the second one opens at another)
      const { hold: second } = await ctx.ledger.holds.openHold('research', new Date(), 'rate', { rule: 'rate', confirmed24h: 9 });
      await expect(refreshShard({ holdRelease: second.id }, memberContext(REFRESH, 'ada'))).resolves.toMatchObject({ hold: second.id, decision: 'release', status: 'released' });
      expect(await ctx.ledger.holds.getHold(second.id)).toMatchObject({ status: 'released', closedBy: 'ada' });
    });
  });
});
