import {
  ResearchApiClient,
  TikTokApiError,
  TikTokPaginationError,
  TikTokRequestValidationError,
  TikTokResponseShapeError,
  type VideoPage,
  type VideoQuery,
  type VideoQueryState,
} from '../../../lib/platforms/tiktok';
import { apiError, fakeApi, ok, testOptions, videoId, videoItem, type RecordedRequest } from './fake-api';

const VIDEO_QUERY = '/v2/research/video/query/';
const QUERY: VideoQuery = { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] };

/**
 * A result-set server: per start_date a list of ids in descending order, paged by an index cursor that
 * advances by max_count. Ids in `hidden` are in the result set but filtered out of responses (deleted or
 * private videos), which makes pages short, as the real API does. `expireOn` answers the chosen call
 * numbers (0-based) with the "Search Id ... is invalid or expired" error.
 */
function resultSetServer(idsByStart: Record<string, string[]>, opts: { hidden?: Set<string>; expireOn?: Set<number>; expiryMessage?: string } = {}) {
  let call = 0;
  return (request: RecordedRequest) => {
    const index = call;
    call += 1;
    const body = request.json!;
    if (opts.expireOn?.has(index)) {
      return apiError(400, 'invalid_params', opts.expiryMessage ?? `Search Id ${String(body.search_id)} is invalid or expired`);
    }
    const ids = idsByStart[body.start_date as string] ?? [];
    const cursor = Number(body.cursor ?? 0);
    const next = Math.min(cursor + Number(body.max_count), ids.length);
    const visible = ids.slice(cursor, next).filter((id) => !opts.hidden?.has(id));
    return ok(
      { videos: visible.map((id) => videoItem(id)), cursor: next, has_more: next < ids.length, search_id: `search-${body.start_date as string}-${index}` },
      `log-${index}`,
    );
  };
}

async function drain(generator: AsyncGenerator<VideoPage>, limit = Infinity): Promise<VideoPage[]> {
  const pages: VideoPage[] = [];
  for await (const page of generator) {
    pages.push(page);
    if (pages.length >= limit) break;
  }
  return pages;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => videoId(from + i));
const idsOf = (pages: VideoPage[]) => pages.flatMap((p) => p.videos.map((v) => v.id));

