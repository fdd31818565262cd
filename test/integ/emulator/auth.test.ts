import { parseJson } from '../../../lib/domain/json';
import { CLIENT, eq, type Harness, startHarness } from './harness';

const QUERY = '/v2/research/video/query/?fields=id';
const BODY = { query: { and: [eq('region_code', 'US')] }, start_date: '20260201', end_date: '20260228' };

const tokenRequest = (h: Harness, form: Record<string, string>) =>
  fetch(`${h.url}/v2/oauth/token/`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

describe('emulator: client-credentials tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ credentials: [CLIENT, { clientKey: 'ads-only', clientSecret: 's', scopes: ['research.adlib.basic'] }] });
  });
  afterAll(() => h.stop());

  it('issues a flat clt. token that lives 7,200 s', async () => {
    // Act
    const response = await tokenRequest(h, { client_key: CLIENT.clientKey, client_secret: CLIENT.clientSecret, grant_type: 'client_credentials' });
    const body = parseJson(await response.text()) as Record<string, unknown>;
    // Assess
    expect(response.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.access_token).toMatch(/^clt\./);
    expect(body.expires_in).toBe(7200);
    expect(body.token_type).toBe('Bearer');
  });

  it.each([
    ['a wrong secret', { client_key: CLIENT.clientKey, client_secret: 'nope', grant_type: 'client_credentials' }, 401, 'invalid_client'],
    ['an unknown client key', { client_key: 'someone', client_secret: CLIENT.clientSecret, grant_type: 'client_credentials' }, 401, 'invalid_client'],
    ['a missing secret', { client_key: CLIENT.clientKey, grant_type: 'client_credentials' }, 400, 'invalid_request'],
    ['a missing client key', { client_secret: CLIENT.clientSecret, grant_type: 'client_credentials' }, 400, 'invalid_request'],
    ['a missing grant type', { client_key: CLIENT.clientKey, client_secret: CLIENT.clientSecret }, 400, 'invalid_request'],
    ['another grant type', { client_key: CLIENT.clientKey, client_secret: CLIENT.clientSecret, grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
  ])('refuses %s OAuth-style', async (_name, form, status, error) => {
    const response = await tokenRequest(h, form as Record<string, string>);
    const body = parseJson(await response.text()) as Record<string, unknown>;
    expect(response.status).toBe(status);
    expect(body.error).toBe(error);
    expect(typeof body.error_description).toBe('string');
    expect(body.log_id).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(body.access_token).toBeUndefined();
  });

  it('accepts a token until 7,200 s of emulator time have passed, then answers 401 access_token_invalid', async () => {
    // Prepare
    const token = await h.token();
    // Act
    const fresh = await h.post(QUERY, BODY, { token });
    h.advance(7_199);
    const lastSecond = await h.post(QUERY, BODY, { token });
    h.advance(1);
    const expired = await h.post(QUERY, BODY, { token });
    // Assess
    expect(fresh.status).toBe(200);
    expect(lastSecond.status).toBe(200);
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe('access_token_invalid');
    expect((await h.post(QUERY, BODY, { token: await h.token() })).status).toBe(200);
  });

  it('wants a bearer token on every data endpoint', async () => {
    const missing = await h.post(QUERY, BODY, { token: null });
    const bogus = await h.post(QUERY, BODY, { token: 'clt.made-up' });
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('access_token_invalid');
    expect(missing.json.data).toEqual({});
    expect(bogus.status).toBe(401);
    expect(bogus.json.error.code).toBe('access_token_invalid');
  });

  it('answers 401 scope_not_authorized to a client without the product\'s scope', async () => {
    // Prepare
    const response = await tokenRequest(h, { client_key: 'ads-only', client_secret: 's', grant_type: 'client_credentials' });
    const token = (parseJson(await response.text()) as { access_token: string }).access_token;
    // Act
    const research = await h.post(QUERY, BODY, { token });
    const ads = await h.post('/v2/research/adlib/advertiser/query/?fields=business_name', { search_term: 'co' }, { token });
    // Assess
    expect(research.status).toBe(401);
    expect(research.json.error.code).toBe('scope_not_authorized');
    expect(ads.status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the envelope', async () => {
    const unknown = await h.post('/v2/research/video/search/', BODY);
    const noSlash = await h.post('/v2/research/video/query', BODY);
    const get = await h.get('/v2/research/video/query/?fields=id');
    const tokenGet = await h.get('/v2/oauth/token/');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    expect(noSlash.json.error.message).toMatch(/Did you mean \/v2\/research\/video\/query\//);
    expect(get.status).toBe(405);
    expect(get.json.error.code).toBe('method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
    expect(tokenGet.status).toBe(405);
  });
});
