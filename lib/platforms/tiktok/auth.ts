/**
 * Client-credentials tokens (https://developers.tiktok.com/doc/client-access-token-management).
 * One token serves both the Research API and the Commercial Content API; it lives 2 hours and there is no
 * refresh token, so we ask for a new one shortly before it runs out (per the injected clock) or when the
 * API says `access_token_invalid`.
 */
import * as z from 'zod';
import { systemClock, type Clock } from '../../domain/clock';
import { parseJson } from '../../domain/json';
import { TikTokAuthError, TikTokNetworkError, TikTokResponseShapeError } from './errors';

export const TOKEN_ENDPOINT = '/v2/oauth/token/';
export const DEFAULT_BASE_URL = 'https://open.tiktokapis.com';

/** The subset of `fetch` the clients use; inject a stub in tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientCredentialsAuthOptions {
  readonly clientKey: string;
  readonly clientSecret: string;
  /** @default 'https://open.tiktokapis.com' */
  readonly baseUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Abort the token request after this long. @default 30_000 */
  readonly timeoutMs?: number;
  /**
   * Renew this long before `expires_in` elapses, so a token never dies mid-request. Capped at half the
   * token's lifetime. @default 300_000 (5 minutes)
   */
  readonly refreshMarginMs?: number;
}

const tokenSuccessSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number),
  token_type: z.string().optional(),
});

const oauthErrorSchema = z.looseObject({
  error: z.string().min(1),
  error_description: z.string().optional(),
  log_id: z.string().optional(),
});

// Not documented for the token endpoint, but cheap to understand: the v2 `{error: {code, message, log_id}}` form.
const v2ErrorSchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string().optional(), log_id: z.string().optional() }),
});

interface CachedToken {
  readonly token: string;
  readonly renewAtMs: number;
}

/** Fetches, caches and renews the client access token. Share one instance between clients to share the token. */
export class ClientCredentialsAuth {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly refreshMarginMs: number;
  private cached: CachedToken | undefined;
  private inFlight: Promise<string> | undefined;
  /** How many tokens were fetched: for tests and metrics. */
  tokensIssued = 0;

  constructor(private readonly options: ClientCredentialsAuthOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.refreshMarginMs = options.refreshMarginMs ?? 300_000;
  }

  /** A valid token: the cached one, or a new one when it is about to expire. Concurrent callers share one fetch. */
  async getToken(): Promise<string> {
    if (this.cached && this.clock.now().getTime() < this.cached.renewAtMs) return this.cached.token;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forget `token` after the API rejected it; a newer token obtained meanwhile is kept. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const issuedAtMs = this.clock.now().getTime();
    const body = new URLSearchParams({
      client_key: this.options.clientKey,
      client_secret: this.options.clientSecret,
      grant_type: 'client_credentials',
    });
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(`${this.baseUrl}${TOKEN_ENDPOINT}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Cache-Control': 'no-cache' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new TikTokNetworkError(TOKEN_ENDPOINT, isTimeout(error), { cause: error });
    }

    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch {
      parsed = undefined;
    }

    const oauthError = oauthErrorSchema.safeParse(parsed);
    if (oauthError.success) {
      throw new TikTokAuthError(oauthError.data.error, oauthError.data.error_description ?? '', oauthError.data.log_id ?? '', response.status);
    }
    const v2Error = v2ErrorSchema.safeParse(parsed);
    if (v2Error.success && v2Error.data.error.code !== 'ok') {
      const e = v2Error.data.error;
      throw new TikTokAuthError(e.code, e.message ?? '', e.log_id ?? '', response.status);
    }
    if (!response.ok) {
      throw new TikTokAuthError(`http_${response.status}`, text.slice(0, 200), '', response.status);
    }

    const success = tokenSuccessSchema.safeParse(parsed);
    if (!success.success) {
      throw new TikTokResponseShapeError(
        TOKEN_ENDPOINT,
        success.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`),
      );
    }
    const lifetimeMs = success.data.expires_in * 1000;
    const margin = Math.min(this.refreshMarginMs, lifetimeMs / 2);
    this.cached = { token: success.data.access_token, renewAtMs: issuedAtMs + lifetimeMs - margin };
    this.tokensIssued += 1;
    return success.data.access_token;
  }
}

/** Our own `AbortSignal.timeout` fired (as opposed to a refused or reset connection). */
export function isTimeout(error: unknown): boolean {
  // Not `instanceof Error`: the DOMException fetch throws may come from another realm (jest's vm, workers).
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}
