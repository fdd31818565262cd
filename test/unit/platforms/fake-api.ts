/**
 * A tiny in-test stand-in for the TikTok API: a stubbed `fetch` that records every request and answers
 * from per-endpoint handlers. Bodies are written with the lossless JSON writer, so 19-digit ids go out as
 * bare integers exactly like the real API sends them.
 */
import { ManualClock } from '../../../lib/domain/clock';
import { parseJson, stringifyJson } from '../../../lib/domain/json';
import type { FetchLike } from '../../../lib/platforms/tiktok';

export interface RecordedRequest {
  readonly url: string;
  readonly path: string;
  /** The `fields` query parameter, decoded; undefined when absent. */
  readonly fields: string | undefined;
  readonly headers: Record<string, string>;
  /** Raw request body text (JSON or form-encoded); empty for multipart. */
  readonly bodyText: string;
  /** Lossless-parsed JSON body (ids above 2^53 are bigint), or undefined. */
  readonly json: Record<string, unknown> | undefined;
  /** The multipart body, when the request sent FormData. */
  readonly form: FormData | undefined;
}

export type Handler = (request: RecordedRequest, callIndex: number) => Response | Promise<Response>;

/** A `{data, error: ok}` JSON response. */
export function ok(data: unknown, logId = 'log-ok', status = 200): Response {
  return new Response(stringifyJson({ data, error: { code: 'ok', message: '', log_id: logId } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** An error envelope. */
export function apiError(status: number, code: string, message = '', logId = `log-${code}`, headers: Record<string, string> = {}): Response {
  return new Response(stringifyJson({ data: {}, error: { code, message, log_id: logId } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function tokenResponse(token: string, expiresIn = 7200): Response {
  return new Response(JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }), { status: 200 });
}

export interface FakeApi {
  readonly fetch: FetchLike;
  /** Every request, token requests included. */
  readonly requests: RecordedRequest[];
  /** Requests to `path` only. */
  calls(path: string): RecordedRequest[];
  /** Requests other than the token endpoint. */
  dataCalls(): RecordedRequest[];
}

/**
 * @param routes - handler per path; the token endpoint answers `clt.token-<n>` unless overridden.
 */
export function fakeApi(routes: Record<string, Handler>): FakeApi {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  let tokens = 0;
  const fetchFn: FetchLike = async (url, init) => {
    const parsed = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const form = init.body instanceof FormData ? init.body : undefined;
    const bodyText = typeof init.body === 'string' ? init.body : '';
    let json: Record<string, unknown> | undefined;
    if (headers['content-type'] === 'application/json') json = parseJson(bodyText) as Record<string, unknown>;
    const request: RecordedRequest = { url, path: parsed.pathname, fields: parsed.searchParams.get('fields') ?? undefined, headers, bodyText, json, form };
    requests.push(request);
    const index = counts.get(parsed.pathname) ?? 0;
    counts.set(parsed.pathname, index + 1);
    const handler = routes[parsed.pathname];
    if (handler) return handler(request, index);
    if (parsed.pathname === '/v2/oauth/token/') {
      tokens += 1;
      return tokenResponse(`clt.token-${tokens}`);
    }
    return apiError(404, 'not_found', `no fake route for ${parsed.pathname}`);
  };
  return {
    fetch: fetchFn,
    requests,
    calls: (path) => requests.filter((r) => r.path === path),
    dataCalls: () => requests.filter((r) => r.path !== '/v2/oauth/token/'),
  };
}

export const T0 = '2024-04-05T10:00:00.000Z';

/** Options every test client needs: fake fetch, manual clock, instant sleep, fixed jitter. */
export function testOptions(api: FakeApi, overrides: { clock?: ManualClock; sleeps?: number[] } = {}) {
  const clock = overrides.clock ?? new ManualClock(T0);
  const sleeps = overrides.sleeps ?? [];
  return {
    clientKey: 'key',
    clientSecret: 'secret',
    baseUrl: 'https://api.test',
    fetch: api.fetch,
    clock,
    random: () => 0.5,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
}

/** A 19-digit id counting down from a base (results come in descending id order). */
export function videoId(n: number): string {
  return (7_320_768_196_569_599_275n - BigInt(n)).toString();
}

/** A video item as the API would send it (id as bigint so it is written as a bare integer). */
export function videoItem(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: BigInt(id), create_time: 1_704_499_196, username: 'some_user', ...extra };
}
