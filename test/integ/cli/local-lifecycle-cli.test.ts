/**
 * The compliance commands through the CLI, in-process, with `--local` and `--now`, on one state dir whose emulator
 * plants a canary in every caption, comment, name and bio: collect; `purge --dry-run --json` counts a pending purge
 * and its cascade and changes nothing; `erase --video` takes the video and its comments only; `audit --json`
 * answers parseable events; refresh and report run 13 days later; `verify` exits 0 while ledger and storage agree
 * and 1, listing the violation, once an object is deleted behind the ledger's back. Nothing any command prints
 * holds the canary or a collected username.
 *
 * Every command opens the real local runtime (adapters, emulator, jobs), on the services of the jest global
 * setup rather than a DynamoDB Local JVM of its own (test/support/mock-modules.ts): a JVM start per command would
 * make this suite minutes long. State surviving between processes is tested in cli.test.ts.
 */
import { join } from 'node:path';
import { loadProjectConfig } from '../../../lib/config/load';
import { parseJson } from '../../../lib/domain/json';
import { objectKeyOf, parseRecordKey, recordKeyOf, type ActiveRecord, type RecordKey } from '../../../lib/domain/records';
import { openLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime';
import { runCli } from '../../../bin/cli/program';
import { captureIo, localCli, type CliRun } from '../../support/cli';
import { climateVideosSpec, sampleConfig, writeSampleConfig } from '../../support/sample-config';
import { statusesOf } from '../../support/compliance-world';
import { CANARY, storeSnapshot, usernameOfVideo } from '../jobs/compliance-support';

jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());
// A smaller world than the default (a few dozen videos in the window), every text carrying the canary.
jest.mock('../../../lib/emulator', () =>
  require('../../support/mock-modules').canaryEmulatorModule('CANARY-7f3a91', { users: 300, videosPerDay: 40, historyDays: 30, futureDays: 20, maxCommentsPerVideo: 4, adsPerYear: 50, advertisers: 10 }),
);

const T0 = '2026-03-01T10:00:00Z';
const T1 = '2026-03-01T11:00:00Z';
// Each command's clock starts at its --now and flows on: a later command gets a later --now.
const T2 = '2026-03-01T12:00:00Z';
const LATER = '2026-03-14T10:00:00Z';

const { workDir, configFile } = writeSampleConfig(
  'steward-lifecycle-cli-',
  sampleConfig(
    { id: `cli-lifecycle-${process.pid}`, title: 'CLI lifecycle test' },
    {
      specs: [
        climateVideosSpec(),
        { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 5, schedule: 'rate(1 day)' },
      ],
    },
  ),
);
const stateDir = join(workDir, 'state');
const steward = localCli({ config: configFile, stateDir });

