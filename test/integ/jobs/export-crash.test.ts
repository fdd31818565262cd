/**
 * Deletion reaches exports even when the purge dies: an erasure (a video and its two comments, held by a video and a
 * comment export) runs in a child process (test/support/crash-child.ts, the real adapters on the local services)
 * that is killed with SIGKILL at a chosen moment between its tombstones and the end of its export rebuild: after the
 * first tombstone, after the last (no rebuild begun), after the rebuild's first new part, after its first manifest.
 * Then the hourly purge runs (in this process) and `verify` must answer OK: no export holding a purged record, no
 * leftover file, no run left open. Before the repair, verify must see the damage (the kill landed in the window).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { recordKeyOf } from '../../../lib/domain/records';
import type { JobContext } from '../../../lib/jobs/context';
import { createExport, exportStoreOf } from '../../../lib/jobs/export';
import { purge } from '../../../lib/jobs/purge';
import { verify } from '../../../lib/jobs/verify';
import type { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import type { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import type { CrashTask, KillPoint } from '../../support/crash-child';
import { videoKey } from '../../support/compliance-world';
import { collectExportWorld, exportConfig } from '../../support/export-world';
import { localJobContext, TEST_SECRET, type LocalJobFixture } from '../../support/job-context';

const CHILD = resolve(__dirname, '../../support/crash-child.ts');

/**
 * A child process, started ahead (loading its modules is most of its cost) and waiting for its task; `run` sends the
 * task and resolves with how the child ended (SIGKILL when its kill point was reached).
 */
function startChild(): { run(task: CrashTask): Promise<{ signal: NodeJS.Signals | null; stderr: string }>; kill(): void } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  proc.stdout.resume();
  const exited = new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((done) => proc.on('exit', (_code, signal) => done({ signal, stderr })));
  return {
    run(task) {
      proc.stdin.write(`${JSON.stringify(task)}\ngo\n`);
      return exited;
    },
    kill: () => proc.kill('SIGKILL'),
  };
}

// Each erasure tombstones 3 records (2 comments, then the video) and rebuilds 2 exports (comments, videos).
const MOMENTS: ReadonlyArray<{ on: KillPoint; after: number; label: string }> = [
  { on: 'tombstone', after: 1, label: 'after the first tombstone (the rest still pending)' },
  { on: 'tombstone', after: 3, label: 'after the last tombstone, before any rebuild' },
  { on: 'export-part', after: 1, label: 'after the rebuild wrote its first new part' },
  { on: 'export-manifest', after: 1, label: 'after the first rebuilt manifest, before its old parts were deleted' },
];

describe('a purge killed between its tombstones and its export rebuild: the hourly purge repairs the exports', () => {
  let fx: LocalJobFixture;
  let ctx: JobContext;
  // Every child starts now and loads its modules while the world is built.
  const children = MOMENTS.map(() => startChild());
  beforeAll(async () => {
    fx = await localJobContext({ config: exportConfig(), unsigned: true });
    // One process at a time here: a run left open is a dead one.
    ctx = { ...fx.ctx, abandonedRunAfterMs: 0 };
    await collectExportWorld(ctx, MOMENTS.length + 1);
    const store = exportStoreOf(ctx);
    await createExport(ctx, store, { spec: 'climate-videos' });
    await createExport(ctx, store, { spec: 'climate-comments', format: 'jsonl' });
  });
  afterAll(() => {
    for (const child of children) child.kill();
    fx?.destroy();
  });

  it.each(MOMENTS.map((m, i) => [m.label, m, i + 1] as const))('killed %s', async (_label, moment, n) => {
    const task: CrashTask = {
      config: ctx.config,
      tables: { ledger: (ctx.ledger as DynamoDbLedger).tableName, audit: (ctx.audit as DynamoDbAuditLog).tableName },
      bucket: fx.bucket,
      secret: TEST_SECRET,
      emulatorUrl: 'http://127.0.0.1:9', // erase asks the platform nothing
      client: { clientKey: 'unused', clientSecret: 'unused' },
      now: ctx.clock.now().toISOString(),
      run: { job: 'erase', target: { video: videoKey(n).split(':')[2]! } },
      killAt: { on: moment.on, after: moment.after },
    };

    // Act: the erasure dies at the moment; then the hourly purge.
    const child = await children[n - 1]!.run(task);
    expect({ signal: child.signal, stderr: child.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    const damaged = await verify(ctx);
    const repair = await purge(ctx);
    const after = await verify(ctx);

    // Assess: the kill left an export holding a purged record (or a file no version lists); the purge repaired it.
    expect(damaged.violations.map((v) => v.kind)).toEqual(expect.arrayContaining([expect.stringMatching(/^export-(holds-purged|file-left)$/)]));
    expect((repair.exportsRepaired ?? 0) + (repair.exportFilesLeftDeleted ?? 0)).toBeGreaterThan(0);
    expect(after.violations).toEqual([]);
    expect(await ctx.ledger.openRuns()).toEqual([]);
    const video = { platform: 'tiktok' as const, kind: 'video' as const, id: videoKey(n).split(':')[2]! };
    expect((await ctx.ledger.getRecords([video])).get(recordKeyOf(video))?.status).toBe('tombstoned');
  });

  it('clean exports cost the hourly purge reads only: nothing rebuilt, nothing deleted', async () => {
    const versions = await exportStoreOf(ctx).latestVersions();
    expect(await purge(ctx)).toMatchObject({ exportsRepaired: 0, exportFilesLeftDeleted: 0 });
    expect(await exportStoreOf(ctx).latestVersions()).toEqual(versions);
  });
});
