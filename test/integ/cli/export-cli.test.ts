/**
 * `steward export` through the CLI, in-process, with `--local` on the emulator: collect videos, comments and
 * authors; export them (authors carry the username they were collected under, so videos join to them); pull a
 * copy (files, manifest, copy id); bad input (an unknown field or format, a non-empty `--to`, a release by someone
 * who never pulled the copy) exits 2 naming the option and records nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localCli } from '../../support/cli';
import { climateVideosSpec, sampleConfig, writeSampleConfig } from '../../support/sample-config';
import { duckRows } from '../../support/export-world';

jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());
jest.mock('../../../lib/emulator', () =>
  require('../../support/mock-modules').canaryEmulatorModule('CANARY-e1', { users: 60, videosPerDay: 12, historyDays: 30, futureDays: 10, maxCommentsPerVideo: 3, adsPerYear: 10, advertisers: 5 }),
);

const T0 = '2026-03-01T10:00:00Z';
const T1 = '2026-03-01T11:00:00Z';
const { workDir, configFile } = writeSampleConfig(
  'steward-export-cli-',
  sampleConfig(
    { id: `export-cli-${process.pid}`, title: 'Export CLI test' },
    {
      members: [
        { name: 'ada', role: 'pi' },
        { name: 'grace', role: 'researcher' },
      ],
      specs: [climateVideosSpec(), { name: 'climate-authors', source: 'research', kind: 'user', parentSpec: 'climate-videos', schedule: 'rate(1 day)' }],
    },
  ),
);
const stateDir = join(workDir, 'state');
const steward = localCli({ config: configFile, stateDir });

beforeAll(async () => {
  const collected = await steward(['collect'], { now: T0 });
  expect(collected.code).toBe(0);
});

describe('steward export', () => {
  it('bad input exits 2 naming the option, and writes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['export', 'create', '--spec', 'climate-videos', '--fields', 'id,nope'], /--fields: "nope" is not a field of a video/],
      [['export', 'create', '--spec', 'climate-videos', '--format', 'xlsx'], /--format: must be one of parquet, csv, jsonl/],
      [['export', 'create', '--spec', 'no-such'], /--spec: no spec "no-such"/],
      [['export', 'create'], /--spec: name the spec to export/],
    ];
    for (const [args, message] of cases) {
      const run = await steward(args, { now: T1 });
      expect([run.code, run.err]).toEqual([2, expect.stringMatching(message)]);
    }
    expect((await steward(['export', 'list'], { now: T1 })).out).toMatch(/^no exports yet/);
  });

  it('creates, pulls (copy id, files, manifest) and joins authors to videos by username', async () => {
    // Act
    const videos = await steward(['export', 'create', '--spec', 'climate-videos'], { now: T1, json: true });
    const authors = await steward(['export', 'create', '--spec', 'climate-authors', '--format', 'csv'], { now: T1, json: true });
    const to = join(workDir, 'pulled');
    const pulled = await steward(['export', 'pull', 'climate-videos', '--to', to], { now: T1, json: true, as: 'grace' });
    const authorsTo = join(workDir, 'authors');
    const pulledAuthors = await steward(['export', 'pull', 'climate-authors', '--to', authorsTo], { now: T1, json: true, as: 'grace' });

    // Assess
    expect(videos.code).toBe(0);
    expect(JSON.parse(videos.out)).toMatchObject({ label: 'climate-videos@v1', format: 'parquet' });
    expect(authors.code).toBe(0);
    expect(pulled.code).toBe(0);
    const copy = JSON.parse(pulled.out);
    expect(copy).toMatchObject({ copyId: expect.stringMatching(/^c20260301-[0-9a-f]{8}$/), name: 'climate-videos', version: 1 });
    expect(readFileSync(join(to, 'COPY.txt'), 'utf8').trim()).toBe(copy.copyId);
    expect(readdirSync(to).sort()).toEqual(['COPY.txt', 'bucket=0000', 'manifest.json']);
    expect(pulledAuthors.code).toBe(0);
    const joined = await duckRows(
      `select count(*)::int as videos, count(a.username)::int as with_author from '${to}/bucket=*/*.parquet' v left join read_csv('${authorsTo}/bucket=*/*.csv', all_varchar=true) a on a.username = v.username`,
    );
    expect(joined[0]!.videos).toBe(JSON.parse(videos.out).rows);
    expect(joined[0]!.with_author).toBe(joined[0]!.videos);
    const list = await steward(['export', 'list'], { now: T1 });
    expect(list.out).toContain(`copy ${copy.copyId}: grace, v1, pulled`);
  });

  it('refuses a non-empty --to without --force, and a release by a member who never pulled the copy', async () => {
    const full = join(workDir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const refused = await steward(['export', 'pull', 'climate-videos', '--to', full], { now: T1, as: 'grace' });
    expect([refused.code, refused.err]).toEqual([2, expect.stringMatching(/--to: .* exists and is not empty; name a new folder, or add --force/)]);
    expect(existsSync(join(full, 'manifest.json'))).toBe(false);

    const listed = JSON.parse((await steward(['export', 'list'], { now: T1, json: true })).out) as Array<{ name: string; copies: Array<{ copy: { copyId: string } }> }>;
    const copies = listed.find((l) => l.name === 'climate-videos')!.copies;
    expect(copies).toHaveLength(1);
    const wrong = await steward(['export', 'release', 'climate-videos', '--copy', copies[0]!.copy.copyId], { now: T1, as: 'ada' });
    expect([wrong.code, wrong.err]).toEqual([2, expect.stringMatching(/--copy: copy c\S+ was pulled by grace, not ada/)]);
    const released = await steward(['export', 'release', 'climate-videos', '--copy', copies[0]!.copy.copyId], { now: T1, as: 'grace' });
    const stranger = await steward(['export', 'pull', 'climate-videos', '--to', join(workDir, 'x')], { now: T1, as: 'mallory' });
    expect([stranger.code, stranger.err]).toEqual([2, expect.stringMatching(/--as: "mallory" is not a member of this project/)]);
    expect([released.code, released.out]).toEqual([0, expect.stringMatching(/released by grace/)]);
    const shown = await steward(['export', 'show', 'climate-videos'], { now: T1 });
    expect(shown.out).toMatch(/climate-videos@v1 \(current\): create/);
  });
});
