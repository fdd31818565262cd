import { ManualClock } from '../../../lib/domain/clock';
import {
  DailyQuotaExceededError,
  ResearchApiClient,
  TikTokApiError,
  TikTokAuthError,
  TikTokNetworkError,
  TikTokResponseShapeError,
  TikTokTransport,
  classifyFailure,
} from '../../../lib/platforms/tiktok';
import { T0, apiError, fakeApi, ok, testOptions } from './fake-api';

const USER_INFO = '/v2/research/user/info/';

describe('classifyFailure', () => {
  it.each([
    [500, 'internal_error', '', 'retry'],
    [502, 'http_502', '<html>bad gateway</html>', 'retry'],
    [504, 'http_504', '', 'retry'],
    [200, 'internal_error', 'something broke', 'retry'],
    [429, 'rate_limit_exceeded', 'Too many requests', 'throttle'],
    [200, 'rate_limit_exceeded', '', 'throttle'],
    [429, 'daily_quota_limit_exceeded', '', 'daily_quota'],
    [429, 'rate_limit_exceeded', 'You have exceeded your daily quota', 'daily_quota'],
    [429, 'http_429', 'daily request limit reached', 'daily_quota'],
    [401, 'access_token_invalid', 'The access token is invalid or not found in the request.', 'renew_token'],
    [200, 'access_token_invalid', '', 'renew_token'],
    [401, 'scope_not_authorized', '', 'fatal'],
    [400, 'invalid_params', 'Search Id 123 is invalid or expired', 'fatal'],
    [400, 'invalid_file_upload', '', 'fatal'],
    [403, 'http_403', '', 'fatal'],
  ])('HTTP %i with code %s (%s) -> %s', (status, code, message, expected) => {
    expect(classifyFailure(status, code, message)).toBe(expected);
  });
});

describe('TikTokTransport error mapping', () => {
  it('maps an error envelope to TikTokApiError with code, message, log id, status and endpoint', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => apiError(400, 'invalid_params', 'nobody is invalid: cannot find the user', 'LOG123') });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const error = await client.userInfo('nobody', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(error).toMatchObject({
      code: 'invalid_params',
      apiMessage: 'nobody is invalid: cannot find the user',
      logId: 'LOG123',
      httpStatus: 400,
      endpoint: USER_INFO,
    });
    expect((error as Error).message).toBe(`${USER_INFO}: HTTP 400 invalid_params: nobody is invalid: cannot find the user (log_id LOG123)`);
    expect(api.calls(USER_INFO)).toHaveLength(1); // invalid_params is not retried
  });

  it('treats a 200 whose error.code is not ok as a failure (judged by the code)', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => apiError(200, 'scope_not_authorized', 'not approved') });
    const client = new ResearchApiClient(testOptions(api));
    // Act / Assess
    await expect(client.userInfo('a', ['display_name'])).rejects.toMatchObject({ code: 'scope_not_authorized', httpStatus: 200 });
  });

  it('treats a non-2xx status with a bare body as http_<status>, and a 2xx with error.http_status_code >= 400 as failed', async () => {
    // Prepare
    const api = fakeApi({
      [USER_INFO]: () => new Response('<html>Forbidden</html>', { status: 403 }),
      '/v2/research/adlib/ad/detail/': () =>
        new Response(JSON.stringify({ data: {}, error: { code: 'ok', http_status_code: 400, message: 'bad', log_id: 'L' } }), { status: 200 }),
    });
    const transport = new TikTokTransport(testOptions(api));
    // Act
    const bare = await transport.postJson({ endpoint: USER_INFO, body: {} }).catch((e: unknown) => e);
    const inBody = await transport.postJson({ endpoint: '/v2/research/adlib/ad/detail/', body: {} }).catch((e: unknown) => e);
    // Assess
    expect(bare).toMatchObject({ code: 'http_403', httpStatus: 403 });
    expect(inBody).toMatchObject({ code: 'http_400', httpStatus: 400, apiMessage: 'bad' });
  });

  it('raises TikTokResponseShapeError for a 2xx body that is not the envelope, without retrying', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => new Response('{"data": {}}', { status: 200 }) });
    const transport = new TikTokTransport(testOptions(api));
    // Act
    const error = await transport.postJson({ endpoint: USER_INFO, body: {} }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokResponseShapeError);
    expect((error as Error).message).toContain('error: ');
    expect(api.calls(USER_INFO)).toHaveLength(1);
  });

  it('sends POST JSON with the bearer token and fields as a comma-joined query parameter', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => ok({ display_name: 'A' }) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    await client.userInfo('example_user', ['display_name', 'follower_count']);
    // Assess
    const [call] = api.calls(USER_INFO);
    expect(call!.url).toBe('https://api.test/v2/research/user/info/?fields=display_name,follower_count');
    expect(call!.headers.authorization).toBe('Bearer clt.token-1');
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.bodyText).toBe('{"username":"example_user"}');
  });
});

