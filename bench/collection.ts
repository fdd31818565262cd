/**
 * Issue 2: a 10,000+-video hashtag collection against the emulator, over real HTTP, with the research client.
 *
 * - `records_per_api_request`: videos returned / requests the client counted (its quota book). Ideal is 100 (the
 *   page size); the last page of each 30-day window is short.
 * - `client_overhead_per_request`: time the client spends per request outside the transport (envelope and item
 *   parsing with zod, lossless JSON, paging state) / transport + server time per request. The transport is timed by
 *   an injected `fetch` that reads the whole body before it returns, so the ratio is
 *   (time inside the client's iterator - time inside fetch) / time inside fetch, per run; the median of the
 *   measured runs is reported (one warm-up run first). Both parts are measured in the same run, so machine speed
 *   and noise cancel to first order.
 *
 * Every run must return exactly the emulator's truth (`world.matchVideos` per query window), or the bench fails.
 */
import { ManualClock } from '../lib/domain/clock';
import { DEFAULT_CREDENTIALS, startEmulator, type RunningEmulator } from '../lib/emulator';
import { STORED_VIDEO_FIELDS } from '../lib/jobs/tiktok-sources';
import { ResearchApiClient, splitIntoWindows, type FetchLike, type VideoQuery } from '../lib/platforms/tiktok';
import { MeasurementError, median, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
/** ~400 videos a day over 70 days; `fyp` is on ~55% of them, so the 60-day query matches ~12,000 visible videos. */
const WORLD = { users: 2_000, videosPerDay: 400, historyDays: 70, futureDays: 1, adsPerYear: 100, advertisers: 10 };
const QUERY: VideoQuery = { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['fyp'] }] };
const RANGE = { startDate: '20251231', endDate: '20260228' }; // 60 days: two query windows
const MIN_MATCHES = 10_000;
const WARMUP_RUNS = 1;
const MEASURED_RUNS = 3;

interface RunFigures {
  readonly ids: string[];
  readonly requests: number;
  /** Time inside the client's iterator (`next()`), ms. */
  readonly clientMs: number;
  /** Time inside `fetch` including reading the body, ms. */
  readonly transportMs: number;
  readonly fetches: number;
}

/** One full collection with a fresh client (fresh token, fresh quota book), timed as described above. */
async function collectOnce(emulator: RunningEmulator, clock: ManualClock): Promise<RunFigures> {
  let transportMs = 0;
  let fetches = 0;
  const timedFetch: FetchLike = async (url, init) => {
    const t0 = performance.now();
    const response = await fetch(url, init);
    const text = await response.text();
    transportMs += performance.now() - t0;
    fetches += 1;
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const credentials = DEFAULT_CREDENTIALS[0]!;
  const client = new ResearchApiClient({
    clientKey: credentials.clientKey,
    clientSecret: credentials.clientSecret,
    baseUrl: emulator.url,
    clock,
    fetch: timedFetch,
  });
  const ids: string[] = [];
  let clientMs = 0;
  const pages = client.queryVideos({ query: QUERY, ...RANGE, fields: STORED_VIDEO_FIELDS, maxCount: 100 })[Symbol.asyncIterator]();
  for (;;) {
    const t0 = performance.now();
    const next = await pages.next();
    clientMs += performance.now() - t0;
    if (next.done) break;
    for (const video of next.value.videos) ids.push(video.id);
  }
  return { ids, requests: client.quota().requests, clientMs, transportMs, fetches };
}

function checkTruth(ids: readonly string[], truth: readonly string[], run: string): void {
  const unique = new Set(ids);
  if (unique.size !== ids.length) throw new MeasurementError(`collection ${run}: ${ids.length - unique.size} duplicate videos`);
  const sorted = [...ids].sort();
  if (sorted.length !== truth.length || sorted.some((id, i) => id !== truth[i])) {
    const want = new Set(truth);
    const missing = truth.filter((id) => !unique.has(id)).length;
    const extra = ids.filter((id) => !want.has(id)).length;
    throw new MeasurementError(`collection ${run}: returned ${ids.length} videos, truth has ${truth.length} (${missing} missing, ${extra} not in the truth)`);
  }
}

export const benchmark: Benchmark = {
  name: 'collection',
  async run(): Promise<BenchResult[]> {
    const clock = new ManualClock(NOW);
    // Quota raised so warm-up and measured runs fit in one emulator day; quota behaviour is tested elsewhere.
    const emulator = await startEmulator({ clock, seed: 11, world: WORLD, quota: { dailyRequests: 100_000, dailyRecords: 10_000_000 } });
    try {
      const truth = [
        ...new Set(
          splitIntoWindows(RANGE.startDate, RANGE.endDate).flatMap((w) =>
            emulator.world.matchVideos({ query: QUERY, start_date: w.startDate, end_date: w.endDate }, clock.now()),
          ),
        ),
      ].sort();
      if (truth.length < MIN_MATCHES) throw new MeasurementError(`the query matches only ${truth.length} videos; the bench needs >= ${MIN_MATCHES}`);

      const runs: RunFigures[] = [];
      for (let i = 0; i < WARMUP_RUNS + MEASURED_RUNS; i++) {
        const run = await collectOnce(emulator, clock);
        checkTruth(run.ids, truth, `run ${i + 1}`);
        if (run.transportMs <= 0 || run.clientMs < run.transportMs) {
          throw new MeasurementError(`collection run ${i + 1}: inconsistent timing (client ${run.clientMs} ms, transport ${run.transportMs} ms)`);
        }
        if (i >= WARMUP_RUNS) runs.push(run);
      }
      const requests = runs[0]!.requests;
      if (runs.some((r) => r.requests !== requests)) throw new MeasurementError(`request counts differ between runs: ${runs.map((r) => r.requests).join(', ')}`);
      const overheads = runs.map((r) => (r.clientMs - r.transportMs) / r.transportMs);
      return [
        {
          name: 'records_per_api_request',
          value: truth.length / requests,
          unit: 'records/request',
          target: 95,
          better: 'higher',
          note: `${truth.length} videos (= emulator truth, 2 windows of 30 days, max_count 100) in ${requests} requests counted by the client`,
        },
        {
          name: 'client_overhead_per_request',
          value: median(overheads),
          unit: 'x transport',
          target: 0.25,
          better: 'lower',
          note: `client time outside fetch / fetch+server time, median of ${MEASURED_RUNS} runs after ${WARMUP_RUNS} warm-up (runs: ${overheads.map((o) => o.toFixed(3)).join(', ')})`,
        },
      ];
    } finally {
      await emulator.stop();
    }
  },
};
