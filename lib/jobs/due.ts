/**
 * Walking the due index: the only way sweeps find work. Every read is a Query on one shard of the `due` GSI, bounded
 * by `before`, so a sweep reads what is due and never the rest of the corpus (DESIGN.md: sweeps never Scan).
 */
import type { ActiveRecord } from '../domain/records';
import type { Ledger } from '../store/ports';

/** Records per due-index page. */
export const DUE_PAGE = 500;

/** The shards to sweep: the given ones (checked), or every shard of the ledger. */
export function sweepShards(ledger: Ledger, shards?: readonly number[]): number[] {
  if (shards === undefined) return Array.from({ length: ledger.dueShards }, (_, i) => i);
  for (const shard of shards) {
    if (!Number.isInteger(shard) || shard < 0 || shard >= ledger.dueShards) {
      throw new RangeError(`shard ${shard} is out of range: the ledger has shards 0..${ledger.dueShards - 1}`);
    }
  }
  return [...new Set(shards)].sort((a, b) => a - b);
}

/**
 * Pages of active records whose next action is at or before `before`, shard after shard. Each shard is read with
 * its own cursor, so a record updated meanwhile (moved out of range) is not read twice in one walk.
 */
export async function* dueRecords(
  ledger: Ledger,
  before: Date,
  shards: readonly number[],
  pageSize: number = DUE_PAGE,
): AsyncGenerator<{ shard: number; records: ActiveRecord[] }> {
  for (const shard of shards) {
    let cursor: string | undefined;
    do {
      const page = await ledger.queryDue(shard, before, { limit: pageSize, ...(cursor ? { cursor } : {}) });
      if (page.records.length > 0) yield { shard, records: page.records };
      cursor = page.cursor;
    } while (cursor);
  }
}
