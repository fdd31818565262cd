/**
 * Errors raised by the TikTok clients. Each one carries what a caller needs to decide (retry later, renew
 * credentials, fix the request) and what an auditor needs to trace it (`logId`, endpoint, HTTP status).
 */
import { BadInputError, StewardError } from '../../domain/errors';
import type { QuotaSnapshot } from './quota';

/** Base class of every error the TikTok clients raise on purpose. */
export class TikTokError extends StewardError {}

/**
 * The API answered with an error: a non-`ok` `error.code`, or a failing HTTP status. Raised after retries
 * are exhausted (for retryable failures) or at once (for the others).
 */
export class TikTokApiError extends TikTokError {
  constructor(
    /** `error.code` from the body (`invalid_params`, `internal_error`, ...), or `http_<status>` when the body had none. */
    readonly code: string,
    /** `error.message` from the body (may be empty). */
    readonly apiMessage: string,
    /** `error.log_id`; quote it to TikTok support. Empty when the body had none. */
    readonly logId: string,
    /** HTTP status of the response. */
    readonly httpStatus: number,
    /** Path of the endpoint called, e.g. `/v2/research/video/query/`. */
    readonly endpoint: string,
    options?: ErrorOptions,
  ) {
    super(`${endpoint}: HTTP ${httpStatus} ${code}${apiMessage ? `: ${apiMessage}` : ''}${logId ? ` (log_id ${logId})` : ''}`, options);
  }
}

/**
 * The day's request or record quota is used up. Not retried: waiting minutes does not help, the quota
 * resets at 00:00 UTC. The caller should checkpoint and stop until `resetsAt`.
 */
export class DailyQuotaExceededError extends TikTokApiError {
  constructor(
    code: string,
    apiMessage: string,
    logId: string,
    httpStatus: number,
    endpoint: string,
    /** Next 00:00 UTC after the failure, per the client's clock. */
    readonly resetsAt: Date,
    /** The client's own count of today's usage when the quota ran out. */
    readonly quota: QuotaSnapshot,
  ) {
    super(code, apiMessage, logId, httpStatus, endpoint);
  }
}

/** The token endpoint refused the client credentials (OAuth-style `{error, error_description, log_id}` body). */
export class TikTokAuthError extends TikTokError {
  constructor(
    /** OAuth error code: `invalid_client`, `invalid_request`, `invalid_grant`, ... or `http_<status>`. */
    readonly error: string,
    readonly description: string,
    readonly logId: string,
    readonly httpStatus: number,
    options?: ErrorOptions,
  ) {
    super(`/v2/oauth/token/: HTTP ${httpStatus} ${error}${description ? `: ${description}` : ''}${logId ? ` (log_id ${logId})` : ''}`, options);
  }

  /** Only server-side failures of the token endpoint are worth retrying; bad credentials never get better. */
  get retryable(): boolean {
    return this.httpStatus >= 500 || this.httpStatus === 429;
  }
}

/** The request never got an HTTP answer (connection refused/reset, DNS, timeout), after all retries. */
export class TikTokNetworkError extends TikTokError {
  constructor(
    readonly endpoint: string,
    /** True when our own request timeout fired (the request may well have reached the server). */
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    const raw = options?.cause;
    const detail = typeof raw === 'object' && raw !== null ? (raw as { message?: unknown }).message : undefined;
    const cause = typeof detail === 'string' && detail !== '' ? `: ${detail}` : '';
    super(`${endpoint}: ${timedOut ? 'request timed out' : 'network error'}${cause}`, options);
  }
}

/**
 * A successful response did not have the documented shape (missing `data.videos[3].id`, a lossy id, ...).
 * Never retried: the same request would get the same body. `problems` lists `path: what is wrong`.
 */
export class TikTokResponseShapeError extends TikTokError {
  constructor(
    readonly endpoint: string,
    readonly problems: readonly string[],
    readonly logId: string = '',
  ) {
    super(`${endpoint}: response does not have the documented shape${logId ? ` (log_id ${logId})` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Paging went wrong in a way retrying cannot fix (the cursor stopped moving, a resume state does not fit the query). */
export class TikTokPaginationError extends TikTokError {}

/** A batch-compliance task failed on TikTok's side or did not finish within the polling budget. */
export class TikTokValidationTaskError extends TikTokError {
  constructor(
    message: string,
    readonly taskId: string,
    /** Last `task_status` seen (`Failed`, `Processing`, ...). */
    readonly lastStatus: string,
  ) {
    super(message);
  }
}

/** A request built by the caller is invalid (query grammar, dates, filters, ids). Maps to CLI exit code 2. */
export class TikTokRequestValidationError extends BadInputError {}

/** `invalid_params` "Search Id ... is invalid or expired" or "Invalid count or cursor": the cached result set is gone. */
export function isSearchIdExpired(error: unknown): error is TikTokApiError {
  return (
    error instanceof TikTokApiError &&
    error.code === 'invalid_params' &&
    /search[\s_]*id\b.*\b(invalid|expired)|invalid count or cursor/i.test(error.apiMessage)
  );
}

/** `invalid_params` "<username> is invalid: cannot find the user". */
export function isUserNotFound(error: unknown): error is TikTokApiError {
  return error instanceof TikTokApiError && /cannot find the user/i.test(error.apiMessage);
}

/** "API cannot return this user's information" (private, under 18, ...): the user exists but is not served. */
export function isUserInfoUnavailable(error: unknown): error is TikTokApiError {
  return error instanceof TikTokApiError && /cannot return this user/i.test(error.apiMessage);
}