describe('TikTokTransport retries', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('retries 5xx with full-jitter backoff on real (fake) timers, then succeeds', async () => {
    // Prepare: default sleep (setTimeout) under fake timers; jitter 0.5 -> 250 ms, 500 ms
    jest.useFakeTimers();
    const api = fakeApi({
      [USER_INFO]: (_r, i) => (i < 2 ? apiError(500, 'internal_error', 'oops') : ok({ display_name: 'A' }, 'LOG-OK')),
    });
    const { sleep: _instant, ...options } = testOptions(api);
    const client = new ResearchApiClient(options);
    // Act
    const pending = client.userInfo('a', ['display_name']);
    await jest.advanceTimersByTimeAsync(0);
    const afterFirst = api.calls(USER_INFO).length;
    await jest.advanceTimersByTimeAsync(249);
    const before250 = api.calls(USER_INFO).length;
    await jest.advanceTimersByTimeAsync(1);
    const at250 = api.calls(USER_INFO).length;
    await jest.advanceTimersByTimeAsync(500);
    const result = await pending;
    // Assess
    expect([afterFirst, before250, at250]).toEqual([1, 1, 2]);
    expect(api.calls(USER_INFO)).toHaveLength(3);
    expect(result.logId).toBe('LOG-OK');
    expect(client.quota().requests).toBe(3); // the two 500s count, as the real API bills them
  });

  it('retries 429 rate_limit_exceeded, honouring Retry-After when longer than the jitter', async () => {
    // Prepare
    const sleeps: number[] = [];
    const api = fakeApi({
      [USER_INFO]: (_r, i) => (i === 0 ? apiError(429, 'rate_limit_exceeded', 'slow down', 'L', { 'retry-after': '10' }) : ok({})),
    });
    const client = new ResearchApiClient(testOptions(api, { sleeps }));
    // Act
    await client.userInfo('a', ['display_name']);
    // Assess
    expect(sleeps).toEqual([10_000]);
    expect(api.calls(USER_INFO)).toHaveLength(2);
  });

  it('reports every attempt to onEvent, with status, code, log id and delay', async () => {
    // Prepare
    const events: unknown[] = [];
    const api = fakeApi({ [USER_INFO]: (_r, i) => (i === 0 ? apiError(500, 'internal_error', '', 'L500') : ok({}, 'L200')) });
    const client = new ResearchApiClient({ ...testOptions(api), onEvent: (e) => events.push(e) });
    // Act
    await client.userInfo('a', ['display_name']);
    // Assess
    expect(events).toEqual([
      { endpoint: USER_INFO, attempt: 1, outcome: 'retry', delayMs: 250, httpStatus: 500, code: 'internal_error', logId: 'L500' },
      { endpoint: USER_INFO, attempt: 2, outcome: 'ok', httpStatus: 200, logId: 'L200' },
    ]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    // Prepare
    const sleeps: number[] = [];
    const api = fakeApi({ [USER_INFO]: (_r, i) => apiError(503, 'internal_error', `attempt ${i + 1}`) });
    const client = new ResearchApiClient({ ...testOptions(api, { sleeps }), retry: { maxAttempts: 4 } });
    // Act
    const error = await client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(api.calls(USER_INFO)).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(error).toMatchObject({ code: 'internal_error', apiMessage: 'attempt 4', httpStatus: 503 });
  });

  it('stops at once on a daily quota 429, with resetsAt at the next UTC midnight and a quota snapshot', async () => {
    // Prepare
    const clock = new ManualClock('2024-04-05T23:30:00.000Z');
    const api = fakeApi({ [USER_INFO]: () => apiError(429, 'daily_quota_limit_exceeded', 'quota exhausted', 'LQ') });
    const client = new ResearchApiClient({
      ...testOptions(api, { clock }),
      quotaUsed: { day: '2024-04-05', requests: 999, records: 5000, socialRequests: 0, socialRecords: 0 },
    });
    // Act
    const error = await client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DailyQuotaExceededError);
    const quotaError = error as DailyQuotaExceededError;
    expect(quotaError.resetsAt.toISOString()).toBe('2024-04-06T00:00:00.000Z');
    expect(quotaError.quota).toEqual({ day: '2024-04-05', requests: 1000, records: 5000, socialRequests: 0, socialRecords: 0 });
    expect(quotaError.logId).toBe('LQ');
    expect(api.calls(USER_INFO)).toHaveLength(1);
  });

  it('also stops on a 429 whose message says daily quota, under the fake timers used for the retry loop', async () => {
    // Prepare
    jest.useFakeTimers();
    const api = fakeApi({ [USER_INFO]: () => apiError(429, 'rate_limit_exceeded', 'Daily quota limit exceeded') });
    const { sleep: _s, ...options } = testOptions(api);
    const client = new ResearchApiClient(options);
    // Act
    const outcome = client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(60_000);
    // Assess
    expect(await outcome).toBeInstanceOf(DailyQuotaExceededError);
    expect(api.calls(USER_INFO)).toHaveLength(1);
  });

  it('retries network errors and timeouts, then reports a TikTokNetworkError', async () => {
    // Prepare
    const sleeps: number[] = [];
    const api = fakeApi({});
    let calls = 0;
    const fetchFn = async (url: string, init: RequestInit) => {
      if (url.includes('/oauth/')) return api.fetch(url, init);
      calls += 1;
      if (calls % 2 === 1) throw new TypeError('fetch failed');
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const client = new ResearchApiClient({ ...testOptions(api, { sleeps }), fetch: fetchFn, retry: { maxAttempts: 3 } });
    // Act
    const error = await client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(TikTokNetworkError);
    expect(error).toMatchObject({ timedOut: false, endpoint: USER_INFO });
    // Only the timed-out attempt is billed (it probably reached the server); refused connections are not.
    expect(client.quota().requests).toBe(1);
  });

  it('passes an AbortSignal with the timeout to fetch', async () => {
    // Prepare
    const signals: Array<AbortSignal | null | undefined> = [];
    const api = fakeApi({ [USER_INFO]: (_r) => ok({}) });
    const client = new ResearchApiClient({
      ...testOptions(api),
      timeoutMs: 5,
      fetch: (url, init) => {
        signals.push(init.signal);
        return api.fetch(url, init);
      },
    });
    // Act
    await client.userInfo('a', ['display_name']);
    await new Promise((r) => setTimeout(r, 30));
    // Assess
    expect(signals).toHaveLength(2); // token + data
    expect(signals.every((s) => s instanceof AbortSignal && s.aborted)).toBe(true);
  });
});

