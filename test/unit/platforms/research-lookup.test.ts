import { ResearchApiClient, planLookupBatches, type VideoLookupBatch } from '../../../lib/platforms/tiktok';
import { apiError, fakeApi, ok, testOptions, videoId, videoItem, type RecordedRequest } from './fake-api';

const VIDEO_QUERY = '/v2/research/video/query/';
const DAY = 86_400;
const JAN_10 = Date.UTC(2024, 0, 10) / 1000;
const MAR_05 = Date.UTC(2024, 2, 5) / 1000;

/** Answers an IN query with the requested ids except `gone`, paged by `pageSize`. */
function lookupServer(gone: Set<string>, pageSize = 100) {
  let call = 0;
  return (request: RecordedRequest) => {
    call += 1;
    const body = request.json!;
    const condition = (body.query as { and: Array<{ field_values: string[] }> }).and[0]!;
    const alive = condition.field_values.filter((id) => !gone.has(id));
    const cursor = Number(body.cursor ?? 0);
    const slice = alive.slice(cursor, cursor + pageSize);
    return ok(
      { videos: slice.map((id) => videoItem(id)), cursor: cursor + slice.length, has_more: cursor + slice.length < alive.length, search_id: `s${call}` },
      `log-${call}`,
    );
  };
}

async function drain(generator: AsyncGenerator<VideoLookupBatch>): Promise<VideoLookupBatch[]> {
  const out: VideoLookupBatch[] = [];
  for await (const batch of generator) out.push(batch);
  return out;
}

describe('ResearchApiClient.lookupVideosByIds', () => {
  it('refreshes 250 ids over two creation windows with 3 requests (≈1 per 100 ids)', async () => {
    // Prepare: 150 videos created 10-19 Jan, 100 created 5-14 Mar
    const items = [
      ...Array.from({ length: 150 }, (_, i) => ({ id: videoId(i), createTime: JAN_10 + (i % 10) * DAY + 3600 })),
      ...Array.from({ length: 100 }, (_, i) => ({ id: videoId(1000 + i), createTime: MAR_05 + (i % 10) * DAY })),
    ];
    const gone = new Set([videoId(7), videoId(1042)]);
    const api = fakeApi({ [VIDEO_QUERY]: lookupServer(gone) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const batches = await drain(client.lookupVideosByIds(items, ['id', 'create_time', 'view_count']));
    // Assess
    const calls = api.calls(VIDEO_QUERY);
    expect(calls).toHaveLength(3);
    // Sorted by creation day (15 per day): the first 100 span 10-16 Jan, the other 50 16-19 Jan
    expect(calls.map((c) => [c.json!.start_date, c.json!.end_date])).toEqual([
      ['20240110', '20240116'],
      ['20240116', '20240119'],
      ['20240305', '20240314'],
    ]);
    const condition = (calls[0]!.json!.query as { and: unknown[] }).and[0];
    expect(condition).toMatchObject({ operation: 'IN', field_name: 'video_id' });
    // Ids inside IN conditions go as strings, exactly
    expect(calls[0]!.bodyText).toContain(`"field_values":["${items[0]!.id}","${items[10]!.id}"`);
    expect(batches.map((b) => b.requestedIds.length)).toEqual([100, 50, 100]);
    expect(batches.flatMap((b) => b.missingIds)).toEqual([videoId(7), videoId(1042)]);
    expect(batches.reduce((n, b) => n + b.found.length, 0)).toBe(248);
    expect(batches[2]!.found[0]!.raw.id).toBe(BigInt(videoId(1000)));
    expect(batches.map((b) => b.logId)).toEqual(['log-1', 'log-2', 'log-3']);
  });

  it('pages within a batch when the API returns has_more, without duplicates', async () => {
    // Prepare
    const items = Array.from({ length: 100 }, (_, i) => ({ id: videoId(i), createTime: JAN_10 }));
    const api = fakeApi({ [VIDEO_QUERY]: lookupServer(new Set(), 40) });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const [batch] = await drain(client.lookupVideosByIds(items));
    // Assess
    expect(api.calls(VIDEO_QUERY).map((c) => [c.json!.cursor, c.json!.search_id])).toEqual([
      [0, undefined],
      [40, 's1'],
      [80, 's2'],
    ]);
    expect(batch!.found).toHaveLength(100);
    expect(batch!.missingIds).toEqual([]);
    expect(batch!.logIds).toEqual(['log-1', 'log-2', 'log-3']);
  });

  it('propagates failures instead of reporting ids as missing', async () => {
    const api = fakeApi({ [VIDEO_QUERY]: () => apiError(400, 'invalid_params', 'bad') });
    const client = new ResearchApiClient(testOptions(api));
    await expect(drain(client.lookupVideosByIds([{ id: videoId(1), createTime: JAN_10 }]))).rejects.toMatchObject({ code: 'invalid_params' });
  });
});

describe('planLookupBatches', () => {
  it('packs ids greedily into ≤100-id batches spanning ≤30 inclusive days', () => {
    // Prepare: day 0, day 29 (fits the first window), day 30 (does not)
    const items = [
      { id: '3', createTime: JAN_10 + 30 * DAY },
      { id: '1', createTime: JAN_10 },
      { id: '2', createTime: JAN_10 + 29 * DAY + 86_399 },
      { id: '1', createTime: JAN_10 }, // duplicate
    ];
    // Act
    const batches = planLookupBatches(items);
    // Assess
    expect(batches).toEqual([
      { ids: ['1', '2'], window: { startDate: '20240110', endDate: '20240208' } },
      { ids: ['3'], window: { startDate: '20240209', endDate: '20240209' } },
    ]);
  });

  it('rejects ids that are not decimal strings and creation times in milliseconds', () => {
    expect(() => planLookupBatches([{ id: '12a', createTime: JAN_10 }])).toThrow(/items\[0\]\.id/);
    expect(() => planLookupBatches([{ id: '12', createTime: JAN_10 * 1000 }])).toThrow(/Unix seconds \(create_time\), not milliseconds/);
  });
});
