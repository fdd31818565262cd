/**
 * Shared pieces of the benches that count API requests against the emulator (comments.ts, refresh.ts): the client
 * credentials they register, a `fetch` that tallies requests by endpoint, and the emulator's own request count.
 * Not a benchmark itself (bench/run.ts skips files starting with `_`).
 */
import type { RunningEmulator, WorldOptions } from '../lib/emulator';
import type { FetchLike } from '../lib/platforms/tiktok';
import { MeasurementError } from './harness';

export const CLIENT = { clientKey: 'bench-key', clientSecret: 'bench-secret' };

/** A world where nothing is deleted, hidden or removed and no ads run: every refresh finds its record again. */
export const STILL_WORLD: Partial<WorldOptions> = {
  futureDays: 0,
  videoDeletionShare: 0,
  videoPrivateShare: 0,
  accountDeletionShare: 0,
  commentDeletionShare: 0,
  adsPerYear: 0,
  advertisers: 1,
  adRemovalShare: 0,
};

/** A `fetch` that tallies the API requests it carries by endpoint path (the token endpoint is not billed). */
export function tallyingFetch(): { fetch: FetchLike; byEndpoint: Record<string, number> } {
  const byEndpoint: Record<string, number> = {};
  const tally: FetchLike = async (url, init) => {
    const path = new URL(url).pathname;
    if (!path.startsWith('/v2/oauth/')) byEndpoint[path] = (byEndpoint[path] ?? 0) + 1;
    return fetch(url, init);
  };
  return { fetch: tally, byEndpoint };
}

/** The research requests the emulator counted for CLIENT so far. */
export async function emulatorRequests(emulator: RunningEmulator): Promise<number> {
  const response = await fetch(`${emulator.url}/__admin/quota?client_key=${encodeURIComponent(CLIENT.clientKey)}`);
  if (!response.ok) throw new MeasurementError(`emulator quota report: HTTP ${response.status}`);
  return ((await response.json()) as { used: { research: { requests: number } } }).used.research.requests;
}
