/**
 * What a collection spec reads from: pages of records, resumable from a saved state. Platform connectors are
 * adapted to this shape (lib/jobs/tiktok-sources.ts), so the collect job knows nothing of HTTP or paging rules.
 */
import type { RecordKey, RecordRef } from '../domain/records';

export interface CollectedItem {
  readonly ref: RecordRef;
  /** The item as the API returned it, serialised losslessly (ids exact). Stored as the record's object. */
  readonly body: string;
  /** Platform creation time (Unix seconds), used to window id lookups on refresh. */
  readonly platformCreatedAt?: number;
  /** The record this one belongs to (a comment's video, a video's author). */
  readonly parentKey?: RecordKey;
  /** `log_id` of the response that carried this item, when a page gathers several responses. */
  readonly logId?: string;
}

export interface SourcePage {
  readonly items: readonly CollectedItem[];
  /** API path that served the page. */
  readonly endpoint: string;
  /** The platform's `log_id` of the response. */
  readonly logId: string;
  /** JSON-serialisable state that resumes right after this page. */
  readonly stateAfter: unknown;
}

export interface SpecSource {
  /** SHA-256 of the canonical query this source runs: provenance, and recognising identical queries. */
  readonly queryFingerprint: string;
  /** Pages from `state` (undefined: from the start). Stops by throwing DailyQuotaExceededError. */
  pages(state: unknown): AsyncIterable<SourcePage>;
}

/** Requests and records a source's client has used today, as the platform counts them. */
export interface SourceUsage {
  requests(): number;
  records(): number;
}

/** The platform's daily quota is spent: stop, keep the checkpoint, resume after `resetsAt`. */
export class QuotaExhaustedError extends Error {
  constructor(readonly resetsAt: Date, options?: ErrorOptions) {
    super(`daily API quota exhausted; it resets at ${resetsAt.toISOString()}`, options);
    this.name = 'QuotaExhaustedError';
  }
}
