/**
 * Shared helpers of the DynamoDB adapters: jittered backoff for the unprocessed parts of batch calls, chunking,
 * bounded concurrency, opaque paging cursors, and the adapter errors.
 */
import { BadInputError, StewardError } from '../domain/errors';

export interface RetryOptions {
  /** Attempts per batch call, the first included. @default 10 */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt, with full jitter. @default 50 */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff. @default 5000 */
  readonly maxDelayMs?: number;
  /** Injected for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Math.random */
  readonly random?: () => number;
}

export interface ResolvedRetry {
  readonly maxAttempts: number;
  readonly delayMs: (attempt: number) => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 5_000;
  const random = options.random ?? Math.random;
  return {
    maxAttempts: options.maxAttempts ?? 10,
    // Full jitter (AWS architecture blog "Exponential Backoff And Jitter"): uniform in [0, min(max, base * 2^n)].
    delayMs: (attempt: number) => Math.floor(random() * Math.min(max, base * 2 ** attempt)),
    sleep: options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}

/** A batch call kept returning unprocessed items after every retry (throttling that did not clear). */
export class UnprocessedItemsError extends StewardError {
  constructor(
    readonly operation: string,
    readonly tableName: string,
    readonly remaining: number,
    attempts: number,
  ) {
    super(`${operation} on ${tableName}: ${remaining} item(s) still unprocessed after ${attempts} attempts (throttled); nothing is lost, retry the job`);
  }
}

/** An update named a ledger record that does not exist (never stored, or purged). */
export class RecordNotFoundError extends StewardError {
  constructor(readonly keys: readonly string[]) {
    super(`no active ledger record for ${keys.length === 1 ? keys[0] : `${keys.length} keys: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''}`} (never stored, or already purged)`);
  }
}

/** A paging cursor the caller passed back was not one this adapter issued: bad input (exit 2). */
export class BadCursorError extends BadInputError {}

/** A write would have replaced an audit item: refused, the log is append-only. */
export class AuditOverwriteError extends StewardError {
  constructor(readonly tableName: string, readonly key: string) {
    super(`audit log ${tableName}: refused to overwrite ${key} (the audit log is append-only; another writer holds this position)`);
  }
}

/** The audit table does not exist (deleted, or never created). */
export class AuditTableMissingError extends StewardError {
  constructor(readonly tableName: string) {
    super(`audit table ${tableName} does not exist`);
  }
}


export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Run `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Opaque cursor: base64url of JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends object>(cursor: string): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object') throw new Error('not an object');
    return value as T;
  } catch (error) {
    throw new BadCursorError(`invalid paging cursor "${cursor.slice(0, 40)}": pass back the cursor of the previous page unchanged`, [], { cause: error });
  }
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}
