/**
 * `steward query --local` through the CLI, in-process, on the emulator: collect videos, export them (Parquet), then
 * query: results (table with a row limit, JSON, CSV file), the audit event (digest, views, rows; never the SQL),
 * bad SQL, writes and file reads refused with exit 2 and nothing written, the statement timeout, and a purge
 * (an erasure) taking the record out of every view but `purges`. Parts are staged into a temp dir first, then read
 * in place from s3rver's files (the CLI's own way). The audit holds the evidence (`run.started` with the digest)
 * before the answer and how it ended after it; a close that fails after the answer is printed leaves a run that
 * the next one closes as `run.interrupted`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig } from '../../../lib/config/load';
import { answerQuery } from '../../../lib/jobs/query';
import { QuerySession } from '../../../lib/jobs/query/engine';
import { openLocalRuntime } from '../../../lib/local/runtime';
import { DynamoDbChainWriter } from '../../../lib/store/dynamodb-audit-writer';
import { localCli } from '../../support/cli';
import { climateVideosSpec, sampleConfig, writeSampleConfig } from '../../support/sample-config';

let inPlace = false;
jest.mock('../../../lib/local/services', () => {
  const shared = require('../../support/mock-modules').sharedLocalServicesModule() as typeof import('../../../lib/local/services');
  return {
    ...shared,
    startLocalServices: async (options: Parameters<typeof shared.startLocalServices>[0]) => {
      const services = await shared.startLocalServices(options);
      return inPlace ? { ...services, s3: { directory: process.env.STEWARD_TEST_S3_DIR } } : services;
    },
  };
});
jest.mock('../../../lib/emulator', () =>
  require('../../support/mock-modules').canaryEmulatorModule('CANARY-q1', { users: 40, videosPerDay: 10, historyDays: 30, futureDays: 10, maxCommentsPerVideo: 2, adsPerYear: 10, advertisers: 5 }),
);

const T0 = '2026-03-01T10:00:00Z';
const T1 = '2026-03-01T11:00:00Z';
const T2 = '2026-03-01T12:00:00Z';
const { workDir, configFile } = writeSampleConfig(
  'steward-query-cli-',
  sampleConfig(
    { id: `query-cli-${process.pid}`, title: 'Query CLI test' },
    {
      members: [
        { name: 'ada', role: 'pi' },
        { name: 'grace', role: 'researcher' },
      ],
      specs: [climateVideosSpec()],
    },
  ),
);
const stateDir = join(workDir, 'state');
const steward = localCli({ config: configFile, stateDir, as: 'grace' });
const stagingDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('steward-query-stage-'));

async function queryEvents(): Promise<Array<Record<string, unknown>>> {
  const run = await steward(['audit', '--action', 'query.run', '--since', '2026-03-01', '--until', '2026-03-02', '--limit', '1000'], { now: T1, json: true });
  expect(run.code).toBe(0);
  return (JSON.parse(run.out) as { events: Array<Record<string, unknown>> }).events;
}

let exported = 0;
beforeAll(async () => {
  expect((await steward(['collect'], { now: T0, as: 'ada' })).code).toBe(0);
  const created = await steward(['export', 'create', '--spec', 'climate-videos'], { now: T1, json: true });
  expect(created.code).toBe(0);
  exported = (JSON.parse(created.out) as { rows: number }).rows;
  expect(exported).toBeGreaterThan(3);
});

describe('steward query --local', () => {
  it('answers a GROUP BY (table with a row limit, JSON, CSV file) and audits each run without the SQL', async () => {
    const sql = "SELECT username, count(*) AS videos, sum(view_count) AS views FROM videos WHERE region_code <> 'CANARY-literal' GROUP BY 1 ORDER BY 2 DESC, 1";
    const before = (await queryEvents()).length;

    const table = await steward(['query', sql, '--limit', '2'], { now: T1 });
    const json = await steward(['query', sql], { now: T1, json: true });
    const out = join(workDir, 'authors.csv');
    const file = await steward(['query', sql, '--out', out], { now: T1 });

    expect([table.code, json.code, file.code]).toEqual([0, 0, 0]);
    const answer = JSON.parse(json.out) as { rows: Array<{ username: string; videos: number }>; rowCount: number; views: string[]; exports: string[]; sqlDigest: string };
    expect(answer).toMatchObject({ views: ['videos'], exports: ['climate-videos@v1'], sqlDigest: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(answer.rows.reduce((n, r) => n + r.videos, 0)).toBe(exported);
    expect(table.out).toMatch(/^username\s+videos\s+views\n/);
    expect(table.out).toContain(`… ${answer.rowCount - 2} more row(s) not shown (--limit 2)`);
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(answer.rowCount + 1);
    const events = await queryEvents();
    expect(events).toHaveLength(before + 3);
    expect(events.filter((e) => (e.evidence as { sqlDigest: string }).sqlDigest === answer.sqlDigest)).toEqual(
      Array(3).fill(expect.objectContaining({ actor: { type: 'researcher', name: 'grace' }, evidence: { sqlDigest: answer.sqlDigest, views: 'videos', engine: 'duckdb', outcome: 'ok' }, counts: { rows: answer.rowCount } })),
    );
    expect(JSON.stringify(events)).not.toContain('CANARY-literal');
    expect(stagingDirs()).toEqual([]);
  });

  it('refuses bad SQL, writes and file reads with exit 2 and the engine\'s message, writing nothing', async () => {
    const secret = join(stateDir, 'local-state.json');
    expect(existsSync(secret)).toBe(true);
    const before = (await queryEvents()).length;
    const cases: Array<[string[], RegExp]> = [
      [['query', 'SELEC 1'], /SQL: syntax error at or near "SELEC"/],
      [['query', 'SELECT nope FROM videos'], /SQL: .*nope/],
      [['query', 'SELECT * FROM video'], /SQL: .*video/],
      [['query', `COPY (SELECT * FROM videos) TO '${join(workDir, 'leak.csv')}'`], /only read-only queries/],
      [['query', 'SELECT 1; DROP VIEW videos'], /one statement at a time/],
      [['query', "ATTACH 'x.db'"], /only read-only queries/],
      [['query', `SELECT * FROM read_text('${secret}')`], /read_text\(\) reads files/],
      [['query', `SELECT * FROM videos, '${secret}'`], /SQL: .*(Permission|does not exist)/],
      [['query', '--describe', 'video'], /--describe: "video" is not a view; views: videos, comments, users, ads, records, purges/],
      [['query'], /SQL: give one SELECT/],
      [['query', 'SELECT 1', '--limit', '0'], /--limit: at least 1 row/],
    ];
    for (const [args, message] of cases) {
      const run = await steward(args, { now: T1 });
      expect([args, run.code, run.err]).toEqual([args, 2, expect.stringMatching(message)]);
    }
    expect((await steward(['query', 'SELECT 1'], { now: T1, as: null })).code).toBe(2);
    expect(existsSync(join(workDir, 'leak.csv'))).toBe(false);
    expect((await queryEvents()).length).toBe(before);
  });

  it('keeps DuckDB from every file but the views\' even when the guard is bypassed, and locks its configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'query-engine-'));
    const secret = join(stateDir, 'local-state.json');
    writeFileSync(join(dir, 'other.csv'), 'a\n1\n');
    const session = await QuerySession.open();
    try {
      await session.defineViews([], [], []);
      for (const sql of [
        `SELECT * FROM read_text('${secret}')`,
        `SELECT * FROM read_csv('${secret}')`,
        `SELECT * FROM read_json('${secret}')`,
        `SELECT * FROM read_parquet('${secret}')`,
        `SELECT * FROM glob('${stateDir}/*')`,
        `SELECT * FROM read_csv('${join(dir, 'other.csv')}')`,
      ]) {
        await expect(session.prepare(sql).then((p) => session.run(p, 10_000))).rejects.toThrow(/disabled by configuration|Permission/);
      }
      await expect(session.prepare('SET enable_external_access = true')).rejects.toThrow(/only read-only|locked/);
    } finally {
      session.close();
    }
  });

  it('stops a query at --timeout (audited as timed out)', async () => {
    const run = await steward(['query', 'SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3', '--timeout', '0.05'], { now: T1 });
    expect([run.code, run.err]).toEqual([2, expect.stringMatching(/--timeout: the query ran longer than 0.05 s/)]);
    expect((await queryEvents()).filter((e) => (e.evidence as { outcome: string }).outcome === 'timed-out')).toEqual([expect.objectContaining({ counts: { rows: 0 } })]);
  });

  it('reads s3rver\'s files in place, and a purged record is in no view but purges', async () => {
    inPlace = true;
    const first = JSON.parse((await steward(['query', 'SELECT id FROM videos ORDER BY id LIMIT 1'], { now: T1, json: true })).out) as { rows: Array<{ id: string }> };
    const id = first.rows[0]!.id;
    expect(id).toMatch(/^\d{19}$/);
    expect((await steward(['erase', '--video', id], { now: T1 })).code).toBe(0);

    const after = await steward(['query', `SELECT (SELECT count(*) FROM videos WHERE id = ${id}) AS videos, (SELECT count(*) FROM records WHERE record_key = 'tiktok:video:${id}') AS records, (SELECT count(*) FROM videos) AS left, (SELECT count(*) FROM purges WHERE kind = 'video' AND reason = 'erasure') AS purges`], { now: T2, json: true });

    expect(after.code).toBe(0);
    expect(JSON.parse(after.out)).toMatchObject({ rows: [{ videos: 0, records: 0, left: exported - 1, purges: 1 }], views: ['videos', 'records', 'purges'] });
    expect(stagingDirs()).toEqual([]);
  });

  it('stores the evidence before the answer and the close after it; a run left open after its answer is closed by the next as interrupted', async () => {
    const sql = 'SELECT count(*) AS n FROM videos';
    const runtime = await openLocalRuntime({ config: await loadProjectConfig(configFile), stateDir, platform: 'emulator', now: new Date(T1), actor: { type: 'researcher', name: 'grace' } });
    const chainOf = async (runId: string) => (await runtime.ctx.audit.byChain(runId)).events.map((e) => ({ action: e.action, evidence: e.evidence, counts: e.counts }));
    try {
      const { answer, close } = await answerQuery(runtime.ctx, { sql });
      const evidence = { sqlDigest: answer.sqlDigest, views: 'videos', engine: 'duckdb' };
      expect(await chainOf(answer.runId)).toEqual([{ action: 'run.started', evidence, counts: undefined }]);
      expect(await runtime.ctx.ledger.getRun(answer.runId)).toMatchObject({ status: 'running' });
      await close();
      expect(await chainOf(answer.runId)).toEqual([
        { action: 'run.started', evidence, counts: undefined },
        { action: 'query.run', evidence: { ...evidence, outcome: 'ok' }, counts: { rows: 1 } },
        { action: 'run.finished', evidence: undefined, counts: { rows: 1 } },
      ]);
      expect(await runtime.ctx.ledger.getRun(answer.runId)).toMatchObject({ status: 'finished', counts: { rows: 1 } });
    } finally {
      await runtime.close();
    }

    // The CLI prints the answer, then the close fails (the writer stops before its close reaches the table).
    const append = jest.spyOn(DynamoDbChainWriter.prototype, 'append').mockRejectedValueOnce(new Error('connection reset'));
    const cut = await steward(['query', sql], { now: T1, json: true });
    append.mockRestore();
    expect([cut.code, cut.err]).toEqual([1, expect.stringMatching(/the answer was given, but closing its audit run query-\S+ failed \(connection reset\); its evidence \(run.started\) is stored/)]);
    const printed = JSON.parse(cut.out) as { runId: string; rows: Array<{ n: number }> };
    expect(printed.rows).toEqual([{ n: expect.any(Number) }]);
    // The next run of any job closes it.
    expect((await steward(['query', sql], { now: T1 })).code).toBe(0);
    const reopened = await openLocalRuntime({ config: await loadProjectConfig(configFile), stateDir, platform: 'emulator', now: new Date(T1) });
    try {
      expect((await reopened.ctx.audit.byChain(printed.runId)).events.map((e) => e.action)).toEqual(['run.started', 'run.interrupted']);
      expect(await reopened.ctx.ledger.getRun(printed.runId)).toMatchObject({ status: 'interrupted' });
    } finally {
      await reopened.close();
    }
  });

  it('describes a view from the data dictionary', async () => {
    const run = await steward(['query', '--describe', 'comments']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('| text | VARCHAR | yes |');
  });
});
