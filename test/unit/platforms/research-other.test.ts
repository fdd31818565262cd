import {
  ResearchApiClient,
  TikTokResponseShapeError,
  TikTokValidationTaskError,
  isUserNotFound,
  type CommentPage,
} from '../../../lib/platforms/tiktok';
import { wireIdSchema } from '../../../lib/platforms/tiktok/schemas';
import { apiError, fakeApi, ok, testOptions, videoId, videoItem } from './fake-api';

async function all<T>(generator: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of generator) out.push(item);
  return out;
}

describe('ResearchApiClient users', () => {
  it('returns user info typed and raw', async () => {
    // Prepare
    const api = fakeApi({ '/v2/research/user/info/': () => ok({ display_name: 'Example', follower_count: 232, is_verified: false, extra: 1 }, 'L1') });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const { user, logId } = await client.userInfo('example_user', ['display_name', 'follower_count', 'is_verified']);
    // Assess
    expect(user).toMatchObject({ username: 'example_user', displayName: 'Example', followerCount: 232, isVerified: false, bioUrl: undefined });
    expect(user.raw).toEqual({ display_name: 'Example', follower_count: 232, is_verified: false, extra: 1 });
    expect(logId).toBe('L1');
  });

  it('lets callers recognise an unknown user', async () => {
    const api = fakeApi({ '/v2/research/user/info/': () => apiError(400, 'invalid_params', 'ghost is invalid: cannot find the user') });
    const error = await new ResearchApiClient(testOptions(api)).userInfo('ghost', ['display_name']).catch((e: unknown) => e);
    expect(isUserNotFound(error)).toBe(true);
  });

  it('pages followers by time cursor, omitting the cursor on the first page, billed to the social quota', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/research/user/followers/': (_r, i) =>
        i === 0
          ? ok({ user_followers: [{ username: 'a_fan', display_name: 'A Fan' }], cursor: 1_706_830_000, has_more: true })
          : ok({ user_followers: [{ username: 'b_fan' }], cursor: 1_706_000_000, has_more: false }),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const pages = await all(client.followers('example_user', { maxCount: 50 }));
    // Assess
    expect(api.calls('/v2/research/user/followers/').map((c) => c.json)).toEqual([
      { username: 'example_user', max_count: 50 },
      { username: 'example_user', max_count: 50, cursor: 1_706_830_000 },
    ]);
    expect(api.calls('/v2/research/user/followers/')[0]!.fields).toBeUndefined();
    expect(pages.flatMap((p) => p.users.map((u) => [u.username, u.displayName]))).toEqual([
      ['a_fan', 'A Fan'],
      ['b_fan', undefined],
    ]);
    expect(client.quota()).toMatchObject({ requests: 0, socialRequests: 2, socialRecords: 2 });
  });

  it('reads following from user_following', async () => {
    const api = fakeApi({ '/v2/research/user/following/': () => ok({ user_following: [{ username: 'x' }], has_more: false }) });
    const [page] = await all(new ResearchApiClient(testOptions(api)).following('u'));
    expect(page!.users[0]!.username).toBe('x');
  });

  it('reads reposted videos under reposted_videos or user_reposted_videos', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/research/user/reposted_videos/': (_r, i) =>
        i === 0
          ? ok({ reposted_videos: [videoItem(videoId(1))], cursor: 1, has_more: true })
          : ok({ user_reposted_videos: [videoItem(videoId(2))], cursor: 2, has_more: false }),
    });
    // Act
    const pages = await all(new ResearchApiClient(testOptions(api)).repostedVideos('u', { fields: ['create_time'] }));
    // Assess
    expect(pages.flatMap((p) => p.videos.map((v) => v.id))).toEqual([videoId(1), videoId(2)]);
    expect(api.calls('/v2/research/user/reposted_videos/')[0]!.fields).toBe('id,create_time');
  });

  it('returns pinned videos and liked videos', async () => {
    const api = fakeApi({
      '/v2/research/user/pinned_videos/': () => ok({ pinned_videos_list: [videoItem(videoId(3))] }),
      '/v2/research/user/liked_videos/': () => ok({ user_liked_videos: [videoItem(videoId(4))], has_more: false, cursor: 1_700_000_000 }),
    });
    const client = new ResearchApiClient(testOptions(api));
    const pinned = await client.pinnedVideos('u');
    const liked = await all(client.likedVideos('u'));
    expect(pinned.videos.map((v) => v.id)).toEqual([videoId(3)]);
    expect(liked[0]!.videos.map((v) => v.id)).toEqual([videoId(4)]);
  });
});

