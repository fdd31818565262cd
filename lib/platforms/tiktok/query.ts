/**
 * The Query Videos condition grammar (research-api-specs-query-videos): `and` / `or` / `not` lists of
 * `{operation, field_name, field_values}`. Validated before sending, because a bad query costs a request
 * from a 1,000-a-day quota and the API's `invalid_params` message rarely says which condition is wrong.
 */
import * as z from 'zod';
import { TikTokRequestValidationError } from './errors';
import { formatIssues } from './http';
import { isValidYmd } from './windows';

export const VIDEO_QUERY_OPERATIONS = ['EQ', 'IN', 'GT', 'GTE', 'LT', 'LTE'] as const;
export type VideoQueryOperation = (typeof VIDEO_QUERY_OPERATIONS)[number];

/** Condition field names. `view_count` and `comment_count` appear only in the newer spec. */
export const VIDEO_QUERY_FIELD_NAMES = [
  'create_date',
  'username',
  'region_code',
  'video_id',
  'hashtag_name',
  'keyword',
  'music_id',
  'effect_id',
  'video_length',
  'view_count',
  'comment_count',
] as const;
export type VideoQueryFieldName = (typeof VIDEO_QUERY_FIELD_NAMES)[number];

export const VIDEO_LENGTHS = ['SHORT', 'MID', 'LONG', 'EXTRA_LONG'] as const;

/** Fields with an order, where GT/GTE/LT/LTE make sense. */
const ORDERED_FIELDS: ReadonlySet<VideoQueryFieldName> = new Set(['create_date', 'view_count', 'comment_count', 'video_id']);

/** One condition, exactly as it goes on the wire. Values are always strings (ids too). */
export interface VideoQueryCondition {
  readonly operation: VideoQueryOperation;
  readonly field_name: VideoQueryFieldName;
  readonly field_values: readonly string[];
}

/** A video query: at least one of the three lists must be non-empty. */
export interface VideoQuery {
  readonly and?: readonly VideoQueryCondition[];
  readonly or?: readonly VideoQueryCondition[];
  readonly not?: readonly VideoQueryCondition[];
}

/** Checks one value of a field; returns a problem description or undefined. */
function checkValue(field: VideoQueryFieldName, value: string): string | undefined {
  switch (field) {
    case 'create_date':
      return isValidYmd(value) ? undefined : `create_date values are dates as YYYYMMDD (UTC), e.g. 20240301; got ${JSON.stringify(value)}`;
    case 'region_code':
      return /^[A-Z]{2}$/.test(value) ? undefined : `region_code values are 2 upper-case letters, e.g. "DE"; got ${JSON.stringify(value)}`;
    case 'video_id':
    case 'music_id':
    case 'effect_id':
      return /^\d+$/.test(value) ? undefined : `${field} values are decimal ids as strings, e.g. "7320768196569599275"; got ${JSON.stringify(value)}`;
    case 'view_count':
    case 'comment_count':
      return /^\d+$/.test(value) ? undefined : `${field} values are non-negative integers as strings, e.g. "1000"; got ${JSON.stringify(value)}`;
    case 'video_length':
      return (VIDEO_LENGTHS as readonly string[]).includes(value)
        ? undefined
        : `video_length values are one of ${VIDEO_LENGTHS.join(', ')}; got ${JSON.stringify(value)}`;
    case 'username':
      if (value.startsWith('@')) return `username values are given without the leading "@": use ${JSON.stringify(value.slice(1))}`;
      return value.trim() === '' ? 'username values must not be empty' : undefined;
    case 'hashtag_name':
      if (value.startsWith('#')) return `hashtag_name values are given without the leading "#": use ${JSON.stringify(value.slice(1))}`;
      return value.trim() === '' ? 'hashtag_name values must not be empty' : undefined;
    case 'keyword':
      return value.trim() === '' ? 'keyword values must not be empty' : undefined;
  }
}

