/**
 * Small helpers shared by the paged endpoints of both clients.
 */
import { createHash } from 'node:crypto';
import { stringifyJson } from '../../domain/json';
import { TikTokPaginationError, TikTokRequestValidationError } from './errors';

/** `(data) => number of items under data[key]`, for the records quota. */
export function countList(...keys: readonly string[]): (data: unknown) => number {
  return (data) => {
    if (typeof data !== 'object' || data === null) return 0;
    for (const key of keys) {
      const value = (data as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value.length;
    }
    return 0;
  };
}

/** Check a `max_count` the caller chose against the endpoint's documented maximum. */
export function checkMaxCount(value: number, max: number, endpoint: string): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TikTokRequestValidationError(`Invalid maxCount ${value} for ${endpoint}: expected an integer from 1 to ${max}`);
  }
  return value;
}

/** Check an id the caller passes (ids travel as decimal strings inside Steward). */
export function checkId(value: string, name: string): string {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new TikTokRequestValidationError(`Invalid ${name} ${JSON.stringify(value)}: expected a decimal id as a string, e.g. "7320768196569599275"`);
  }
  return value;
}

export function checkUsername(value: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TikTokRequestValidationError('Invalid username: must not be empty');
  if (value.startsWith('@')) throw new TikTokRequestValidationError(`Invalid username ${JSON.stringify(value)}: give it without the leading "@"`);
  return value;
}

/** A short, stable digest of the parameters a resumable state belongs to. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stringifyJson(value)).digest('hex').slice(0, 16);
}

/**
 * The next cursor of a page, or a `TikTokPaginationError` when paging would loop: `has_more` with a cursor
 * that did not move. Index cursors must grow; time cursors only need to change.
 */
export function nextCursor(
  endpoint: string,
  kind: 'index' | 'time',
  sent: number | undefined,
  returned: number | undefined,
  itemCount: number,
  hasMore: boolean,
): number | undefined {
  if (!hasMore) return returned;
  const next = returned ?? (kind === 'index' ? (sent ?? 0) + itemCount : undefined);
  if (next === undefined) throw new TikTokPaginationError(`${endpoint}: has_more is true but no cursor was returned`);
  const stuck = kind === 'index' ? next <= (sent ?? 0) : next === sent;
  if (stuck) throw new TikTokPaginationError(`${endpoint}: has_more is true but the cursor did not move (${sent} -> ${next})`);
  return next;
}