describe('ResearchApiClient.videoComments', () => {
  it('sends video_id as a bare JSON integer and pages by index cursor', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/research/video/comment/list/': (_r, i) =>
        ok({
          comments: [{ id: 7320800000000000001n + BigInt(i), text: 'nice', parent_comment_id: 7320768196569599275n, create_time: 1_704_500_000 }],
          cursor: (i + 1) * 100,
          has_more: i === 0,
        }),
    });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const pages: CommentPage[] = await all(client.videoComments({ videoId: '7320768196569599275' }, { fields: ['text', 'parent_comment_id'] }));
    // Assess
    const calls = api.calls('/v2/research/video/comment/list/');
    expect(calls[0]!.bodyText).toBe('{"video_id":7320768196569599275,"max_count":100,"cursor":0}');
    expect(calls[1]!.json).toMatchObject({ cursor: 100 });
    expect(calls[0]!.fields).toBe('id,text,parent_comment_id');
    expect(pages.flatMap((p) => p.comments.map((c) => [c.id, c.parentCommentId]))).toEqual([
      ['7320800000000000001', '7320768196569599275'],
      ['7320800000000000002', '7320768196569599275'],
    ]);
    expect(pages[0]!.comments[0]!.raw.parent_comment_id).toBe(7320768196569599275n);
  });

  it('lists replies with comment_id', async () => {
    const api = fakeApi({ '/v2/research/video/comment/list/': () => ok({ comments: [], has_more: false }) });
    await all(new ResearchApiClient(testOptions(api)).videoComments({ commentId: '7320800000000000001' }, { maxCount: 10 }));
    expect(api.calls('/v2/research/video/comment/list/')[0]!.bodyText).toBe('{"comment_id":7320800000000000001,"max_count":10,"cursor":0}');
  });

  it('reports a comment without id as a shape error with its path', async () => {
    const api = fakeApi({ '/v2/research/video/comment/list/': () => ok({ comments: [{ id: 1 }, { text: 'no id' }], has_more: false }) });
    const error = await all(new ResearchApiClient(testOptions(api)).videoComments({ videoId: '1' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokResponseShapeError);
    expect((error as TikTokResponseShapeError).problems).toEqual(['data.comments[1].id: required id is missing']);
  });
});

describe('id schema', () => {
  it('turns bigint, safe numbers and digit strings into decimal strings and refuses lossy numbers', () => {
    expect(wireIdSchema.parse(7320800000000000001n)).toBe('7320800000000000001');
    expect(wireIdSchema.parse(42)).toBe('42');
    expect(wireIdSchema.parse('7320800000000000001')).toBe('7320800000000000001');
    // What JSON.parse would have produced: the neighbouring id. Refused rather than stored wrong.
    const lossy = wireIdSchema.safeParse(JSON.parse('7320800000000000001'));
    expect(lossy.success).toBe(false);
    expect(lossy.error?.issues[0]?.message).toMatch(/is not an exact integer/);
    expect(wireIdSchema.safeParse('12a').success).toBe(false);
  });
});

describe('ResearchApiClient.playlistInfo', () => {
  it('returns the playlist and its video ids page by page', async () => {
    const api = fakeApi({
      '/v2/research/playlist/info/': (_r, i) =>
        ok({ playlist_id: 7145179763387255595n, playlist_name: 'recipes', playlist_item_total: 2, playlist_video_ids: [BigInt(videoId(i))], cursor: i + 1, has_more: i === 0 }),
    });
    const pages = await all(new ResearchApiClient(testOptions(api)).playlistInfo('7145179763387255595', { maxCount: 1 }));
    expect(pages.map((p) => p.videoIds[0])).toEqual([videoId(0), videoId(1)]);
    expect(pages[0]!.playlist).toMatchObject({ playlistId: '7145179763387255595', playlistName: 'recipes', playlistItemTotal: 2 });
    expect(api.calls('/v2/research/playlist/info/')[1]!.bodyText).toBe('{"playlist_id":7145179763387255595,"max_count":1,"cursor":1}');
  });
});

