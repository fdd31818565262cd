import { eq, type Harness, pageAllVideos, START, startHarness } from './harness';

const FEB = { start_date: '20260201', end_date: '20260228' };
const FYP = { query: { and: [eq('hashtag_name', 'fyp')] }, ...FEB };
const ALL_FIELDS =
  'id,create_time,username,region_code,video_description,music_id,like_count,comment_count,share_count,view_count,effect_ids,hashtag_names,playlist_id,voice_to_text,is_stem_verified,favorites_count,video_duration,hashtag_info_list,sticker_info_list,effect_info_list,video_mention_list,video_label,video_tag';

describe('emulator: video query', () => {
  let h: Harness;
  const now = () => h.clock.now();
  beforeAll(async () => {
    h = await startHarness({ searchIdTtlSeconds: 600 });
  });
  afterAll(() => h.stop());

  it('sends 19-digit ids as bare JSON numbers that survive the wire digit for digit', async () => {
    // Act
    const r = await h.post(`/v2/research/video/query/?fields=id,music_id`, { ...FYP, max_count: 100 });
    // Assess
    const rawIds = [...r.text.matchAll(/"id":(\d+)/g)].map((m) => m[1]);
    expect(rawIds).toHaveLength(100);
    expect(rawIds).toEqual(h.emulator.world.matchVideos(FYP, now()).slice(0, 100));
    expect(rawIds.every((id) => /^\d{19}$/.test(id!))).toBe(true);
    expect(r.json.data.videos.map((v: { id: bigint }) => v.id.toString())).toEqual(rawIds);
    expect(String(JSON.parse(r.text).data.videos[0].id)).not.toBe(rawIds[0]); // what a lossy parse would have made of it
  });

  it('pages with cursor and search_id through exactly the matching videos, newest first', async () => {
    // Prepare
    const truth = h.emulator.world.matchVideos(FYP, now());
    // Act
    const paged = await pageAllVideos(h, FYP, 100);
    // Assess
    expect(truth.length).toBeGreaterThan(300);
    expect(paged.ids).toEqual(truth);
    expect(paged.pages).toBe(Math.ceil(truth.length / 100));
    expect(paged.searchIds.size).toBe(1);
    expect([...paged.searchIds][0]).toMatch(/^\d{19}$/);
  });

  it('treats a null or missing cursor and search_id as the first page, with 20 items by default', async () => {
    const withNulls = await h.post('/v2/research/video/query/?fields=id', { ...FYP, cursor: null, search_id: null });
    const without = await h.post('/v2/research/video/query/?fields=id', FYP);
    expect(withNulls.status).toBe(200);
    expect(withNulls.json.data.videos).toHaveLength(20);
    expect(withNulls.json.data.cursor).toBe(20);
    expect(withNulls.json.data.has_more).toBe(true);
    expect(without.json.data.videos).toEqual(withNulls.json.data.videos);
    expect(without.json.data.search_id).not.toBe(withNulls.json.data.search_id);
  });

  it('expires a search_id after its TTL of emulator time', async () => {
    // Prepare
    const first = await h.post('/v2/research/video/query/?fields=id', { ...FYP, max_count: 10 });
    const next = { ...FYP, max_count: 10, cursor: first.json.data.cursor, search_id: first.json.data.search_id };
    // Act
    h.advance(599);
    const inTime = await h.post('/v2/research/video/query/?fields=id', next);
    h.advance(1);
    const late = await h.post('/v2/research/video/query/?fields=id', next);
    // Assess
    expect(inTime.status).toBe(200);
    expect(late.status).toBe(400);
    expect(late.json.error).toMatchObject({ code: 'invalid_params', message: `Search Id ${first.json.data.search_id} is invalid or expired` });
  });

  it('refuses an unknown search_id and a cursor past the end', async () => {
    const unknown = await h.post('/v2/research/video/query/?fields=id', { ...FYP, cursor: 10, search_id: '7354367454467855403' });
    const first = await h.post('/v2/research/video/query/?fields=id', { ...FYP, max_count: 10 });
    const total = h.emulator.world.matchVideos(FYP, now()).length;
    const past = await h.post('/v2/research/video/query/?fields=id', { ...FYP, cursor: total + 1, search_id: first.json.data.search_id });
    const atEnd = await h.post('/v2/research/video/query/?fields=id', { ...FYP, cursor: total, search_id: first.json.data.search_id });
    expect(unknown.json.error.message).toBe('Search Id 7354367454467855403 is invalid or expired');
    expect(past.status).toBe(400);
    expect(past.json.error.message).toBe('Invalid count or cursor');
    expect(atEnd.json.data).toMatchObject({ videos: [], has_more: false, cursor: total });
  });

  it.each([
    ['a window of 31 days', { ...FYP, start_date: '20260101', end_date: '20260201' }, /no more than 30 days after start_date/],
    ['an end before the start', { ...FYP, start_date: '20260210', end_date: '20260209' }, /must not be before start_date/],
    ['no start_date', { query: FYP.query, end_date: '20260209' }, /start_date is required/],
    ['no query', FEB, /query is required/],
    ['a bad operation', { ...FEB, query: { and: [{ operation: 'NE', field_name: 'region_code', field_values: ['US'] }] } }, /query\.and\[0\]\.operation "NE" is not supported/],
    ['max_count above 100', { ...FYP, max_count: 101 }, /max_count must be a whole number from 1 to 100/],
    ['max_count 0', { ...FYP, max_count: 0 }, /max_count/],
    ['a negative cursor', { ...FYP, cursor: -1 }, /Invalid count or cursor/],
    ['is_random as a string', { ...FYP, is_random: 'yes' }, /is_random must be true or false/],
  ])('refuses %s with 400 invalid_params', async (_name, body, message) => {
    const r = await h.post('/v2/research/video/query/?fields=id', body);
    expect(r.status).toBe(400);
    expect(r.json.data).toEqual({});
    expect(r.json.error.code).toBe('invalid_params');
    expect(r.json.error.message).toMatch(message);
    expect(r.json.error.log_id).toMatch(/^20260301\d{6}[0-9A-F]{20}$/);
  });

  it('accepts a full 30-day window (end = start + 30 days)', async () => {
    const r = await h.post('/v2/research/video/query/?fields=id', { ...FYP, start_date: '20260101', end_date: '20260131' });
    expect(r.status).toBe(200);
  });

  it('returns only the requested fields, tolerating spaces and encoded commas in the list', async () => {
    const spaced = await h.post('/v2/research/video/query/?fields=id, username,  view_count', { ...FYP, max_count: 5 });
    const encoded = await h.post('/v2/research/video/query/?fields=id%2Cregion_code', { ...FYP, max_count: 5 });
    const british = await h.post('/v2/research/video/query/?fields=id,favourites_count', { ...FYP, max_count: 5 });
    for (const video of spaced.json.data.videos) expect(Object.keys(video).sort()).toEqual(['id', 'username', 'view_count']);
    for (const video of encoded.json.data.videos) expect(Object.keys(video).sort()).toEqual(['id', 'region_code']);
    for (const video of british.json.data.videos) expect(Object.keys(video).sort()).toEqual(['favorites_count', 'id']);
  });

  it('renders every documented field when asked, consistent with the world', async () => {
    const r = await h.post(`/v2/research/video/query/?fields=${ALL_FIELDS}`, { ...FYP, max_count: 50 });
    expect(r.status).toBe(200);
    for (const video of r.json.data.videos) expect(video).toEqual(h.emulator.world.video(video.id, now()));
  });

  it('names an unknown field, and wants fields at all', async () => {
    const unknown = await h.post('/v2/research/video/query/?fields=id,video_id,title', FYP);
    const missing = await h.post('/v2/research/video/query/', FYP);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/invalid field names "video_id", "title"/);
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/fields is required/);
  });

  it('reads the JSON body whatever Content-Type says', async () => {
    const r = await h.post('/v2/research/video/query/?fields=id', { ...FYP, max_count: 3 }, { headers: { 'Content-Type': 'text/plain' } });
    expect(r.status).toBe(200);
    expect(r.json.data.videos).toHaveLength(3);
    const broken = await h.post('/v2/research/video/query/?fields=id', undefined, { rawBody: '{"query": ' });
    expect(broken.status).toBe(400);
    expect(broken.json.error.message).toMatch(/not valid JSON/);
  });

  it('looks up 100 ids at once with an IN condition; deleted and private videos are simply absent', async () => {
    // Prepare: 100 ids from February, some of them gone by now.
    const world = h.emulator.world;
    const february = world.listVideos().filter((v) => v.createTime >= new Date('2026-02-01') && v.createTime < new Date('2026-03-01'));
    const gone = february.filter((v) => !world.videoExists(v.id, now())).slice(0, 10);
    const alive = february.filter((v) => world.videoExists(v.id, now())).slice(0, 90);
    const ids = [...gone, ...alive].map((v) => v.id);
    expect(gone.length).toBeGreaterThan(0);
    // Act
    const r = await h.post('/v2/research/video/query/?fields=id', { query: { and: [{ operation: 'IN', field_name: 'video_id', field_values: ids }] }, ...FEB, max_count: 100 });
    // Assess
    const returned = r.json.data.videos.map((v: { id: bigint }) => v.id.toString()).sort();
    expect(returned).toEqual(alive.map((v) => v.id).sort());
    expect(r.json.data.has_more).toBe(false);
  });

  it('samples matching videos at random with is_random', async () => {
    const truth = new Set(h.emulator.world.matchVideos(FYP, now()));
    const a = await h.post('/v2/research/video/query/?fields=id', { ...FYP, is_random: true, max_count: 30 });
    const b = await h.post('/v2/research/video/query/?fields=id', { ...FYP, is_random: true, max_count: 30 });
    const ids = (r: typeof a) => r.json.data.videos.map((v: { id: bigint }) => v.id.toString());
    expect(ids(a)).toHaveLength(30);
    expect(ids(a).every((id: string) => truth.has(id))).toBe(true);
    expect(new Set(ids(a)).size).toBe(30);
    expect(ids(a)).not.toEqual(ids(b));
    expect(ids(a)).not.toEqual([...truth].slice(0, 30));
    expect(a.json.data.has_more).toBe(false);
  });

  it('skips a video deleted between two pages, but moves the cursor past its slot', async () => {
    // Prepare: a February video that is deleted a minute after some instant, and is not the newest of its author.
    const world = h.emulator.world;
    const videos = new Map(world.listVideos().map((v) => [v.id, v]));
    const query = (username: string) => ({ query: { and: [eq('username', username)] }, start_date: '20260201', end_date: '20260228' });
    const doomed = world.changes().find((c) => {
      const video = videos.get(c.id);
      if (c.kind !== 'video' || !video || c.at <= now() || video.createTime >= new Date('2026-02-28')) return false;
      return world.matchVideos(query(video.username), new Date(c.at.getTime() - 60_000)).indexOf(c.id) >= 1;
    })!;
    const body = query(videos.get(doomed.id)!.username);
    h.clock.set(new Date(doomed.at.getTime() - 60_000));
    const truth = world.matchVideos(body, h.clock.now());
    const position = truth.indexOf(doomed.id);
    // Act: the first page ends just before the doomed video; it is deleted; the next page starts at its slot.
    const first = await h.post('/v2/research/video/query/?fields=id', { ...body, max_count: position });
    h.advance(60);
    const rest = await h.post('/v2/research/video/query/?fields=id', { ...body, max_count: 100, cursor: first.json.data.cursor, search_id: first.json.data.search_id });
    // Assess
    const seen = [...first.json.data.videos, ...rest.json.data.videos].map((v: { id: bigint }) => v.id.toString());
    expect(first.json.data.cursor).toBe(position);
    expect(seen).toEqual(truth.filter((id) => id !== doomed.id));
    expect(rest.json.data.cursor).toBe(truth.length);
    h.clock.set(new Date(START));
  });

  it('shows a video only once its create_time has passed', async () => {
    const today = { query: { and: [eq('hashtag_name', 'fyp')] }, start_date: '20260301', end_date: '20260302' };
    const before = await pageAllVideos(h, today);
    h.advance(6 * 3600);
    const after = await pageAllVideos(h, today);
    expect(after.ids.length).toBeGreaterThan(before.ids.length);
    expect(after.ids).toEqual(h.emulator.world.matchVideos(today, h.clock.now()));
    h.clock.set(new Date(START));
  });
});
