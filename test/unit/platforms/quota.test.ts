import { ManualClock } from '../../../lib/domain/clock';
import { QuotaTracker, ResearchApiClient, nextUtcMidnight } from '../../../lib/platforms/tiktok';
import { apiError, fakeApi, ok, testOptions, videoId, videoItem } from './fake-api';

const VIDEO_QUERY = '/v2/research/video/query/';
const FOLLOWERS = '/v2/research/user/followers/';

describe('quota accounting', () => {
  it('counts requests (failed ones that reached the server too) and returned records per bucket', async () => {
    // Prepare
    const api = fakeApi({
      [VIDEO_QUERY]: (_r, i) =>
        i === 0 ? apiError(500, 'internal_error') : ok({ videos: [videoItem(videoId(1)), videoItem(videoId(2)), videoItem(videoId(3))], has_more: false, cursor: 3, search_id: 's' }),
      [FOLLOWERS]: () => ok({ user_followers: [{ username: 'a' }, { username: 'b' }], has_more: false, cursor: 1 }),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    for await (const _page of client.queryVideos({ query: { and: [{ operation: 'EQ', field_name: 'keyword', field_values: ['x'] }] }, startDate: '20240101', endDate: '20240102' })) {
      // drain
    }
    for await (const _page of client.followers('someone')) {
      // drain
    }
    // Assess: token requests are not research requests
    expect(client.quota()).toEqual({ day: '2024-04-05', requests: 2, records: 3, socialRequests: 1, socialRecords: 2 });
  });

  it('resets when the UTC day changes', async () => {
    // Prepare
    const clock = new ManualClock('2024-04-05T23:59:59.000Z');
    const api = fakeApi({ '/v2/research/user/info/': () => ok({ display_name: 'A' }) });
    const client = new ResearchApiClient(testOptions(api, { clock }));
    await client.userInfo('a', ['display_name']);
    const before = client.quota();
    // Act
    clock.advance(1_000);
    const afterMidnight = client.quota();
    await client.userInfo('a', ['display_name']);
    // Assess
    expect(before).toEqual({ day: '2024-04-05', requests: 1, records: 1, socialRequests: 0, socialRecords: 0 });
    expect(afterMidnight).toEqual({ day: '2024-04-06', requests: 0, records: 0, socialRequests: 0, socialRecords: 0 });
    expect(client.quota()).toEqual({ day: '2024-04-06', requests: 1, records: 1, socialRequests: 0, socialRecords: 0 });
  });

  it('continues from seeded counts of the same day and ignores a seed from another day', () => {
    // Prepare
    const clock = new ManualClock('2024-04-05T12:00:00.000Z');
    const seed = { day: '2024-04-05', requests: 412, records: 40_100, socialRequests: 7, socialRecords: 700 };
    // Act
    const sameDay = new QuotaTracker(clock, seed);
    sameDay.countRequest('general');
    sameDay.countRecords('general', 100);
    sameDay.countRequest('social');
    const stale = new QuotaTracker(clock, { ...seed, day: '2024-04-04' });
    // Assess
    expect(sameDay.snapshot()).toEqual({ day: '2024-04-05', requests: 413, records: 40_200, socialRequests: 8, socialRecords: 700 });
    expect(stale.snapshot()).toEqual({ day: '2024-04-05', requests: 0, records: 0, socialRequests: 0, socialRecords: 0 });
    expect(() => new QuotaTracker(clock, { ...seed, requests: -1 })).toThrow();
  });

  it('computes the next UTC midnight', () => {
    expect(nextUtcMidnight(new Date('2024-02-28T23:59:59.999Z')).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2024-02-29T00:00:00.000Z')).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });
});