describe('ResearchApiClient batch compliance', () => {
  const CREATE = '/v2/research/validation_task/create/';
  const STATUS = '/v2/research/validation_task_status/get/';
  const DOWNLOAD = '/v2/research/validation_task/download/';

  it('creates a task with a multipart file_data text file, one id per line, and a category', async () => {
    // Prepare
    const api = fakeApi({ [CREATE]: () => ok({ task_id: 12345678910987654321n }, 'LC') });
    const client = new ResearchApiClient(testOptions(api));
    // Act
    const task = await client.createValidationTask([videoId(1), videoId(2)], 'video');
    // Assess
    const [call] = api.calls(CREATE);
    expect(task).toEqual({ taskId: '12345678910987654321', logId: 'LC' });
    expect(call!.form).toBeInstanceOf(FormData);
    expect(call!.headers['content-type']).toBeUndefined(); // fetch adds multipart/form-data; boundary=...
    const file = call!.form!.get('file_data') as File;
    expect(file.name).toBe('ids.txt');
    expect(await file.text()).toBe(`${videoId(1)}\n${videoId(2)}\n`);
    expect(call!.form!.get('category')).toBe('video');
  });

  it('refuses more than 10,000 ids per task', async () => {
    const api = fakeApi({});
    const ids = Array.from({ length: 10_001 }, (_, i) => String(i + 1));
    await expect(new ResearchApiClient(testOptions(api)).createValidationTask(ids, 'video')).rejects.toThrow(/10000 per task/);
  });

  it('reads the downloaded text list as digit strings without JSON parsing', async () => {
    const api = fakeApi({ [DOWNLOAD]: () => new Response(`${videoId(1)}\r\n${videoId(2)}\n\n`, { status: 200, headers: { 'content-type': 'text/plain' } }) });
    const valid = await new ResearchApiClient(testOptions(api)).downloadValidationTask('12345678910987654321');
    expect([...valid]).toEqual([videoId(1), videoId(2)]);
    expect(api.calls(DOWNLOAD)[0]!.bodyText).toBe('{"task_id":12345678910987654321}');
  });

  it('runs the whole existence check: 25,000 ids -> 3 tasks, polls until Completed, reports missing ids', async () => {
    // Prepare
    const ids = Array.from({ length: 25_000 }, (_, i) => String(7_000_000_000_000_000_000n + BigInt(i)));
    const gone = new Set([ids[0], ids[10_000], ids[24_999]]);
    const uploaded = new Map<string, string[]>();
    const polls = new Map<string, number>();
    const sleeps: number[] = [];
    const api = fakeApi({
      [CREATE]: async (request) => {
        const taskId = String(100 + uploaded.size);
        uploaded.set(taskId, (await (request.form!.get('file_data') as File).text()).trim().split('\n'));
        return ok({ task_id: BigInt(taskId) });
      },
      [STATUS]: (request) => {
        const taskId = String(request.json!.task_id);
        const n = (polls.get(taskId) ?? 0) + 1;
        polls.set(taskId, n);
        return ok({ task_status: n < 2 ? 'Processing' : 'Completed' });
      },
      [DOWNLOAD]: (request) => new Response(uploaded.get(String(request.json!.task_id))!.filter((id) => !gone.has(id)).join('\n')),
    });
    const client = new ResearchApiClient(testOptions(api, { sleeps }));
    // Act
    const result = await client.checkExistence(ids, 'video', { pollIntervalMs: 1000 });
    // Assess
    expect([...uploaded.values()].map((chunk) => chunk.length)).toEqual([10_000, 10_000, 5_000]);
    expect(result.missingIds).toEqual([ids[0], ids[10_000], ids[24_999]]);
    expect(result.validIds.size).toBe(24_997);
    expect(result.tasks.map((t) => [t.taskId, t.idCount])).toEqual([
      ['100', 10_000],
      ['101', 10_000],
      ['102', 5_000],
    ]);
    expect(api.dataCalls()).toHaveLength(3 + 6 + 3); // create, 2 polls each, download
    expect(sleeps).toEqual(Array(6).fill(1000));
  });

  it('throws TikTokValidationTaskError when a task fails or never completes', async () => {
    // Prepare
    const failing = fakeApi({ [CREATE]: () => ok({ task_id: 7 }), [STATUS]: () => ok({ task_status: 'Failed' }) });
    const slow = fakeApi({ [CREATE]: () => ok({ task_id: 8 }), [STATUS]: () => ok({ task_status: 'Processing' }) });
    // Act
    const failed = await new ResearchApiClient(testOptions(failing)).checkExistence(['1'], 'comment').catch((e: unknown) => e);
    const timedOut = await new ResearchApiClient(testOptions(slow)).checkExistence(['1'], 'comment', { maxPolls: 3 }).catch((e: unknown) => e);
    // Assess
    expect(failed).toBeInstanceOf(TikTokValidationTaskError);
    expect(failed).toMatchObject({ taskId: '7', lastStatus: 'Failed' });
    expect(timedOut).toMatchObject({ taskId: '8', lastStatus: 'Processing' });
    expect(slow.calls(STATUS)).toHaveLength(3);
  });
});