/** Work on the command's state directly (to arrange, and to check what the commands did). */
async function onState<T>(now: string, fn: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  const runtime = await openLocalRuntime({ config: await loadProjectConfig(configFile), stateDir, platform: 'emulator', now: new Date(now) });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

async function activeRecordsOf(runtime: LocalRuntime): Promise<ActiveRecord[]> {
  const out: ActiveRecord[] = [];
  for (let shard = 0; shard < runtime.ctx.ledger.dueShards; shard++) out.push(...(await runtime.ctx.ledger.queryDue(shard, new Date('9999-01-01'), { limit: 1000 })).records);
  return out;
}

describe('the compliance lifecycle through the CLI (--local)', () => {
  const printed: Array<[string, CliRun]> = [];
  let usernames: string[] = [];
  /** Videos with comments: one to mark for purge, one to erase, one to keep. */
  let pending: RecordKey, erased: RecordKey, kept: RecordKey;
  let commentsOf: Map<RecordKey, RecordKey[]>;
  const saved = process.env.STEWARD_RESEARCHER;

  async function run(what: string, args: string[], options: { now: string; json?: boolean }): Promise<CliRun> {
    const result = await steward(args, options);
    printed.push([what, result]);
    return result;
  }

  beforeAll(() => {
    process.env.STEWARD_RESEARCHER = 'ada';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.STEWARD_RESEARCHER;
    else process.env.STEWARD_RESEARCHER = saved;
  });

  it('collects videos and their comments; the stored content carries the canary', async () => {
    const collected = await run('collect', ['collect'], { now: T0 });
    expect(collected.code).toBe(0);
    expect(collected.out).toMatch(/climate-videos/);

    await onState(T0, async ({ ctx }) => {
      const records = await activeRecordsOf({ ctx } as LocalRuntime);
      commentsOf = new Map();
      for (const r of records) if (r.ref.kind === 'comment' && r.parentKey) commentsOf.set(r.parentKey, [...(commentsOf.get(r.parentKey) ?? []), recordKeyOf(r.ref)]);
      const withComments = [...commentsOf.keys()].sort((a, b) => commentsOf.get(b)!.length - commentsOf.get(a)!.length);
      expect(withComments.length).toBeGreaterThanOrEqual(3);
      [pending, erased, kept] = withComments as [RecordKey, RecordKey, RecordKey];
      const videos = records.filter((r) => r.ref.kind === 'video');
      usernames = [...new Set((await Promise.all(videos.map((v) => usernameOfVideo(ctx.objects, v.objectKey)))).filter((u): u is string => Boolean(u)))];
      expect(usernames.length).toBeGreaterThan(3);
      expect((await ctx.objects.get(videos[0]!.objectKey))!.body.toString('utf8')).toContain(CANARY);
    });
  });

  it('purge --dry-run --json counts a pending purge with its comments, by reason, spec and kind, and changes nothing', async () => {
    // Prepare: a purge decided and left pending (an interrupted refresh)
    const before = await onState(T0, async ({ ctx }) => {
      await ctx.ledger.updateRecords([{ kind: 'purge-pending', key: pending, at: T0, reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 9 } }]);
      return storeSnapshot(ctx);
    });

    // Act
    const dry = await run('purge --dry-run', ['purge', '--dry-run'], { now: T1, json: true });

    // Assess
    expect(dry.code).toBe(0);
    const n = commentsOf.get(pending)!.length;
    expect(parseJson(dry.out)).toEqual({
      dryRun: true,
      pending: 1,
      purged: 1 + n,
      cascaded: n,
      versionsRemoved: 0,
      byReason: { unavailable: 1, cascade: n },
      byKind: { video: 1, comment: n },
      bySpec: { 'climate-videos': 1, 'climate-comments': n },
    });
    expect(await onState(T1, ({ ctx }) => storeSnapshot(ctx))).toEqual(before);
  });

  it('erase --video takes that video and its comments, and nothing of other videos', async () => {
    // Act
    const result = await run('erase --video', ['erase', '--video', parseRecordKey(erased).id], { now: T1, json: true });

    // Assess
    expect(result.code).toBe(0);
    const n = commentsOf.get(erased)!.length;
    expect(parseJson(result.out)).toMatchObject({ kind: 'video', wasStored: true, purged: 1 + n, cascaded: n, byKind: { video: 1, comment: n } });
    await onState(T1, async ({ ctx }) => {
      const gone = [erased, ...commentsOf.get(erased)!];
      const stays = [kept, ...commentsOf.get(kept)!];
      expect(Object.values(await statusesOf(ctx, gone))).toEqual(gone.map(() => 'tombstoned'));
      expect(Object.values(await statusesOf(ctx, stays))).toEqual(stays.map(() => 'active'));
      for (const key of gone) expect(await ctx.objects.countVersions(objectKeyOf(parseRecordKey(key)))).toBe(0);
      for (const key of stays) expect(await ctx.objects.countVersions(objectKeyOf(parseRecordKey(key)))).toBe(1);
    });
  });

  it('audit --json answers the events as JSON: one record’s history, one action in a range, one researcher', async () => {
    // Act
    const history = await run('audit --record --json', ['audit', '--record', erased], { now: T2, json: true });
    const purges = await run('audit --action --json', ['audit', '--action', 'record.purged', '--since', '2026-03-01'], { now: T2, json: true });
    const byAda = await run('audit --researcher --json', ['audit', '--researcher', 'ada', '--limit', '1000'], { now: T2, json: true });
    await run('audit --action (table)', ['audit', '--action', 'record.purged', '--since', '2026-03-01'], { now: T2 });

    // Assess
    for (const r of [history, purges, byAda]) expect(r.code).toBe(0);
    type Events = { query: { by: string; recordHash?: string }; events: Array<Record<string, any>> };
    const h = parseJson(history.out) as Events;
    expect(h.query).toMatchObject({ by: 'record', recordHash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(h.events.map((e) => e.action)).toEqual(['record.collected', 'erasure.requested', 'record.purged']);
    for (const e of h.events) {
      expect(e).toMatchObject({ kind: 'video', chainId: expect.any(String), seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // the collection is a page event naming the record among others; every later event names it alone
      expect(e.action === 'record.collected' ? e.recordHashes : [e.recordHash]).toContain(h.query.recordHash);
    }
    expect(h.events[1]).toMatchObject({ actor: { type: 'researcher', name: 'ada' } });
    expect(h.events[2]).toMatchObject({ reason: 'erasure', evidence: expect.objectContaining({ rule: 'erasure-request', versionsRemoved: 1 }) });
    expect(JSON.stringify(h.events)).not.toContain(parseRecordKey(erased).id);

    const p = parseJson(purges.out) as Events;
    expect(p.query.by).toBe('action');
    expect(p.events).toHaveLength(1 + commentsOf.get(erased)!.length);
    expect(p.events.every((e) => e.action === 'record.purged' && e.reason === 'erasure')).toBe(true);

    const a = parseJson(byAda.out) as Events;
    expect(a.events.map((e) => e.action)).toEqual(expect.arrayContaining(['record.collected', 'erasure.requested', 'record.purged', 'run.started', 'run.finished']));
    expect(a.events.every((e) => e.actor.name === 'ada')).toBe(true);
  });

  it('audit prints the next page as a command that runs as printed, on the same target and time range', async () => {
    const first = await run('audit --limit 2 (page 1)', ['audit', '--researcher', 'ada', '--limit', '2'], { now: T2 });
    const printed = /^more: npx steward (.*)$/m.exec(first.out);
    expect(printed).not.toBeNull();
    expect(printed![1]).toMatch(/^--local --emulator --config \S+ --state-dir \S+ audit --researcher ada --limit 2 --cursor \S+$/);
    const io = captureIo();
    // no --now: the command carries everything it needs
    expect(await runCli(printed![1]!.split(' '), io)).toBe(0);
    expect(io.out).toMatch(/everything researcher ada did: 2 event\(s\) on this page/);
    expect(io.out.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} /.test(l))).toHaveLength(2);
  });

  it('audit with a --cursor it did not issue is bad input: exit 2, saying to pass the cursor back unchanged', async () => {
    const forged = await run('audit --cursor (forged)', ['audit', '--researcher', 'ada', '--cursor', 'bm90LWEtY3Vyc29y'], { now: T2 });
    expect([forged.code, forged.err]).toEqual([2, expect.stringMatching(/invalid paging cursor.*pass back the cursor of the previous page unchanged/)]);
  });

  it('refresh and report run 13 days later', async () => {
    const refreshed = await run('refresh', ['refresh'], { now: LATER });
    expect(refreshed.code).toBe(0);
    expect(refreshed.out).toMatch(/refresh run/);
    const report = await run('report --format md', ['report', '--format', 'md'], { now: LATER });
    expect([0, 1]).toContain(report.code);
    expect(report.out).toMatch(/^#/m);
    // the pending purge was completed by the sweep
    expect(await onState(LATER, ({ ctx }) => statusesOf(ctx, [pending]))).toEqual({ [pending]: 'tombstoned' });
  });

  it('verify exits 0 while ledger and storage agree, and 1 listing the violation once an object is deleted behind the ledger', async () => {
    // Act
    const fine = await run('verify', ['verify'], { now: LATER });
    const full = await run('verify --content full', ['verify', '--content', 'full'], { now: LATER });
    const badContent = await run('verify --content some', ['verify', '--content', 'some'], { now: LATER });
    const hash = await onState(LATER, async ({ ctx }) => {
      await ctx.objects.deleteAllVersions(objectKeyOf(parseRecordKey(kept)));
      return ctx.hasher.hash(kept);
    });
    const broken = await run('verify (broken)', ['verify'], { now: LATER });
    const brokenJson = await run('verify --json (broken)', ['verify'], { now: LATER, json: true });

    // Assess
    expect({ code: fine.code, out: fine.out }).toEqual({ code: 0, out: expect.stringContaining('OK: the audit log is intact') });
    expect(fine.out).toMatch(/content: hashed a random sample of \d+ of \d+ active record/);
    expect({ code: full.code, out: full.out }).toEqual({ code: 0, out: expect.stringMatching(/content: hashed all \d+ stored object\(s\) of \d+ active record\(s\) against the ledger \(full pass\)/) });
    expect({ code: badContent.code, err: badContent.err }).toEqual({ code: 2, err: expect.stringContaining('--content: use "full"') });
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/1 violation\(s\):/);
    expect(broken.out).toContain(`[record-without-object] video ${hash}: active in the ledger but its object is missing`);
    expect(brokenJson.code).toBe(1);
    expect(parseJson(brokenJson.out)).toMatchObject({ ok: false, violations: [{ kind: 'record-without-object', recordHash: hash }] });
  });

  it('no command printed the canary or a collected username', () => {
    expect(printed.map(([what]) => what)).toEqual(expect.arrayContaining(['collect', 'refresh', 'report --format md', 'verify', 'audit --action (table)']));
    for (const [what, { out, err }] of printed) {
      const text = `${out}\n${err}`;
      expect({ what, canary: text.includes(CANARY) }).toEqual({ what, canary: false });
      expect({ what, leaked: usernames.filter((u) => text.includes(u)) }).toEqual({ what, leaked: [] });
    }
  });
});
