/** The progress line of long commands: totals, percentage and ETA when the job knows its total; silent off a terminal. */
import { durationText, jobProgress, progressLine, showsProgress } from '../../../bin/cli/job-progress';
import { captureIo } from '../../support/cli';

describe('job progress', () => {
  it('shows done of total, the share and an ETA from the time so far when the total is known', () => {
    // 250 of 1,000 after 30 s: 90 s to go
    expect(progressLine('verify', { job: 'verify', phase: 'listing storage', done: 250, total: 1000 }, 30_000)).toBe('verify listing storage | 250/1000 (25%, ETA 1m 30s) | 30s');
  });

  it('shows the phase, the records so far, the counts and the time elapsed when no total is known', () => {
    expect(progressLine('refresh', { job: 'refresh', phase: 'sweep', done: 42, counts: { unchanged: 40, purged: 2, failed: 0 } }, 5_000)).toBe('refresh sweep | 42 records | 40 unchanged, 2 purged | 5s');
    expect(progressLine('report', { job: 'report', phase: 'reading the audit log', done: 0 }, 61_000)).toBe('report reading the audit log | 1m 01s');
    expect(progressLine('report', undefined, 0)).toBe('report | 0s');
  });

  it('formats durations from seconds to hours', () => {
    expect([durationText(400), durationText(59_400), durationText(3_599_000), durationText(3_660_000)]).toEqual(['0s', '59s', '59m 59s', '1h 01m']);
  });

  it('draws nothing off a terminal or with --json: the job gets no sink', () => {
    const off = captureIo();
    expect(showsProgress(off, false)).toBe(false);
    expect(jobProgress(off, false, 'verify').sink).toBeUndefined();
    const tty = { ...captureIo(), isTty: true, stderrIsTty: true };
    expect(showsProgress(tty, true)).toBe(false);
    expect(jobProgress(tty, true, 'verify').sink).toBeUndefined();
    // stdout piped to a file, stderr on the terminal: progress still shows there
    expect(showsProgress({ ...captureIo(), isTty: false, stderrIsTty: true }, false)).toBe(true);
  });
});