describe('ResearchApiClient.queryVideos', () => {
  it('pages through every window, following cursor and search_id, and keeps 19-digit ids exact', async () => {
    // Prepare: 45 days -> windows starting 20240101 and 20240131
    const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': range(0, 150), '20240131': range(1000, 30) }) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const pages = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240214', fields: ['create_time', 'username'] }));
    // Assess
    const bodies = api.calls(VIDEO_QUERY).map((c) => c.json!);
    expect(bodies.map((b) => [b.start_date, b.end_date, b.cursor, b.search_id, b.max_count])).toEqual([
      ['20240101', '20240130', 0, undefined, 100],
      ['20240101', '20240130', 100, 'search-20240101-0', 100],
      ['20240131', '20240214', 0, undefined, 100],
    ]);
    expect(bodies[0]!.query).toEqual(QUERY);
    expect(api.calls(VIDEO_QUERY)[0]!.fields).toBe('id,create_time,username');
    expect(idsOf(pages)).toEqual([...range(0, 150), ...range(1000, 30)]);
    expect(idsOf(pages)[0]).toBe('7320768196569599275');
    expect(pages[0]!.videos[0]!.raw.id).toBe(7320768196569599275n);
    expect(pages[0]!.videos[0]!.createTime).toBe(1_704_499_196);
    expect(pages.map((p) => [p.windowIndex, p.windowCount, p.logId])).toEqual([
      [0, 2, 'log-0'],
      [0, 2, 'log-1'],
      [1, 2, 'log-2'],
    ]);
    expect(pages.at(-1)!.state).toMatchObject({ done: true, windowIndex: 2 });
  });

  it('keeps paging through short and even empty pages while has_more is true', async () => {
    // Prepare: ids 0-99 are all hidden (an empty first page), a few later ones too
    const all = range(0, 250);
    const hidden = new Set([...range(0, 100), videoId(120), videoId(121), videoId(249)]);
    const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': all }, { hidden }) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const pages = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }));
    // Assess
    expect(pages.map((p) => p.videos.length)).toEqual([0, 98, 49]);
    expect(idsOf(pages)).toEqual(all.filter((id) => !hidden.has(id)));
    expect(pages[0]!.state).toMatchObject({ cursor: 100, done: false });
  });

  it('resumes from a persisted state with cursor and search_id', async () => {
    // Prepare: a first run stores one page and its state, then "crashes"
    const ids = range(0, 250);
    const firstApi = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240301': ids }) });
    const params = { query: QUERY, startDate: '20240301', endDate: '20240310' };
    const [firstPage] = await drain(new ResearchApiClient(testOptions(firstApi)).queryVideos(params), 1);
    const persisted = JSON.parse(JSON.stringify(firstPage!.state)) as VideoQueryState;
    const secondApi = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240301': ids }) });
    // Act
    const rest = await drain(new ResearchApiClient(testOptions(secondApi)).queryVideos(params, persisted));
    // Assess
    expect(persisted).toEqual({
      version: 1,
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      windowIndex: 0,
      cursor: 100,
      searchId: 'search-20240301-0',
      minYieldedId: videoId(99),
      done: false,
    });
    expect(secondApi.calls(VIDEO_QUERY)[0]!.json).toMatchObject({ cursor: 100, search_id: 'search-20240301-0' });
    expect([...idsOf([firstPage!]), ...idsOf(rest)]).toEqual(ids);
  });

  it('restarts the window after an expired search_id without yielding any video twice or losing one', async () => {
    // Prepare: the third call (cursor 200 with search_id) finds the result set gone
    const ids = range(0, 350);
    const sleeps: number[] = [];
    const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': ids }, { expireOn: new Set([2]) }) });
    const client = new ResearchApiClient(testOptions(api, { sleeps }));
    // Act
    const pages = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240105' }));
    // Assess
    const bodies = api.calls(VIDEO_QUERY).map((c) => [c.json!.cursor, c.json!.search_id]);
    expect(bodies).toEqual([
      [0, undefined],
      [100, 'search-20240101-0'],
      [200, 'search-20240101-1'], // expired
      [0, undefined], // restart: no search_id
      [100, 'search-20240101-3'],
      [200, 'search-20240101-4'],
      [300, 'search-20240101-5'],
    ]);
    const yielded = idsOf(pages);
    expect(yielded).toEqual(ids);
    expect(new Set(yielded).size).toBe(350);
    expect(pages.map((p) => [p.skipped, p.restarted])).toEqual([
      [0, false],
      [0, false],
      [100, true],
      [100, false],
      [0, false],
      [0, false],
    ]);
    expect(sleeps).toEqual([250]); // one backoff pause before the restart
  });

  it('recovers the same way when resuming a stale state days later ("Invalid count or cursor")', async () => {
    // Prepare
    const ids = range(0, 180);
    const stale: VideoQueryState = await (async () => {
      const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': ids }) });
      const [page] = await drain(new ResearchApiClient(testOptions(api)).queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }), 1);
      return page!.state;
    })();
    const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': ids }, { expireOn: new Set([0]), expiryMessage: 'Invalid count or cursor' }) });
    // Act
    const pages = await drain(new ResearchApiClient(testOptions(api)).queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }, stale));
    // Assess
    expect(idsOf(pages)).toEqual(ids.slice(100));
  });

  it('gives up after maxSearchRestarts consecutive expiries', async () => {
    // Prepare
    const api = fakeApi({ [VIDEO_QUERY]: () => apiError(400, 'invalid_params', 'Search Id 1 is invalid or expired') });
    const client = new ResearchApiClient({ ...testOptions(api), maxSearchRestarts: 2 });
    // Act
    const error = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' })).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(api.calls(VIDEO_QUERY)).toHaveLength(3);
  });

  it('does not retry other invalid_params errors', async () => {
    const api = fakeApi({ [VIDEO_QUERY]: () => apiError(400, 'invalid_params', 'end_date must be within 30 days') });
    const client = new ResearchApiClient(testOptions(api));
    await expect(drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }))).rejects.toMatchObject({ code: 'invalid_params' });
    expect(api.calls(VIDEO_QUERY)).toHaveLength(1);
  });

  it('fails with TikTokPaginationError when has_more is true but the cursor does not move', async () => {
    const api = fakeApi({ [VIDEO_QUERY]: () => ok({ videos: [], cursor: 0, has_more: true, search_id: 's' }) });
    const client = new ResearchApiClient(testOptions(api));
    await expect(drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }))).rejects.toThrow(TikTokPaginationError);
  });

  it('sends is_random without cursor or search_id and asks once per window', async () => {
    // Prepare
    const api = fakeApi({ [VIDEO_QUERY]: () => ok({ videos: [videoItem(videoId(5)), videoItem(videoId(9))], has_more: true, cursor: 2, search_id: 's' }) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const pages = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240215', isRandom: true, maxCount: 10 }));
    // Assess
    const bodies = api.calls(VIDEO_QUERY).map((c) => c.json!);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toEqual({ query: QUERY, start_date: '20240101', end_date: '20240130', max_count: 10, is_random: true });
    expect(pages.map((p) => p.videos.length)).toEqual([2, 2]);
  });

  it('rejects a resume state from another query, and invalid parameters before any request', async () => {
    // Prepare
    const api = fakeApi({ [VIDEO_QUERY]: resultSetServer({ '20240101': range(0, 150) }) });
    const client = new ResearchApiClient(testOptions(api));
    const [page] = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }), 1);
    // Act / Assess
    await expect(drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240102' }, page!.state))).rejects.toThrow(/different video query/);
    await expect(drain(client.queryVideos({ query: { and: [] }, startDate: '20240101', endDate: '20240102' }))).rejects.toThrow(TikTokRequestValidationError);
    await expect(drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240102', maxCount: 101 }))).rejects.toThrow(/1 to 100/);
    expect(api.calls(VIDEO_QUERY)).toHaveLength(1);
  });

  it('reports a missing id as a shape error naming the endpoint and the item path, and tolerates absent fields', async () => {
    // Prepare
    const api = fakeApi({
      [VIDEO_QUERY]: () =>
        ok({ videos: [{ id: 7320768196569599275n }, { create_time: 1, like_count: 3 }, { video_id: '7320768196569599000', new_field: 'x' }], has_more: false }, 'LOG-SHAPE'),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const error = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' })).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokResponseShapeError);
    expect((error as TikTokResponseShapeError).problems).toEqual(['data.videos[1].id: required id is missing']);
    expect((error as Error).message).toContain('/v2/research/video/query/');
    expect((error as Error).message).toContain('LOG-SHAPE');
  });

  it('accepts the doc example spelling video_id and keeps unknown fields in raw', async () => {
    const api = fakeApi({ [VIDEO_QUERY]: () => ok({ videos: [{ video_id: 7320768196569599275n, like_count: 12, future_field: { a: 1 } }], has_more: false }) });
    const client = new ResearchApiClient(testOptions(api));
    const [page] = await drain(client.queryVideos({ query: QUERY, startDate: '20240101', endDate: '20240101' }));
    expect(page!.videos[0]).toMatchObject({ id: '7320768196569599275', likeCount: 12, viewCount: undefined, raw: { future_field: { a: 1 } } });
  });
});
