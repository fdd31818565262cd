/**
 * The compliance commands as a user meets them: bad input exits 2 with a message naming the option, before anything
 * is opened or written; a good command runs on the local runtime and prints one JSON document.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../bin/cli/program';
import { quotaPlanText } from '../../../bin/cli/quota-command';
import { refreshText } from '../../../bin/cli/refresh-command';
import { parseJson } from '../../../lib/domain/json';
import { captureIo } from '../../support/cli';
import { sampleConfig, writeSampleConfig } from '../../support/sample-config';

const { workDir, configFile: config } = writeSampleConfig('steward-compliance-cli-', sampleConfig({ id: 'cli-compliance', title: 'CLI compliance test' }));

describe('steward compliance commands', () => {
  it.each([
    ['erase without a target', ['erase'], /exactly one of --user NAME, --video ID, --comment ID \(got none\)/],
    ['erase with two targets', ['erase', '--video', '1', '--comment', '2'], /exactly one of .* \(got --video and --comment\)/],
    ['erase with a malformed video id', ['erase', '--video', '12ab'], /--video: "12ab" is not a TikTok video id/],
    ['erase with a malformed username', ['erase', '--user', 'no spaces'], /--user: "no spaces" is not a TikTok username/],
    ['refresh on a shard out of range', ['refresh', '--shard', '3', '99'], /--shard.*shards are 0\.\.15/],
    ['refresh with a bad request budget', ['refresh', '--max-requests', 'lots'], /--max-requests: must be a whole number/],
    ['refresh with a bad deadline', ['refresh', '--deadline', 'tonight'], /--deadline: must be an ISO 8601 time/],
    ['purge on a shard that is not a number', ['purge', '--shard', 'x'], /--shard.*a shard is a number/],
    ['quota without a subcommand', ['quota', 'frobnicate'], /unknown command|error/i],
    ['report attrition of a spec the config does not name', ['report', 'attrition', '--spec', 'nope'], /--spec: no spec "nope" in the config/],
    ['report attrition with a malformed spec name', ['report', 'attrition', '--spec', 'Not A Name'], /--spec: must be a spec name/],
    ['calendar with a window of no days', ['calendar', '--days', '0'], /--days: must be at least 1/],
    ['publication add without a title', ['publication', 'add', '--planned-date', '2027-01-01'], /--title: is required/],
    ['publication add on an impossible date', ['publication', 'add', '--title', 'T', '--planned-date', '2027-02-30'], /--planned-date: is not a real calendar date/],
    ['publication add with a malformed export', ['publication', 'add', '--title', 'T', '--planned-date', '2027-01-01', '--export', 'x y'], /--export: must be NAME@vN/],
    ['publication show of a malformed id', ['publication', 'show', 'nope'], /ID: "nope" is not a publication id/],
    ['calendar with a window that is not a number', ['calendar', '--days', 'soon'], /--days: must be a whole number/],
    ['calendar writing into a missing directory', ['calendar', '--ics', '/nonexistent-steward-dir/obligations.ics'], /--ics: the directory \/nonexistent-steward-dir does not exist/],
    ['collect after the project end', ['--now', '2027-07-01T00:00:00Z', 'collect'], /collect: the project ended on 2027-06-30 \(project\.endDate\): no new data may be collected/],
  ])('exits 2 on %s, names the problem, and writes nothing', async (_what, args, message) => {
    // Prepare
    const io = captureIo();
    const stateDir = join(workDir, `state-${Math.random().toString(36).slice(2)}`);

    // Act
    const code = await runCli(['--config', config, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, ...args], io);

    // Assess
    expect(code).toBe(2);
    expect(io.err).toMatch(message);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('refuses report attrition as both CSV and JSON (exit 2, the error as JSON, nothing written)', async () => {
    const io = captureIo();
    const stateDir = join(workDir, 'state-attrition-csv');
    const code = await runCli(['--json', '--config', config, '--local', '--emulator', '--state-dir', stateDir, 'report', 'attrition', '--csv'], io);
    expect(code).toBe(2);
    expect(parseJson(io.out)).toMatchObject({ ok: false, error: { kind: 'bad-input', message: expect.stringMatching(/--csv and --json: choose one/) } });
    expect(existsSync(stateDir)).toBe(false);
  });

  it('plans a publication and prints its notice date', async () => {
    const stateDir = join(workDir, 'state-publication');
    const steward = (args: string[]) => {
      const io = captureIo();
      return runCli(['--config', config, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, '--now', '2026-03-01T10:00:00Z', ...args], io).then((code) => ({ code, out: io.out }));
    };
    const added = await steward(['publication', 'add', '--title', 'Who vanishes', '--planned-date', '2026-09-01']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/pub-20260901-who-vanishes: "Who vanishes", planned 2026-09-01 \(planned\)\n  advance notice to the platform due 2026-08-02 \(30 days before, policy tiktok-research v1\)/);
  });

  it('writes the obligations calendar as an .ics file on the local runtime', async () => {
    const io = captureIo();
    const stateDir = join(workDir, 'state-calendar');
    const ics = join(workDir, 'obligations.ics');
    const code = await runCli(['--config', config, '--local', '--emulator', '--state-dir', stateDir, '--now', '2026-03-01T10:00:00Z', 'calendar', '--days', '7', '--ics', ics], io);
    expect(code).toBe(0);
    expect(io.out).toMatch(/obligations of cli-compliance from 2026-03-01 to 2026-03-07 \(project ends 2027-06-30/);
    expect(io.out).toMatch(/2 event\(s\) written to .*obligations\.ics/);
    expect(readFileSync(ics, 'utf8')).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*UID:project-end@cli-compliance\.steward\r\n/);
  });

  it('erases on the local runtime and prints one JSON document naming the account only by its keyed hash', async () => {
    // Prepare
    const io = captureIo();
    const stateDir = join(workDir, 'state-erase');

    // Act
    const code = await runCli(['--json', '--config', config, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, '--now', '2026-03-01T10:00:00Z', 'erase', '--user', '@someone.else'], io);

    // Assess
    expect(code).toBe(0);
    const report = parseJson(io.out) as Record<string, unknown>;
    expect(report).toMatchObject({ kind: 'user', wasStored: false, purged: 1, cascaded: 0, recordHash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(io.out).not.toContain('someone');
  }, 90_000);

  it('prints reports a person can read', () => {
    const text = refreshText({
      runId: 'refresh-1',
      shards: [3],
      due: 10,
      unchanged: 5,
      changed: 2,
      validated: 0,
      missed: 1,
      failed: 2,
      failures: { internal_error: 2 },
      purged: 1,
      cascaded: 4,
      held: 0,
      completedPending: 0,
      skippedExpired: 0,
      restamped: 0,
      requests: { research: 7 },
      unprocessed: 0,
      alongside: 0,
    });
    expect(text).toContain('refresh run refresh-1 (shards 3)');
    expect(text).toMatch(/failed\s+2 \(internal_error 2; still due, retried next sweep\)/);
    expect(text).toMatch(/purged\s+1 confirmed unavailable, 4 with them/);
    const plan = quotaPlanText({
      at: '2026-03-01T00:00:00.000Z',
      projectEnd: '2027-06-30T23:59:59.999Z',
      sources: [
        {
          source: 'research',
          policyId: 'tiktok-research',
          policyVersion: 1,
          refreshWithinDays: 15,
          refreshBy: 'lookup',
          activeByKind: { video: 100 },
          usedToday: 3,
          dailyRequests: 1000,
          activeRecords: 100,
          requestsPerDayNeeded: 0.07,
          requestsNeededToday: 0,
          headroomForCollection: 999,
          maxCompliantRecords: 1_400_000,
          maxCompliantCorpusAtMix: 1_400_000,
          growthPerDay: 0,
          firstMissedDeadline: null,
          overdue: 0,
          specs: [{ spec: 'climate-videos', records: 100, requestsPerDay: 0.07 }],
          unsustainable: null,
        },
      ],
    });
    expect(plan).toMatch(/largest compliant corpus\s+1400000 videos/);
    expect(plan).toMatch(/first missed deadline\s+none before the project ends/);
    expect(plan).toMatch(/spec climate-videos\s+100 records, 0.07 requests\/day/);
    expect(plan).not.toContain('UNSUSTAINABLE');
  });
});
