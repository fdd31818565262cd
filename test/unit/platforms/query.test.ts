import { TikTokRequestValidationError, buildVideoQuery, cond, validateVideoQuery } from '../../../lib/platforms/tiktok';

/** The problems listed by a validation error. */
function problemsOf(query: unknown): string[] {
  try {
    validateVideoQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(TikTokRequestValidationError);
    return [...(error as TikTokRequestValidationError).problems];
  }
  throw new Error('expected the query to be rejected');
}

describe('video query grammar', () => {
  it('accepts the documented example and returns it unchanged', () => {
    // Prepare
    const query = {
      and: [
        { operation: 'IN', field_name: 'region_code', field_values: ['DE', 'FR'] },
        { operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] },
      ],
      not: [{ operation: 'EQ', field_name: 'video_length', field_values: ['SHORT'] }],
    };
    // Act
    const validated = validateVideoQuery(query);
    // Assess
    expect(validated).toEqual(query);
  });

  it('accepts every documented field name, including view_count and comment_count', () => {
    const query = buildVideoQuery({
      and: [
        cond.gte('create_date', '20240101'),
        cond.eq('username', 'some_user'),
        cond.in('region_code', ['US', 'GB']),
        cond.in('video_id', ['7320768196569599275']),
        cond.eq('hashtag_name', 'fyp'),
        cond.eq('keyword', 'climate change'),
        cond.eq('music_id', '6810286355734345734'),
        cond.eq('effect_id', '123'),
        cond.eq('video_length', 'EXTRA_LONG'),
        cond.gt('view_count', 1000),
        cond.lte('comment_count', 50),
      ],
    });
    expect(query.and).toHaveLength(11);
    expect(query.and?.[9]).toEqual({ operation: 'GT', field_name: 'view_count', field_values: ['1000'] });
  });

  it('accepts or-only and not-only queries', () => {
    expect(() => validateVideoQuery({ or: [cond.eq('keyword', 'a'), cond.eq('keyword', 'b')] })).not.toThrow();
    expect(() => validateVideoQuery({ not: [cond.eq('region_code', 'US')] })).not.toThrow();
  });

  it('rejects an empty query', () => {
    expect(problemsOf({})).toEqual(['query: at least one of "and", "or", "not" must hold a condition']);
    expect(problemsOf({ and: [], or: [] })[0]).toMatch(/at least one/);
  });

  it('names unknown field names and operations with the allowed values', () => {
    // Act
    const problems = problemsOf({ and: [{ operation: 'LIKE', field_name: 'hashtag', field_values: ['x'] }] });
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^query\.and\[0\]\.operation: unknown operation "LIKE"; use one of EQ, IN, GT, GTE, LT, LTE$/),
        expect.stringMatching(/^query\.and\[0\]\.field_name: unknown field_name "hashtag"; use one of create_date, .*hashtag_name/),
      ]),
    );
  });

  it('rejects unknown top-level keys such as AND', () => {
    expect(problemsOf({ AND: [cond.eq('keyword', 'x')] }).join('\n')).toMatch(/unknown key\(s\) AND/);
  });

  it('checks values per field and names the offending value', () => {
    // Act
    const problems = problemsOf({
      and: [cond.eq('region_code', 'de'), cond.eq('create_date', '2024-01-01'), cond.eq('video_length', 'TINY')],
      or: [cond.eq('hashtag_name', '#climate'), cond.eq('username', '@someone')],
      not: [{ operation: 'IN', field_name: 'video_id', field_values: ['73207681965695x'] }],
    });
    // Assess
    expect(problems).toEqual([
      'query.and[0].field_values[0]: region_code values are 2 upper-case letters, e.g. "DE"; got "de"',
      'query.and[1].field_values[0]: create_date values are dates as YYYYMMDD (UTC), e.g. 20240301; got "2024-01-01"',
      'query.and[2].field_values[0]: video_length values are one of SHORT, MID, LONG, EXTRA_LONG; got "TINY"',
      'query.or[0].field_values[0]: hashtag_name values are given without the leading "#": use "climate"',
      'query.or[1].field_values[0]: username values are given without the leading "@": use "someone"',
      'query.not[0].field_values[0]: video_id values are decimal ids as strings, e.g. "7320768196569599275"; got "73207681965695x"',
    ]);
  });

  it('requires exactly one value for EQ and the comparisons, and allows comparisons only on ordered fields', () => {
    const problems = problemsOf({
      and: [
        { operation: 'EQ', field_name: 'region_code', field_values: ['DE', 'FR'] },
        { operation: 'GT', field_name: 'hashtag_name', field_values: ['a'] },
        { operation: 'IN', field_name: 'keyword', field_values: [] },
      ],
    });
    expect(problems).toEqual([
      'query.and[0].field_values: EQ takes exactly one value (got 2) for field region_code; use IN for several',
      'query.and[1].operation: GT is not supported for field hashtag_name; use EQ or IN (ordered fields: create_date, view_count, comment_count, video_id)',
      'query.and[2].field_values: field_values must hold at least one value',
    ]);
  });

  it('rejects numeric values, which could not keep 19-digit ids exact', () => {
    const problems = problemsOf({ and: [{ operation: 'IN', field_name: 'video_id', field_values: [7320768196569599275] }] });
    expect(problems[0]).toMatch(/^query\.and\[0\]\.field_values\[0\]: field_values must be strings/);
    expect(() => cond.in('video_id', [7320768196569599275])).toThrow(/not exact/);
    expect(cond.in('video_id', [7320768196569599275n]).field_values).toEqual(['7320768196569599275']);
  });
});
