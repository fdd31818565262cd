/** The refresh sweep's options and report, and what one attempt learns about one record (see index.ts). */
import { type Observation } from '../../domain/evidence';
import { TikTokApiError, type CommercialContentClient, type ResearchApiClient } from '../../platforms/tiktok';
import { type ProgressSink } from '../context';

/** The platform clients a sweep uses, by source name (config `sources`). */
export interface RefreshClients {
  research(sourceName: string): ResearchApiClient;
  commercial(sourceName: string): CommercialContentClient;
}

export interface RefreshOptions {
  readonly clients: RefreshClients;
  /** Sweep only these due-index shards (the Lambda fan-out runs one shard per worker). Default: every shard. */
  readonly shards?: readonly number[];
  /** Start no new work after this instant (a Lambda's remaining time); what is left stays due. */
  readonly deadline?: Date;
  /** Spend at most this many API requests in this run. */
  readonly maxRequests?: number;
  /** Refresh records whose next action is at or before this instant. @default now */
  readonly dueBefore?: Date;
  /** Due records handled per step. @default SWEEP_STEP (1000) */
  readonly batchSize?: number;
  /** Wait between batch-compliance status polls. @default 15000 */
  readonly pollIntervalMs?: number;
  readonly progress?: ProgressSink;
}

export type RefreshStop = 'quota' | 'deadline' | 'max-requests';

export interface RefreshReport {
  readonly runId: string;
  readonly shards: readonly number[];
  /** Due records read from the index. */
  due: number;
  /** Re-fetched and found unchanged: only the due date moved. */
  unchanged: number;
  /** Re-fetched with new content: object rewritten. */
  changed: number;
  /** Still served per a batch compliance task (existence only): due date moved. */
  validated: number;
  /** Not returned, without confirmation yet: miss counted. */
  missed: number;
  /** Nothing learned (errors, throttles, cut-short answers): still due, retried next sweep. */
  failed: number;
  readonly failures: Record<string, number>;
  /** Confirmed unavailable and purged (cascades counted apart). */
  purged: number;
  cascaded: number;
  /** Confirmed unavailable while the source's purge fuse was tripped: held for the PI, not purged (fuse.ts). */
  held: number;
  /** Purges left pending by an interrupted run, completed now. */
  completedPending: number;
  /** Past their expiry: left to the expiry sweep. */
  skippedExpired: number;
  /** Records re-stamped after a policy change. */
  restamped: number;
  /** API requests this run sent, by source. */
  readonly requests: Record<string, number>;
  /** Due records read but not handled because the run stopped. */
  unprocessed: number;
  /** Comments not yet due, refreshed by the listing of their video that the due ones needed (not in `due`). */
  alongside: number;
  stopped?: RefreshStop;
  /** When the daily quota comes back (quota stop). */
  resetsAt?: string;
}

/** What a fresh lookup said of a record: served again, absent, or nothing learned. */
export type LookupVerdict = 'served' | 'absent' | 'failed';


/**
 * TikTok serves only about the first 1,000 comments of a video: a listing that long may have left out a comment
 * that is still there, so an absence from it is only a miss, never confirmation.
 */
export const PLATFORM_COMMENT_CAP = 1_000;
export const LOOKUP_CONCURRENCY = 4;
/** Videos and ads first: a video confirmed gone takes its comments along; accounts last (see `orphaned`). */
export const KIND_ORDER = ['video', 'ad', 'comment', 'user'] as const;
export const OBJECT_WRITE_CONCURRENCY = 16;

export class StopSweep extends Error {
  constructor(readonly reason: RefreshStop, readonly resetsAt?: Date) {
    super(`sweep stopped: ${reason}`);
  }
}

/** What one attempt learned about one record. */
export type Outcome =
  | { readonly kind: 'found'; readonly body: string; readonly logId: string }
  | { readonly kind: 'valid'; readonly taskId: string }
  | { readonly kind: 'observed'; readonly observation: Observation }
  /**
   * An account that no collected video names any more, under the policy `orphanedAccounts: purge` (the default):
   * Steward collected it as the author of videos it no longer keeps, so it goes with the last of them (reason
   * `cascade`, rule `orphaned`, distinct from a confirmed unavailability). Under `keep` it is looked up through the
   * username in its own stored copy instead.
   */
  | { readonly kind: 'orphaned' };

export const failed = (reason: string): Outcome => ({ kind: 'observed', observation: { kind: 'failed', reason } });

/** A failure's short name for reports and evidence (never a message that could quote content). */
export function failureReason(error: unknown): string {
  if (error instanceof TikTokApiError) return error.code;
  if (error instanceof Error) return error.name;
  return 'error';
}
