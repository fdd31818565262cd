import { compileQuery, parseDateWindow, QueryError, type QueryableVideo, videoLengthOf } from '../../../lib/emulator/query';

const day = (ymd: string) => Date.parse(`${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6)}T12:00:00Z`) / 1000;

function video(over: Partial<Omit<QueryableVideo, 'description' | 'viewCount' | 'commentCount'>> & { text?: string; views?: number; comments?: number }): QueryableVideo {
  return {
    id: over.id ?? 7_000_000_000_000_000_001n,
    createTime: over.createTime ?? day('20260210'),
    username: over.username ?? 'ada_fox1',
    regionCode: over.regionCode ?? 'DE',
    hashtagNames: over.hashtagNames ?? ['climate', 'fyp'],
    musicId: over.musicId ?? '7300000000000000001',
    effectIds: over.effectIds ?? [],
    durationSeconds: over.durationSeconds ?? 30,
    description: () => over.text ?? 'heatwave today #climate #fyp',
    viewCount: () => over.views ?? 1_000,
    commentCount: () => over.comments ?? 5,
  };
}

const VIDEOS: Record<string, QueryableVideo> = {
  berlin: video({}),
  paris: video({ id: 7_000_000_000_000_000_002n, regionCode: 'FR', username: 'Bo.Chef', hashtagNames: ['recipe'], text: 'easy pasta #recipe', durationSeconds: 8, views: 50, comments: 0, createTime: day('20260215') }),
  tokyo: video({ id: 7_000_000_000_000_000_003n, regionCode: 'JP', hashtagNames: ['news'], text: 'Breaking update #news', durationSeconds: 400, views: 90_000, comments: 30, effectIds: ['1234567'], musicId: '7300000000000000009', createTime: day('20260220') }),
};

const matching = (query: unknown) => {
  const predicate = compileQuery(query);
  return Object.entries(VIDEOS)
    .filter(([, v]) => predicate(v))
    .map(([name]) => name);
};
const cond = (operation: string, field_name: string, ...field_values: string[]) => ({ operation, field_name, field_values });

