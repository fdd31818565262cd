import { ManualClock } from '../../../lib/domain/clock';
import { ClientCredentialsAuth, CommercialContentClient, ResearchApiClient, TikTokApiError } from '../../../lib/platforms/tiktok';
import { T0, apiError, fakeApi, ok, testOptions, tokenResponse } from './fake-api';

const USER_INFO = '/v2/research/user/info/';
const TOKEN = '/v2/oauth/token/';

describe('ClientCredentialsAuth', () => {
  it('requests a token with a form-encoded client-credentials body', async () => {
    // Prepare
    const api = fakeApi({});
    const auth = new ClientCredentialsAuth({ clientKey: 'awx key', clientSecret: 's3cr&t', baseUrl: 'https://api.test/', fetch: api.fetch });
    // Act
    const token = await auth.getToken();
    // Assess
    const [call] = api.calls(TOKEN);
    expect(token).toBe('clt.token-1');
    expect(call!.url).toBe('https://api.test/v2/oauth/token/');
    expect(call!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call!.bodyText))).toEqual({
      client_key: 'awx key',
      client_secret: 's3cr&t',
      grant_type: 'client_credentials',
    });
  });

  it('caches the token and renews it shortly before expires_in elapses (per the clock)', async () => {
    // Prepare: 7200 s lifetime, default 5 min margin -> renew from 6900 s on
    const clock = new ManualClock(T0);
    const api = fakeApi({});
    const auth = new ClientCredentialsAuth({ clientKey: 'k', clientSecret: 's', fetch: api.fetch, clock });
    // Act
    const first = await auth.getToken();
    clock.advance(6_899_000);
    const stillCached = await auth.getToken();
    clock.advance(1_000);
    const renewed = await auth.getToken();
    // Assess
    expect([first, stillCached, renewed]).toEqual(['clt.token-1', 'clt.token-1', 'clt.token-2']);
    expect(api.calls(TOKEN)).toHaveLength(2);
  });

  it('caps the margin at half of a short lifetime', async () => {
    // Prepare
    const clock = new ManualClock(T0);
    const api = fakeApi({ [TOKEN]: (_r, i) => tokenResponse(`clt.short-${i}`, 60) });
    const auth = new ClientCredentialsAuth({ clientKey: 'k', clientSecret: 's', fetch: api.fetch, clock });
    // Act
    await auth.getToken();
    clock.advance(29_000);
    const cached = await auth.getToken();
    clock.advance(1_000);
    const renewed = await auth.getToken();
    // Assess
    expect([cached, renewed]).toEqual(['clt.short-0', 'clt.short-1']);
  });

  it('shares one token request between concurrent callers', async () => {
    const api = fakeApi({});
    const auth = new ClientCredentialsAuth({ clientKey: 'k', clientSecret: 's', fetch: api.fetch });
    const tokens = await Promise.all([auth.getToken(), auth.getToken(), auth.getToken()]);
    expect(tokens).toEqual(['clt.token-1', 'clt.token-1', 'clt.token-1']);
    expect(api.calls(TOKEN)).toHaveLength(1);
  });
});

describe('token renewal through the clients', () => {
  it('reuses one token across requests and renews it once on 401 access_token_invalid', async () => {
    // Prepare: the server rejects token-1 (as after an expiry the client did not foresee)
    const api = fakeApi({
      [USER_INFO]: (request) =>
        request.headers.authorization === 'Bearer clt.token-1'
          ? apiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request.')
          : ok({ display_name: 'A' }),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    await client.userInfo('a', ['display_name']);
    await client.userInfo('b', ['display_name']);
    // Assess
    expect(api.calls(TOKEN)).toHaveLength(2);
    expect(api.calls(USER_INFO).map((c) => c.headers.authorization)).toEqual(['Bearer clt.token-1', 'Bearer clt.token-2', 'Bearer clt.token-2']);
  });

  it('renews at most once per call: a second 401 is thrown', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => apiError(401, 'access_token_invalid', 'nope') });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const error = await client.userInfo('a', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(error).toMatchObject({ code: 'access_token_invalid', httpStatus: 401 });
    expect(api.calls(TOKEN)).toHaveLength(2);
    expect(api.calls(USER_INFO)).toHaveLength(2);
  });

  it('renews a token that expired by the clock before the next request', async () => {
    // Prepare
    const clock = new ManualClock(T0);
    const api = fakeApi({ [USER_INFO]: () => ok({}) });
    const client = new ResearchApiClient(testOptions(api, { clock }));
    // Act
    await client.userInfo('a', ['display_name']);
    clock.advance(2 * 3600 * 1000);
    await client.userInfo('a', ['display_name']);
    // Assess
    expect(api.calls(USER_INFO).map((c) => c.headers.authorization)).toEqual(['Bearer clt.token-1', 'Bearer clt.token-2']);
  });

  it('lets the commercial client share the research client token', async () => {
    // Prepare
    const api = fakeApi({ [USER_INFO]: () => ok({}), '/v2/research/adlib/advertiser/query/': () => ok({ advertisers: [] }) });
    const research = new ResearchApiClient(testOptions(api));
    const { clientKey: _k, clientSecret: _s, ...rest } = testOptions(api);
    const commercial = new CommercialContentClient({ ...rest, auth: research.transport.auth });
    // Act
    await research.userInfo('a', ['display_name']);
    await commercial.queryAdvertisers('bean');
    // Assess
    expect(api.calls(TOKEN)).toHaveLength(1);
  });
});
