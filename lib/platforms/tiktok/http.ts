/**
 * The transport both TikTok clients share: token handling, the `{data, error}` envelope, error mapping,
 * retries with full-jitter backoff, request timeouts and quota accounting. Clients above it only build
 * bodies and parse `data`.
 */
import * as z from 'zod';
import { systemClock, type Clock } from '../../domain/clock';
import { parseJson, stringifyJson } from '../../domain/json';
import { ClientCredentialsAuth, DEFAULT_BASE_URL, isTimeout, type FetchLike } from './auth';
import { DEFAULT_RETRY_POLICY, backoffDelay, defaultSleep, retryAfterMs, type RetryPolicy } from './backoff';
import {
  DailyQuotaExceededError,
  TikTokApiError,
  TikTokAuthError,
  TikTokNetworkError,
  TikTokResponseShapeError,
} from './errors';
import { QuotaTracker, nextUtcMidnight, type QuotaBucket, type QuotaSnapshot } from './quota';

/** Options shared by `ResearchApiClient` and `CommercialContentClient`. */
export interface TikTokTransportOptions {
  /** @default 'https://open.tiktokapis.com' (point it at the emulator in integration tests) */
  readonly baseUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Waits between retries. @default setTimeout-based (controllable with jest fake timers) */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Abort a single HTTP request after this long. @default 30_000 */
  readonly timeoutMs?: number;
  /** @default { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 } */
  readonly retry?: Partial<RetryPolicy>;
  /** Today's usage persisted by an earlier process; ignored if it belongs to another UTC day. */
  readonly quotaUsed?: QuotaSnapshot;
  /** Renew the token this long before it expires. @default 300_000 */
  readonly tokenRefreshMarginMs?: number;
  /** Called after every attempt: for logs and metrics (log ids, retries, delays). Must not throw. */
  readonly onEvent?: (event: TikTokRequestEvent) => void;
}

/** Credentials, or a token source shared with another client (one token serves both APIs). */
export type TikTokCredentialOptions =
  | { readonly clientKey: string; readonly clientSecret: string; readonly auth?: undefined }
  | { readonly auth: ClientCredentialsAuth; readonly clientKey?: undefined; readonly clientSecret?: undefined };

export type TikTokClientOptions = TikTokTransportOptions & TikTokCredentialOptions;

/** What happened on one attempt. */
export interface TikTokRequestEvent {
  readonly endpoint: string;
  readonly attempt: number;
  readonly outcome: 'ok' | 'retry' | 'renew_token' | 'error';
  readonly httpStatus?: number;
  readonly code?: string;
  readonly logId?: string;
  /** Wait before the next attempt (outcome `retry`). */
  readonly delayMs?: number;
}

/** How a failed attempt is handled. */
export type FailureDisposition = 'retry' | 'throttle' | 'daily_quota' | 'renew_token' | 'fatal';

/**
 * Decide what a failure means from both the HTTP status and `error.code`: some gateways return bare
 * statuses, and some clients (and, per the docs, possibly the API) put the truth only in the code.
 */
export function classifyFailure(httpStatus: number, code: string, message: string): FailureDisposition {
  const throttled = httpStatus === 429 || code === 'rate_limit_exceeded';
  if (code === 'daily_quota_limit_exceeded' || /quota/i.test(code)) return 'daily_quota';
  if (throttled && /daily|quota/i.test(message)) return 'daily_quota';
  if (throttled) return 'throttle';
  if (code === 'access_token_invalid') return 'renew_token';
  // A bare 401 without a code is most likely an expired token; scope errors are also 401 but never heal.
  if (httpStatus === 401 && !/^scope_/.test(code)) return 'renew_token';
  if (httpStatus >= 500 || code === 'internal_error') return 'retry';
  return 'fatal';
}

const logIdSchema = z.union([z.string(), z.number(), z.bigint()]).transform(String);

const envelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  error: z.looseObject({
    code: z.string(),
    message: z.string().nullish(),
    log_id: logIdSchema.nullish(),
    http_status_code: z.number().optional(),
  }),
});

/** One request to a data endpoint. */
export interface TikTokCall {
  /** e.g. `/v2/research/video/query/` */
  readonly endpoint: string;
  /** Sent as the `fields` query parameter, comma-joined; omitted when undefined. */
  readonly fields?: readonly string[];
  /** A JSON value (bigints are written as bare integers) or a `FormData` for multipart uploads. */
  readonly body: unknown;
  /** @default 'general' */
  readonly bucket?: QuotaBucket;
  /** How many records a successful `data` holds (for the records quota). */
  readonly countRecords?: (data: unknown) => number;
}

/** A successful JSON response. `data` is the losslessly parsed `data` member (ids above 2^53 are bigint). */
export interface TikTokJsonResult {
  readonly data: unknown;
  readonly logId: string;
  readonly httpStatus: number;
}

/** A successful non-JSON response (batch-compliance downloads). */
export interface TikTokTextResult {
  readonly text: string;
  readonly logId: string;
  readonly httpStatus: number;
}

type AttemptResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Error; readonly disposition: FailureDisposition; readonly retryAfterMs?: number; readonly token?: string };

/** Shared HTTP machinery. Exported so both clients (and tests) can use it; callers normally use the clients. */
export class TikTokTransport {
  readonly auth: ClientCredentialsAuth;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly retry: RetryPolicy;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;
  private readonly quotaTracker: QuotaTracker;
  private readonly onEvent: (event: TikTokRequestEvent) => void;

  constructor(options: TikTokClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) {
      throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${this.retry.maxAttempts}`);
    }
    this.quotaTracker = new QuotaTracker(this.clock, options.quotaUsed);
    this.onEvent = options.onEvent ?? (() => undefined);
    this.auth =
      options.auth ??
      new ClientCredentialsAuth({
        clientKey: options.clientKey,
        clientSecret: options.clientSecret,
        baseUrl: this.baseUrl,
        fetch: this.fetchFn,
        clock: this.clock,
        timeoutMs: this.timeoutMs,
        refreshMarginMs: options.tokenRefreshMarginMs,
      });
  }

  /** Today's usage as counted by this transport. */
  quota(): QuotaSnapshot {
    return this.quotaTracker.snapshot();
  }

  /** POST and expect the `{data, error}` JSON envelope. */
  postJson(call: TikTokCall): Promise<TikTokJsonResult> {
    return this.withRetries(call, (token) => this.attemptJson(call, token));
  }

  /** POST and expect a plain-text body on success (errors still come as the JSON envelope). */
  postText(call: TikTokCall): Promise<TikTokTextResult> {
    return this.withRetries(call, (token) => this.attemptText(call, token));
  }

  private async withRetries<T extends { logId: string; httpStatus: number }>(
    call: TikTokCall,
    attemptOnce: (token: string) => Promise<AttemptResult<T>>,
  ): Promise<T> {
    let renewedToken = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attemptWithToken(attemptOnce);
      if (result.ok) {
        this.emit({ endpoint: call.endpoint, attempt, outcome: 'ok', httpStatus: result.value.httpStatus, logId: result.value.logId });
        return result.value;
      }
      const info = describe(result.error);
      if (result.disposition === 'renew_token' && !renewedToken && result.token !== undefined) {
        // One renewal per call: a second 401 with a fresh token is not an expiry problem.
        renewedToken = true;
        this.auth.invalidate(result.token);
        this.emit({ endpoint: call.endpoint, attempt, outcome: 'renew_token', ...info });
        attempt -= 1;
        continue;
      }
      const retryable = result.disposition === 'retry' || result.disposition === 'throttle';
      if (!retryable || attempt >= this.retry.maxAttempts) {
        this.emit({ endpoint: call.endpoint, attempt, outcome: 'error', ...info });
        throw result.error;
      }
      const jitter = backoffDelay(attempt, this.retry, this.random);
      const delayMs = Math.min(this.retry.maxDelayMs, Math.max(jitter, result.retryAfterMs ?? 0));
      this.emit({ endpoint: call.endpoint, attempt, outcome: 'retry', delayMs, ...info });
      await this.sleep(delayMs);
    }
  }

  private async attemptWithToken<T>(attemptOnce: (token: string) => Promise<AttemptResult<T>>): Promise<AttemptResult<T>> {
    let token: string;
    try {
      token = await this.auth.getToken();
    } catch (error) {
      if (error instanceof TikTokAuthError) return { ok: false, error, disposition: error.retryable ? 'retry' : 'fatal' };
      if (error instanceof TikTokNetworkError) return { ok: false, error, disposition: 'retry' };
      return { ok: false, error: error as Error, disposition: 'fatal' };
    }
    const result = await attemptOnce(token);
    return result.ok ? result : { ...result, token };
  }

  private async send(
    call: TikTokCall,
    token: string,
  ): Promise<{ ok: true; response: Response; text: string } | { ok: false; error: TikTokNetworkError }> {
    const url = call.fields === undefined ? `${this.baseUrl}${call.endpoint}` : `${this.baseUrl}${call.endpoint}?fields=${call.fields.map(encodeURIComponent).join(',')}`;
    const multipart = call.body instanceof FormData;
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    // For FormData, fetch writes the multipart Content-Type with its boundary itself.
    if (!multipart) headers['Content-Type'] = 'application/json';
    // Serialise outside the try: a body that cannot be written is a bug, not a network error to retry.
    const body = multipart ? (call.body as FormData) : stringifyJson(call.body);
    const bucket = call.bucket ?? 'general';
    let response: Response;
    try {
      response = await this.fetchFn(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = isTimeout(error);
      // A timed-out request most likely reached the server and is billed; a refused connection is not.
      if (timedOut) this.quotaTracker.countRequest(bucket);
      return { ok: false, error: new TikTokNetworkError(call.endpoint, timedOut, { cause: error }) };
    }
    // The server answered: billed, whatever the status (TikTok counts 500s against the quota).
    this.quotaTracker.countRequest(bucket);
    try {
      return { ok: true, response, text: await response.text() };
    } catch (error) {
      return { ok: false, error: new TikTokNetworkError(call.endpoint, isTimeout(error), { cause: error }) };
    }
  }

  private async attemptJson(call: TikTokCall, token: string): Promise<AttemptResult<TikTokJsonResult>> {
    const sent = await this.send(call, token);
    if (!sent.ok) return { ok: false, error: sent.error, disposition: 'retry' };
    const { response, text } = sent;
    const envelope = this.readEnvelope(call, response, text);
    if (!envelope.ok) return envelope;
    const { data, logId } = envelope.value;
    this.quotaTracker.countRecords(call.bucket ?? 'general', call.countRecords?.(data) ?? 0);
    return { ok: true, value: { data, logId, httpStatus: response.status } };
  }

  private async attemptText(call: TikTokCall, token: string): Promise<AttemptResult<TikTokTextResult>> {
    const sent = await this.send(call, token);
    if (!sent.ok) return { ok: false, error: sent.error, disposition: 'retry' };
    const { response, text } = sent;
    // Errors arrive as the JSON envelope; a list of ids never starts with '{'.
    if (response.ok && !text.trimStart().startsWith('{')) {
      return { ok: true, value: { text, logId: response.headers.get('x-tt-logid') ?? '', httpStatus: response.status } };
    }
    const envelope = this.readEnvelope(call, response, text);
    if (!envelope.ok) return envelope;
    return {
      ok: false,
      disposition: 'fatal',
      error: new TikTokResponseShapeError(call.endpoint, ['(body): expected a plain-text list of ids, got a JSON envelope'], envelope.value.logId),
    };
  }

  /** Parse the `{data, error}` envelope and turn any failure into a classified error. */
  private readEnvelope(
    call: TikTokCall,
    response: Response,
    text: string,
  ): AttemptResult<{ data: unknown; logId: string }> {
    const status = response.status;
    const retryAfter = retryAfterMs(response.headers.get('retry-after'), this.clock.now());
    let body: unknown;
    try {
      body = parseJson(text);
    } catch {
      body = undefined;
    }
    const parsed = envelopeSchema.safeParse(body);
    if (!parsed.success) {
      if (response.ok) {
        return {
          ok: false,
          disposition: 'fatal',
          error: new TikTokResponseShapeError(call.endpoint, body === undefined ? ['(body): not JSON'] : formatIssues(parsed.error.issues)),
        };
      }
      // A gateway error page (HTML 502/504, empty 500): judge by status alone.
      const code = `http_${status}`;
      return this.failure(call, status, code, text.slice(0, 200), '', retryAfter);
    }
    const { error, data } = parsed.data;
    const logId = error.log_id ?? '';
    // Commercial Content API bodies repeat the status in `error.http_status_code`; trust the worse of the two.
    const effectiveStatus = response.ok && (error.http_status_code ?? 0) >= 400 ? (error.http_status_code as number) : status;
    if (error.code === 'ok' && effectiveStatus >= 200 && effectiveStatus < 300) {
      if (data === undefined) {
        return { ok: false, disposition: 'fatal', error: new TikTokResponseShapeError(call.endpoint, ['data: required, missing'], logId) };
      }
      return { ok: true, value: { data, logId } };
    }
    const code = error.code === 'ok' ? `http_${effectiveStatus}` : error.code;
    return this.failure(call, effectiveStatus, code, error.message ?? '', logId, retryAfter);
  }

  private failure(
    call: TikTokCall,
    status: number,
    code: string,
    message: string,
    logId: string,
    retryAfter: number | undefined,
  ): AttemptResult<never> {
    const disposition = classifyFailure(status, code, message);
    if (disposition === 'daily_quota') {
      const resetsAt = nextUtcMidnight(this.clock.now());
      return {
        ok: false,
        disposition,
        error: new DailyQuotaExceededError(code, message, logId, status, call.endpoint, resetsAt, this.quota()),
      };
    }
    return { ok: false, disposition, retryAfterMs: retryAfter, error: new TikTokApiError(code, message, logId, status, call.endpoint) };
  }

  private emit(event: TikTokRequestEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // Observability must never break a collection run.
    }
  }
}

function describe(error: Error): Pick<TikTokRequestEvent, 'httpStatus' | 'code' | 'logId'> {
  if (error instanceof TikTokApiError) return { httpStatus: error.httpStatus, code: error.code, logId: error.logId };
  if (error instanceof TikTokAuthError) return { httpStatus: error.httpStatus, code: error.error, logId: error.logId };
  if (error instanceof TikTokNetworkError) return { code: error.timedOut ? 'timeout' : 'network_error' };
  return {};
}

/** zod issues as `path: message` lines, paths written like `data.videos[3].id`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => `${formatPath(prefix, issue.path)}: ${issue.message}`);
}

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(body)' : out;
}