describe('OAuth errors through the transport', () => {
  it('does not retry invalid_client and surfaces a TikTokAuthError', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/oauth/token/': () => new Response(JSON.stringify({ error: 'invalid_client', error_description: 'Client key or secret is incorrect.', log_id: 'LA' }), { status: 401 }),
      [USER_INFO]: () => ok({}),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const error = await client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokAuthError);
    expect(error).toMatchObject({ error: 'invalid_client', description: 'Client key or secret is incorrect.', logId: 'LA', httpStatus: 401 });
    expect(api.calls('/v2/oauth/token/')).toHaveLength(1);
    expect(api.calls(USER_INFO)).toHaveLength(0);
  });

  it('retries a token endpoint 5xx', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/oauth/token/': (_r, i) => (i === 0 ? new Response('upstream error', { status: 502 }) : new Response(JSON.stringify({ access_token: 'clt.x', expires_in: 7200, token_type: 'Bearer' }))),
      [USER_INFO]: () => ok({}),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    await client.userInfo('a', ['display_name']);
    // Assess
    expect(api.calls('/v2/oauth/token/')).toHaveLength(2);
    expect(api.calls(USER_INFO)[0]!.headers.authorization).toBe('Bearer clt.x');
  });

  it('maps an OAuth error body on a 200 (invalid_request) to TikTokAuthError', async () => {
    const api = fakeApi({
      '/v2/oauth/token/': () => new Response(JSON.stringify({ error: 'invalid_request', error_description: 'Client secret is missing.', log_id: 'L' }), { status: 200 }),
    });
    const client = new ResearchApiClient(testOptions(api));
    await expect(client.userInfo('a', ['display_name'])).rejects.toMatchObject({ name: 'TikTokAuthError', error: 'invalid_request' });
  });
});

void T0;
