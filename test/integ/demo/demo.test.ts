/**
 * The demo as CI runs it: the whole lifecycle of `npm run demo` (bin/cli/demo.ts) on a smaller world. Every step
 * must succeed (the demo throws otherwise), and what it says it did must be what the files and the narration show.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoSummary } from '../../../bin/cli/demo';
import type { CliIo } from '../../../bin/cli/output';
import { parseJson } from '../../../lib/domain/json';

/** Short history, more deletions: fewer requests, and still videos for the sweep to find gone. */
const SMALL_WORLD = { users: 200, videosPerDay: 10, historyDays: 60, futureDays: 20, maxCommentsPerVideo: 4, videoDeletionShare: 0.2, adsPerYear: 300, advertisers: 20 };

describe('npm run demo (small world)', () => {
  let summary: DemoSummary;
  let narration = '';
  const io: CliIo = { isTty: false, stdout: (t) => void (narration += `${t}\n`), stderr: (t) => void (narration += `${t}\n`) };

  beforeAll(async () => {
    summary = await runDemo({ stateDir: mkdtempSync(join(tmpdir(), 'steward-demo-')), world: SMALL_WORLD, start: new Date('2026-03-01T09:00:00Z'), io });
  }, 300_000);

  it('narrates every step of the lifecycle, in order', () => {
    const steps = [...narration.matchAll(/^== (\d+)\. (.*)$/gm)].map((m) => Number(m[1]));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const heading of ['Collect', '16 days pass: the scheduled refresh sweep', 'An erasure request', 'The quota plan', 'The compliance report', 'The audit log', 'Verify', 'Where to look']) {
      expect(narration).toContain(heading);
    }
    expect(narration).toMatch(/aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 ls s3:\/\/steward-demo-climate-data --recursive/);
    // The built-in emulator's data is synthetic, said once; the closing hint reopens the same (emulator) state.
    expect(narration.split('synthetic data (emulator)').length - 1).toBe(1);
    expect(narration).toMatch(/npx steward --local --emulator .* serve/);
    // run as printed: the reopen hint carries the demo's clock (on today's clock its records would be overdue)
    expect(narration).toMatch(/npx steward --local --emulator [^`]* --now 2026-03-1\d{1}T\d{2}:\d{2}:\d{2}\.\d{3}Z serve/);
  });

  it('refreshes what was due and purges what the platform deleted, with its comments', () => {
    expect(summary.collected).toBeGreaterThan(50);
    expect(summary.refresh.unchanged + summary.refresh.changed).toBeGreaterThan(summary.collected / 2);
    expect(summary.refresh.failed).toBe(0);
    expect(summary.purgedUnavailable.some((key) => key.startsWith('tiktok:video:'))).toBe(true);
    expect(summary.erased.purged).toBeGreaterThan(0);
    const videos = summary.attrition.totals.find((t) => t.kind === 'video')!;
    expect(videos.counts.unavailable).toBe(summary.purgedUnavailable.filter((key) => key.startsWith('tiktok:video:')).length);
    expect(summary.attrition.survival.find((c) => c.group === 'video')!.events).toBe(videos.counts.unavailable);
    expect(narration).toMatch(/survival by age since posting/);
    expect(summary.calendar.items.some((i) => i.kind === 'refresh-deadline')).toBe(true);
    expect(narration).toMatch(/Refresh deadline: \d+ record\(s\) of source research/);
  });

  it('writes a report with charts and a certificate that proves its deletions, and verifies clean', () => {
    const html = readFileSync(summary.files.reportHtml, 'utf8');
    expect(html).toContain('<svg');
    expect(readFileSync(summary.files.reportMd, 'utf8')).toMatch(/^# /m);
    const certificate = parseJson(readFileSync(summary.files.certificate, 'utf8')) as { ok: boolean; purges: unknown[] };
    expect(certificate.ok).toBe(true);
    expect(certificate.purges.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(summary.files.certificate.replace(/\.json$/, '.md'))).toBe(true);
    expect(summary.verifyExitCode).toBe(0);
    // Exports: rebuilt by the purges, grace's pulled copy reported (overdue) until she released it.
    expect(summary.exports.videosVersion).toBeGreaterThan(summary.exports.videos.version);
    expect(summary.exports.staleReported).toEqual([expect.stringMatching(/^grace holds climate-videos v1 .* record\(s\) purged since; replace it/)]);
    expect(summary.exports.overdueBeforeRelease).toBe(1);
    expect(summary.exports.staleAfterRelease).toBe(0);
    expect(narration).toMatch(/grace pulls climate-videos@v1 to /);
    expect(narration).toContain('OK: the audit log is intact');
  });

  it('prints the OpenSSL command that verifies its certificate without Steward, and it does', () => {
    const printed = narration.match(/^\s+(openssl dgst -sha256 -verify \S+ -signature \S+ \S+)$/m);
    expect(printed).not.toBeNull();
    const run = spawnSync('sh', ['-c', printed![1]!], { encoding: 'utf8', cwd: process.cwd() });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: 'Verified OK\n' });
  });

  it('trips the purge fuse on a simulated outage and shows the PI releasing the hold', () => {
    const sweeps = narration.slice(narration.indexOf('== 3.'), narration.indexOf('== 4.'));
    expect(sweeps).toMatch(/an outage begins: the API answers every lookup "ok" with none of the records/);
    // the outage's third sweep would have purged every due record; it holds them instead and purges none
    expect(sweeps).toMatch(/\d+ due, 0 unchanged, 0 changed, 0 missed, 0 purged \(\+0 with them\), [1-9]\d* HELD by the purge fuse/);
    expect(summary.refresh.held).toBeGreaterThan(0);
    expect(sweeps).toMatch(/hold-research-\S+\s+open\s+source research\s+[1-9]\d* record\(s\).*reason all-missing-batch/);
    expect(sweeps).toMatch(/ada \(the PI\) releases it: steward --as ada purge release hold-research-\S+/);
    // the release purges only what is really gone (the natural deletions) and keeps the rest
    const released = sweeps.match(/purged (\d+) still unavailable \(\d+ with them\), kept (\d+) served again/);
    expect(released).not.toBeNull();
    expect(Number(released![1])).toBe(summary.purgedUnavailable.length);
    expect(Number(released![2])).toBeGreaterThan(0);
    // the outage spends the refresh lead time, not the deadline: the sweep after the release refreshes the kept
    // records in time, so the report finds every refresh on time (it said 1 % when the next sweep came a day later)
    expect(sweeps).toMatch(/the next hourly sweep refreshes what the release kept, before its deadline:\n {2}\d{4}-\d\d-\d\d: \d+ due, \d+ unchanged/);
    expect(summary.badge).toMatch(/^Compliant: nothing is overdue and every refresh was on time \(\d+ refresh\(es\)\)\.$/);
  });

  it('shows the purged record\'s history: collected, missed and held during the outage, purged on the PI\'s release', () => {
    const history = narration.slice(narration.indexOf('== 7.'), narration.indexOf('== 8.'));
    expect(history).toMatch(/record\.collected/);
    expect(history).toMatch(/purge\.held\s+@schedule\s+refresh-\S+ #\d+\s+video\s+\S+\s+held by the purge fuse instead of purged \(unavailable\)/);
    expect(history).toMatch(/record\.purged\s+ada\s+hold-release-\S+ #\d+\s+video\s+\S+\s+unavailable\s+\S/);
  });
});