const conditionSchema = z
  .strictObject({
    operation: z.enum(VIDEO_QUERY_OPERATIONS, {
      error: (issue) => `unknown operation ${JSON.stringify(issue.input)}; use one of ${VIDEO_QUERY_OPERATIONS.join(', ')}`,
    }),
    field_name: z.enum(VIDEO_QUERY_FIELD_NAMES, {
      error: (issue) => `unknown field_name ${JSON.stringify(issue.input)}; use one of ${VIDEO_QUERY_FIELD_NAMES.join(', ')}`,
    }),
    field_values: z
      .array(z.string({ error: (issue) => `field_values must be strings (ids too, to keep them exact); got ${typeof issue.input}` }), {
        error: 'field_values must be a list of strings',
      })
      .min(1, 'field_values must hold at least one value'),
  })
  .superRefine((c, ctx) => {
    const single = c.operation !== 'IN';
    if (single && c.field_values.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['field_values'],
        message: `${c.operation} takes exactly one value (got ${c.field_values.length}) for field ${c.field_name}${c.operation === 'EQ' ? '; use IN for several' : ''}`,
      });
    }
    if (c.operation !== 'EQ' && c.operation !== 'IN' && !ORDERED_FIELDS.has(c.field_name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['operation'],
        message: `${c.operation} is not supported for field ${c.field_name}; use EQ or IN (ordered fields: ${[...ORDERED_FIELDS].join(', ')})`,
      });
    }
    c.field_values.forEach((value, index) => {
      const problem = checkValue(c.field_name, value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['field_values', index], message: problem });
    });
  });

/** The grammar as a zod schema (exported for config files that embed queries). */
export const videoQuerySchema = z
  .strictObject(
    {
      and: z.array(conditionSchema).optional(),
      or: z.array(conditionSchema).optional(),
      not: z.array(conditionSchema).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}; a query has only "and", "or", "not"` : 'a query is an object with "and", "or" and/or "not" lists') },
  )
  .refine((q) => (q.and?.length ?? 0) + (q.or?.length ?? 0) + (q.not?.length ?? 0) > 0, {
    message: 'at least one of "and", "or", "not" must hold a condition',
  });

/**
 * Validate a query, returning it typed. Throws `TikTokRequestValidationError` listing every problem, each
 * with its path (`query.and[1].field_values[0]: region_code values are 2 upper-case letters ...`).
 */
export function validateVideoQuery(query: unknown): VideoQuery {
  const result = videoQuerySchema.safeParse(query);
  if (!result.success) throw new TikTokRequestValidationError('Invalid video query', formatIssues(result.error.issues, 'query'));
  return result.data;
}

type Value = string | number | bigint;
const str = (v: Value): string => {
  // A JS number above 2^53 is already wrong; refuse rather than send a neighbouring id.
  if (typeof v === 'number' && !Number.isSafeInteger(v) && Number.isInteger(v)) throw new RangeError(`query value ${v} is not exact; pass ids as strings`);
  return String(v);
};

/** Condition helpers: `cond.eq('region_code', 'DE')`, `cond.in('video_id', ids)`, `cond.gte('view_count', 1000)`. */
export const cond = {
  eq: (field: VideoQueryFieldName, value: Value): VideoQueryCondition => ({ operation: 'EQ', field_name: field, field_values: [str(value)] }),
  in: (field: VideoQueryFieldName, values: readonly Value[]): VideoQueryCondition => ({ operation: 'IN', field_name: field, field_values: values.map(str) }),
  gt: (field: VideoQueryFieldName, value: Value): VideoQueryCondition => ({ operation: 'GT', field_name: field, field_values: [str(value)] }),
  gte: (field: VideoQueryFieldName, value: Value): VideoQueryCondition => ({ operation: 'GTE', field_name: field, field_values: [str(value)] }),
  lt: (field: VideoQueryFieldName, value: Value): VideoQueryCondition => ({ operation: 'LT', field_name: field, field_values: [str(value)] }),
  lte: (field: VideoQueryFieldName, value: Value): VideoQueryCondition => ({ operation: 'LTE', field_name: field, field_values: [str(value)] }),
};

/**
 * Build and validate a query.
 * @example buildVideoQuery({ and: [cond.in('region_code', ['DE', 'FR']), cond.eq('hashtag_name', 'climate')], not: [cond.eq('video_length', 'SHORT')] })
 */
export function buildVideoQuery(parts: VideoQuery): VideoQuery {
  return validateVideoQuery(parts);
}
