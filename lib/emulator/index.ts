/**
 * A faithful local emulator of the TikTok Research API and Commercial Content API, written from the public docs
 * (see reference/platform-api-facts.md) independently of Steward's clients, so contract tests between the two
 * mean something. `startEmulator` serves a deterministic synthetic world over real HTTP.
 */
import { ShiftedClock } from '../domain/clock';
import { type RunningEmulator, startEmulator } from './server';

export { startEmulator, DEFAULT_CREDENTIALS, type EmulatorOptions, type RunningEmulator } from './server';
export { World, DEFAULT_WORLD_OPTIONS, MAX_COMMENTS_PER_VIDEO, type WorldOptions, type VideoTruth, type UserTruth, type CommentTruth, type AdTruth, type WorldChange } from './world';
export { DEFAULT_QUOTA_LIMITS, type QuotaLimits, type QuotaReport } from './quota';
export { NO_FAULTS, type FaultOptions } from './faults';
export { SCOPES, TOKEN_LIFETIME_SECONDS, type ClientCredentials, type Scope } from './auth';
export { QueryError } from './query';

/**
 * Start the emulator for `steward emulator`: one client with the given key and secret, a clock that starts at
 * `now` (default: real time) and keeps flowing, and one line on stdout with the URL.
 */
export async function runEmulatorCli(opts: { port: number; clientKey: string; clientSecret: string; seed?: number; now?: Date; maxCommentsPerVideo?: number }): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    port: opts.port,
    seed: opts.seed ?? 1,
    ...(opts.maxCommentsPerVideo !== undefined ? { maxCommentsPerVideo: opts.maxCommentsPerVideo } : {}),
    clock: new ShiftedClock(opts.now),
    credentials: [{ clientKey: opts.clientKey, clientSecret: opts.clientSecret }],
  });
  process.stdout.write(`TikTok API emulator listening on ${emulator.url} (seed ${opts.seed ?? 1}, clock ${emulator.clock.now().toISOString()})\n`);
  return emulator;
}
