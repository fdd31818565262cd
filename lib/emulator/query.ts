/**
 * The Research API's video query grammar: `{and, or, not}` lists of `{operation, field_name, field_values}`
 * conditions, compiled into a predicate over a video. Validation messages name the offending path, so a client
 * author sees at once what the real API would have refused.
 */
import { DAY_SECONDS, formatYmd, parseYmd } from './dates';

export const CONDITION_FIELDS = [
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
export type ConditionField = (typeof CONDITION_FIELDS)[number];

export const OPERATIONS = ['EQ', 'IN', 'GT', 'GTE', 'LT', 'LTE'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Fields with an order, so GT/GTE/LT/LTE make sense on them. */
const ORDERED_FIELDS: ReadonlySet<ConditionField> = new Set(['create_date', 'video_id', 'view_count', 'comment_count']);

export const VIDEO_LENGTHS = ['SHORT', 'MID', 'LONG', 'EXTRA_LONG'] as const;
export type VideoLength = (typeof VIDEO_LENGTHS)[number];

/** The longest window: `end_date` at most this many days after `start_date`. */
export const MAX_WINDOW_DAYS = 30;

/** A request the API would refuse with `invalid_params`; the message is what the client sees. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

/** The documented buckets: SHORT < 15 s, MID 15-60 s, LONG 1-5 min, EXTRA_LONG > 5 min. */
export function videoLengthOf(seconds: number): VideoLength {
  if (seconds < 15) return 'SHORT';
  if (seconds <= 60) return 'MID';
  if (seconds <= 300) return 'LONG';
  return 'EXTRA_LONG';
}

/** What a condition can look at. Time-dependent values are methods, evaluated at the query's instant. */
export interface QueryableVideo {
  readonly id: bigint;
  readonly createTime: number;
  readonly username: string;
  readonly regionCode: string;
  readonly hashtagNames: readonly string[];
  readonly musicId: string;
  readonly effectIds: readonly string[];
  readonly durationSeconds: number;
  description(): string;
  viewCount(): number;
  commentCount(): number;
}

export type VideoPredicate = (video: QueryableVideo) => boolean;

/** A validated `start_date`/`end_date` pair: `from` inclusive, `to` exclusive, both Unix seconds (UTC days). */
export interface DateWindow {
  readonly startDate: string;
  readonly endDate: string;
  readonly from: number;
  readonly to: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Validate `start_date`/`end_date` as the API does: both YYYYMMDD, end not before start, at most 30 days apart. */
export function parseDateWindow(startDate: unknown, endDate: unknown): DateWindow {
  const from = dateParam('start_date', startDate);
  const endDay = dateParam('end_date', endDate);
  if (endDay < from) throw new QueryError(`end_date ${String(endDate)} must not be before start_date ${String(startDate)}`);
  if (endDay - from > MAX_WINDOW_DAYS * DAY_SECONDS) {
    throw new QueryError(`end_date must be no more than ${MAX_WINDOW_DAYS} days after start_date (got ${String(startDate)} to ${String(endDate)}); split the range into windows`);
  }
  return { startDate: startDate as string, endDate: endDate as string, from, to: endDay + DAY_SECONDS };
}

function dateParam(name: string, value: unknown): number {
  if (value === undefined || value === null || value === '') throw new QueryError(`${name} is required, written YYYYMMDD (e.g. 20240301)`);
  const seconds = parseYmd(value);
  if (seconds === undefined) throw new QueryError(`${name} ${JSON.stringify(value)} is not a date written YYYYMMDD (e.g. 20240301)`);
  return seconds;
}

/** Compile a `query` object into a predicate; throws QueryError naming the first problem. */
export function compileQuery(raw: unknown): VideoPredicate {
  if (raw === undefined || raw === null) {
    throw new QueryError('query is required: an object with at least one non-empty "and", "or" or "not" list of conditions');
  }
  if (!isRecord(raw)) throw new QueryError('query must be an object with "and", "or" and/or "not" lists of conditions');
  for (const key of Object.keys(raw)) {
    if (key !== 'and' && key !== 'or' && key !== 'not') throw new QueryError(`query has unknown key "${key}"; use "and", "or" and "not"`);
  }
  const list = (key: 'and' | 'or' | 'not'): VideoPredicate[] => {
    const value = raw[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new QueryError(`query.${key} must be a list of conditions`);
    return value.map((condition, i) => compileCondition(condition, `query.${key}[${i}]`));
  };
  const all = list('and');
  const any = list('or');
  const none = list('not');
  if (all.length + any.length + none.length === 0) {
    throw new QueryError('query must contain at least one non-empty "and", "or" or "not" list of conditions');
  }
  return (video) => all.every((p) => p(video)) && (any.length === 0 || any.some((p) => p(video))) && !none.some((p) => p(video));
}

function compileCondition(raw: unknown, path: string): VideoPredicate {
  if (!isRecord(raw)) throw new QueryError(`${path} must be an object with "operation", "field_name" and "field_values"`);
  for (const key of Object.keys(raw)) {
    if (key !== 'operation' && key !== 'field_name' && key !== 'field_values') {
      throw new QueryError(`${path} has unknown key "${key}"; a condition has "operation", "field_name" and "field_values"`);
    }
  }
  const { operation, field_name: field, field_values: values } = raw;
  if (!OPERATIONS.includes(operation as Operation)) {
    throw new QueryError(`${path}.operation ${JSON.stringify(operation)} is not supported; use one of ${OPERATIONS.join(', ')}`);
  }
  if (!CONDITION_FIELDS.includes(field as ConditionField)) {
    throw new QueryError(`${path}.field_name ${JSON.stringify(field)} is not supported; use one of ${CONDITION_FIELDS.join(', ')}`);
  }
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
    throw new QueryError(`${path}.field_values must be a non-empty list of strings`);
  }
  const op = operation as Operation;
  const name = field as ConditionField;
  const texts = values as string[];
  if (op !== 'IN' && texts.length !== 1) {
    throw new QueryError(`${path}: operation ${op} takes exactly one value in field_values${op === 'EQ' ? '; use IN for several' : ''}`);
  }
  if (op !== 'EQ' && op !== 'IN' && !ORDERED_FIELDS.has(name)) {
    throw new QueryError(`${path}: operation ${op} cannot be used with field_name ${name}; use EQ or IN`);
  }
  texts.forEach((text, i) => checkValue(name, text, `${path}.field_values[${i}]`));
  return op === 'EQ' || op === 'IN' ? membership(name, texts) : comparison(name, op, texts[0]!);
}

function checkValue(field: ConditionField, text: string, path: string): void {
  const fail = (expected: string) => {
    throw new QueryError(`${path} ${JSON.stringify(text)} is not a valid ${field}: expected ${expected}`);
  };
  switch (field) {
    case 'create_date':
      if (parseYmd(text) === undefined) fail('a date written YYYYMMDD');
      break;
    case 'video_id':
    case 'music_id':
    case 'effect_id':
      if (!/^\d{1,20}$/.test(text)) fail('a numeric id written as a string of digits');
      break;
    case 'region_code':
      if (!/^[A-Z]{2}$/.test(text)) fail('a two-letter upper-case region code such as US');
      break;
    case 'video_length':
      if (!VIDEO_LENGTHS.includes(text as VideoLength)) fail(`one of ${VIDEO_LENGTHS.join(', ')}`);
      break;
    case 'view_count':
    case 'comment_count':
      if (!/^\d{1,15}$/.test(text)) fail('a non-negative whole number written as a string');
      break;
    case 'username':
    case 'hashtag_name':
    case 'keyword':
      if (text.trim() === '') fail('a non-empty string');
      break;
  }
}

const normaliseHashtag = (text: string) => text.trim().replace(/^#/, '').toLowerCase();

function membership(field: ConditionField, texts: string[]): VideoPredicate {
  switch (field) {
    case 'create_date': {
      const dates = new Set(texts);
      return (v) => dates.has(formatYmd(v.createTime));
    }
    case 'video_id': {
      const ids = new Set(texts.map((t) => BigInt(t)));
      return (v) => ids.has(v.id);
    }
    case 'username': {
      const names = new Set(texts.map((t) => t.trim().toLowerCase()));
      return (v) => names.has(v.username.toLowerCase());
    }
    case 'region_code': {
      const codes = new Set(texts);
      return (v) => codes.has(v.regionCode);
    }
    case 'hashtag_name': {
      const tags = new Set(texts.map(normaliseHashtag));
      return (v) => v.hashtagNames.some((h) => tags.has(h.toLowerCase()));
    }
    case 'keyword': {
      const words = texts.map((t) => t.trim().toLowerCase());
      return (v) => {
        const description = v.description().toLowerCase();
        return words.some((w) => description.includes(w));
      };
    }
    case 'music_id': {
      const ids = new Set(texts.map((t) => BigInt(t).toString()));
      return (v) => ids.has(v.musicId);
    }
    case 'effect_id': {
      const ids = new Set(texts.map((t) => BigInt(t).toString()));
      return (v) => v.effectIds.some((e) => ids.has(e));
    }
    case 'video_length': {
      const lengths = new Set(texts);
      return (v) => lengths.has(videoLengthOf(v.durationSeconds));
    }
    case 'view_count': {
      const counts = new Set(texts.map(Number));
      return (v) => counts.has(v.viewCount());
    }
    case 'comment_count': {
      const counts = new Set(texts.map(Number));
      return (v) => counts.has(v.commentCount());
    }
  }
}

function comparison(field: ConditionField, op: Operation, text: string): VideoPredicate {
  const compare = (a: string | number | bigint, b: string | number | bigint): boolean => {
    switch (op) {
      case 'GT':
        return a > b;
      case 'GTE':
        return a >= b;
      case 'LT':
        return a < b;
      default:
        return a <= b;
    }
  };
  switch (field) {
    case 'create_date':
      return (v) => compare(formatYmd(v.createTime), text);
    case 'video_id': {
      const bound = BigInt(text);
      return (v) => compare(v.id, bound);
    }
    case 'view_count': {
      const bound = Number(text);
      return (v) => compare(v.viewCount(), bound);
    }
    default: {
      const bound = Number(text);
      return (v) => compare(v.commentCount(), bound);
    }
  }
}