describe('video query grammar', () => {
  it.each([
    ['EQ region_code', { and: [cond('EQ', 'region_code', 'FR')] }, ['paris']],
    ['IN region_code', { and: [cond('IN', 'region_code', 'FR', 'JP')] }, ['paris', 'tokyo']],
    ['hashtag, case and # ignored', { and: [cond('EQ', 'hashtag_name', '#Climate')] }, ['berlin']],
    ['keyword in description', { and: [cond('EQ', 'keyword', 'PASTA')] }, ['paris']],
    ['username, case-insensitive', { and: [cond('EQ', 'username', 'bo.chef')] }, ['paris']],
    ['video_id IN', { and: [cond('IN', 'video_id', '7000000000000000001', '7000000000000000003')] }, ['berlin', 'tokyo']],
    ['music_id', { and: [cond('EQ', 'music_id', '7300000000000000009')] }, ['tokyo']],
    ['effect_id', { and: [cond('EQ', 'effect_id', '1234567')] }, ['tokyo']],
    ['video_length SHORT', { and: [cond('EQ', 'video_length', 'SHORT')] }, ['paris']],
    ['video_length IN MID, EXTRA_LONG', { and: [cond('IN', 'video_length', 'MID', 'EXTRA_LONG')] }, ['berlin', 'tokyo']],
    ['create_date EQ', { and: [cond('EQ', 'create_date', '20260215')] }, ['paris']],
    ['create_date GT', { and: [cond('GT', 'create_date', '20260215')] }, ['tokyo']],
    ['create_date GTE', { and: [cond('GTE', 'create_date', '20260215')] }, ['paris', 'tokyo']],
    ['create_date LT', { and: [cond('LT', 'create_date', '20260215')] }, ['berlin']],
    ['create_date LTE', { and: [cond('LTE', 'create_date', '20260215')] }, ['berlin', 'paris']],
    ['view_count GT', { and: [cond('GT', 'view_count', '1000')] }, ['tokyo']],
    ['view_count GTE', { and: [cond('GTE', 'view_count', '1000')] }, ['berlin', 'tokyo']],
    ['comment_count LT', { and: [cond('LT', 'comment_count', '5')] }, ['paris']],
    ['comment_count EQ', { and: [cond('EQ', 'comment_count', '30')] }, ['tokyo']],
    ['video_id LT', { and: [cond('LT', 'video_id', '7000000000000000002')] }, ['berlin']],
    ['and: all must hold', { and: [cond('EQ', 'region_code', 'DE'), cond('EQ', 'hashtag_name', 'recipe')] }, []],
    ['or: any may hold', { or: [cond('EQ', 'region_code', 'DE'), cond('EQ', 'hashtag_name', 'recipe')] }, ['berlin', 'paris']],
    ['not alone: none may hold', { not: [cond('EQ', 'region_code', 'DE')] }, ['paris', 'tokyo']],
    ['and + or + not', { and: [cond('GT', 'view_count', '10')], or: [cond('EQ', 'region_code', 'FR'), cond('EQ', 'region_code', 'JP')], not: [cond('EQ', 'video_length', 'EXTRA_LONG')] }, ['paris']],
    ['null lists are ignored', { and: [cond('EQ', 'region_code', 'JP')], or: null, not: null }, ['tokyo']],
  ])('%s', (_name, query, expected) => {
    expect(matching(query)).toEqual(expected);
  });

  it.each([
    ['no query', undefined, /query is required/],
    ['query not an object', [cond('EQ', 'region_code', 'DE')], /query must be an object/],
    ['all lists empty', { and: [], or: [] }, /at least one non-empty "and", "or" or "not"/],
    ['unknown key', { xor: [] }, /unknown key "xor"/],
    ['list not an array', { and: cond('EQ', 'region_code', 'DE') }, /query\.and must be a list/],
    ['unknown operation', { and: [cond('LIKE', 'region_code', 'DE')] }, /query\.and\[0\]\.operation "LIKE" is not supported; use one of EQ, IN, GT, GTE, LT, LTE/],
    ['lower-case operation', { and: [cond('eq', 'region_code', 'DE')] }, /operation "eq" is not supported/],
    ['unknown field', { or: [cond('EQ', 'country', 'DE')] }, /query\.or\[0\]\.field_name "country" is not supported/],
    ['field_values empty', { and: [cond('IN', 'region_code')] }, /field_values must be a non-empty list of strings/],
    ['field_values numbers', { and: [{ operation: 'IN', field_name: 'video_id', field_values: [7000000000000000001n] }] }, /list of strings/],
    ['EQ with two values', { and: [cond('EQ', 'region_code', 'DE', 'FR')] }, /EQ takes exactly one value in field_values; use IN/],
    ['GT on a text field', { not: [cond('GT', 'region_code', 'DE')] }, /query\.not\[0\]: operation GT cannot be used with field_name region_code/],
    ['bad date', { and: [cond('EQ', 'create_date', '2026-02-15')] }, /field_values\[0\] "2026-02-15" is not a valid create_date: expected a date written YYYYMMDD/],
    ['impossible date', { and: [cond('EQ', 'create_date', '20260230')] }, /not a valid create_date/],
    ['lower-case region', { and: [cond('EQ', 'region_code', 'de')] }, /two-letter upper-case region code/],
    ['bad video length', { and: [cond('EQ', 'video_length', 'TINY')] }, /SHORT, MID, LONG, EXTRA_LONG/],
    ['non-numeric id', { and: [cond('IN', 'video_id', '123', 'abc')] }, /field_values\[1\] "abc" is not a valid video_id/],
    ['negative count', { and: [cond('GT', 'view_count', '-1')] }, /non-negative whole number/],
    ['unknown condition key', { and: [{ ...cond('EQ', 'region_code', 'DE'), field: 'x' }] }, /unknown key "field"/],
  ])('rejects %s with a message naming the problem', (_name, query, message) => {
    expect(() => compileQuery(query)).toThrow(QueryError);
    expect(() => compileQuery(query)).toThrow(message);
  });
});

describe('date window', () => {
  it('accepts up to 30 days after start_date, both days inclusive', () => {
    const window = parseDateWindow('20260101', '20260131');
    expect(window.from).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
    expect(window.to).toBe(Date.parse('2026-02-01T00:00:00Z') / 1000);
    expect(parseDateWindow('20260301', '20260301').to - parseDateWindow('20260301', '20260301').from).toBe(86_400);
  });

  it.each([
    ['31 days after start', '20260101', '20260201', /no more than 30 days after start_date/],
    ['end before start', '20260110', '20260109', /must not be before start_date/],
    ['missing start', undefined, '20260109', /start_date is required/],
    ['missing end', '20260101', null, /end_date is required/],
    ['dashed date', '2026-01-01', '20260109', /start_date "2026-01-01" is not a date written YYYYMMDD/],
    ['number instead of string', '20260101', 20260109, /end_date 20260109 is not a date/],
  ])('rejects %s', (_name, start, end, message) => {
    expect(() => parseDateWindow(start, end)).toThrow(message);
  });
});

describe('video length buckets', () => {
  it.each([
    [14, 'SHORT'],
    [15, 'MID'],
    [60, 'MID'],
    [61, 'LONG'],
    [300, 'LONG'],
    [301, 'EXTRA_LONG'],
  ])('%i s is %s', (seconds, bucket) => {
    expect(videoLengthOf(seconds)).toBe(bucket);
  });
});
