/**
 * The purge fuse's state in the ledger table (item layouts in tables.ts): hourly counts per source (atomic ADDs,
 * so parallel shard workers add up), one open-hold pointer per source (a conditional put: two workers that trip at
 * once open one hold), the holds, and one listing item per held record. Records are held up to 33 a transaction:
 * the hold must still be open, each record active and not being purged (one that is not is left out, the others
 * held).
 */
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { FUSE_WINDOW_HOURS, HoldSchema, type FuseWindow, type Hold, type HoldEvidence, type HoldRule, type HoldStatus, newHoldId } from '../domain/purge-fuse';
import type { RecordKey } from '../domain/records';
import type { HoldEntry, HoldResult, HoldStore } from './ports';
import { chunk, decodeCursor, encodeCursor, errorName, BadCursorError, resolveRetry, type ResolvedRetry } from './retry';
import { ledgerKeys } from './tables';

type Item = Record<string, NativeAttributeValue>;

const MS_PER_HOUR = 3_600_000;
/** Records held per transaction: a mark and a listing each, besides the hold's count (at most 100 items). */
export const HOLD_BATCH = 33;
/**
 * Tries of a hold transaction cancelled by another writer's (no condition failed), with the ledger's jittered,
 * doubling backoff between them: every shard worker's batches ADD to the same hold item, so they collide while a
 * fuse trips.
 */
const CONFLICT_ATTEMPTS = 6;
/** Fuse counts outlive their window by two days before TTL may remove them. */
const COUNTS_TTL_HOURS = FUSE_WINDOW_HOURS + 48;

/** `YYYY-MM-DDTHH` of an instant (UTC). */
export function hourKey(at: Date): string {
  return at.toISOString().slice(0, 13);
}

function cancellationCodes(error: unknown): Array<string | undefined> | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  return ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);
}

function holdFrom(item: Item): Hold {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return HoldSchema.parse(rest);
}

export class DynamoDbHoldStore implements HoldStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly retry: ResolvedRetry = resolveRetry(),
  ) {}

  async addFuseCounts(source: string, at: Date, delta: FuseWindow): Promise<void> {
    if (delta.checked === 0 && delta.confirmed === 0 && delta.found === 0) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.fuseCounts(source, hourKey(at)),
        UpdateExpression: 'ADD #checked :checked, #confirmed :confirmed, #found :found SET #ttl = :ttl',
        ExpressionAttributeNames: { '#checked': 'checked', '#confirmed': 'confirmed', '#found': 'found', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':checked': delta.checked,
          ':confirmed': delta.confirmed,
          ':found': delta.found,
          ':ttl': Math.floor((at.getTime() + COUNTS_TTL_HOURS * MS_PER_HOUR) / 1000),
        },
      }),
    );
  }

  async fuseWindow(source: string, at: Date, hours: number = FUSE_WINDOW_HOURS): Promise<FuseWindow> {
    let from = new Date(at.getTime() - (hours - 1) * MS_PER_HOUR);
    // A decided hold resets the window: counting starts again with the hour after the decision.
    const pointer = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.openHold(source), ConsistentRead: true }));
    const resetAt = typeof pointer.Item?.resetAt === 'string' ? Date.parse(pointer.Item.resetAt) : Number.NaN;
    if (!Number.isNaN(resetAt)) {
      const next = new Date(Date.parse(`${hourKey(new Date(resetAt))}:00:00Z`) + MS_PER_HOUR);
      if (next.getTime() > from.getTime()) from = next;
      if (from.getTime() > at.getTime()) return { checked: 0, confirmed: 0, found: 0 };
    }
    let checked = 0;
    let confirmed = 0;
    let found = 0;
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': ledgerKeys.fuseCounts(source, '').pk, ':from': `h#${hourKey(from)}`, ':to': `h#${hourKey(at)}` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        checked += Number(item.checked ?? 0);
        confirmed += Number(item.confirmed ?? 0);
        found += Number(item.found ?? 0);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return { checked, confirmed, found };
  }

  async openHoldOf(source: string): Promise<Hold | undefined> {
    const pointer = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.openHold(source), ConsistentRead: true }));
    const holdId = pointer.Item?.holdId;
    if (typeof holdId !== 'string') return undefined;
    const hold = await this.getHold(holdId);
    return hold?.status === 'open' ? hold : undefined;
  }

  async openHold(source: string, at: Date, reason: HoldRule, evidence: HoldEvidence): Promise<{ hold: Hold; opened: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.openHoldOf(source);
      if (existing) {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: ledgerKeys.hold(existing.id),
            UpdateExpression: 'ADD trips :one',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { hold: holdFrom(out.Attributes ?? {}), opened: false };
      }
      const hold: Hold = { id: newHoldId(source, at), source, status: 'open', openedAt: at.toISOString(), reason, evidence: { ...evidence }, records: 0, trips: 1 };
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...ledgerKeys.openHold(source), holdId: hold.id, openedAt: hold.openedAt },
                  ConditionExpression: 'attribute_not_exists(holdId)',
                },
              },
              { Put: { TableName: this.tableName, Item: { ...ledgerKeys.hold(hold.id), ...hold }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        );
        return { hold, opened: true };
      } catch (error) {
        // Another worker opened one first (or a hold of the same second exists): join what is open now.
        if (cancellationCodes(error) === undefined) throw error;
      }
    }
    throw new Error(`could not open or join a purge hold for source ${source} (contention)`);
  }

  async holdRecords(holdId: string, entries: readonly HoldEntry[]): Promise<Map<RecordKey, HoldResult>> {
    const out = new Map<RecordKey, HoldResult>();
    const unique = [...new Map(entries.map((e) => [e.key, e])).values()];
    for (const e of unique) if (e.mark.holdId !== holdId) throw new RangeError(`holdRecords: ${e.key} is marked for hold ${e.mark.holdId}, not ${holdId}`);
    for (const part of chunk(unique, HOLD_BATCH)) {
      let pending = part;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const codes = await this.holdBatch(holdId, pending);
        if (codes === undefined) {
          for (const e of pending) out.set(e.key, 'held');
          break;
        }
        if (codes[0] === 'ConditionalCheckFailed') {
          for (const e of pending) out.set(e.key, 'hold-closed');
          break;
        }
        // Records whose condition failed are gone, held already or being purged: left out, the others tried again.
        const refused = new Set(pending.filter((_, i) => codes[1 + 2 * i] === 'ConditionalCheckFailed').map((e) => e.key));
        if (refused.size === 0 && attempt >= CONFLICT_ATTEMPTS) {
          // Cancelled for another reason (another writer's transaction on these items) each time: not held this sweep.
          for (const e of pending) out.set(e.key, 'not-active');
          break;
        }
        if (refused.size === 0) await this.retry.sleep(this.retry.delayMs(attempt));
        for (const key of refused) out.set(key, 'not-active');
        pending = pending.filter((e) => !refused.has(e.key));
      }
    }
    return out;
  }

  /**
   * One transaction: the hold's count (while it is open), then each record's mark and listing. Returns the
   * cancellation codes by item (the hold's first, then two per record), or undefined when it was written.
   */
  private async holdBatch(holdId: string, entries: readonly HoldEntry[]): Promise<Array<string | undefined> | undefined> {
    const heldAt = entries.reduce((first, e) => (e.mark.heldAt < first ? e.mark.heldAt : first), entries[0]!.mark.heldAt);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: ledgerKeys.hold(holdId),
                UpdateExpression: 'ADD #records :n SET #first = if_not_exists(#first, :at)',
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#records': 'records', '#status': 'status', '#first': 'firstHeldAt' },
                ExpressionAttributeValues: { ':n': entries.length, ':open': 'open', ':at': heldAt },
              },
            },
            ...entries.flatMap(({ key, mark, nextActionAt }) => [
              {
                Update: {
                  TableName: this.tableName,
                  Key: ledgerKeys.record(key),
                  UpdateExpression: 'SET #hold = :hold, #next = :next',
                  ConditionExpression: 'attribute_exists(pk) AND #status = :active AND attribute_not_exists(#pending) AND attribute_not_exists(#hold)',
                  ExpressionAttributeNames: { '#hold': 'hold', '#next': 'nextActionAt', '#status': 'status', '#pending': 'purgePending' },
                  ExpressionAttributeValues: { ':hold': { ...mark, evidence: { ...mark.evidence } }, ':next': nextActionAt, ':active': 'active' },
                },
              },
              { Put: { TableName: this.tableName, Item: { ...ledgerKeys.holdMember(holdId, key), heldAt: mark.heldAt } } },
            ]),
          ],
        }),
      );
      return undefined;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined) throw error;
      return codes;
    }
  }

  async getHold(holdId: string): Promise<Hold | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.hold(holdId), ConsistentRead: true }));
    return out.Item ? holdFrom(out.Item) : undefined;
  }

  async listHolds(): Promise<Hold[]> {
    const holds: Hold[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ledgerKeys.hold('').pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) holds.push(holdFrom(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return holds.sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : a.id < b.id ? 1 : -1));
  }

  async members(holdId: string, page: { limit?: number; cursor?: string } = {}): Promise<{ keys: RecordKey[]; cursor?: string }> {
    let start: Item | undefined;
    if (page.cursor !== undefined) {
      start = decodeCursor<Item>(page.cursor);
      if (typeof start.pk !== 'string' || typeof start.sk !== 'string') throw new BadCursorError('invalid paging cursor: pass back the cursor of the previous page unchanged');
    }
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': ledgerKeys.holdMember(holdId, '').pk },
        ConsistentRead: true,
        Limit: page.limit ?? 100,
        ExclusiveStartKey: start,
      }),
    );
    const keys = (out.Items ?? []).map((item) => String(item.sk));
    return out.LastEvaluatedKey ? { keys, cursor: encodeCursor(out.LastEvaluatedKey) } : { keys };
  }

  async unholdRecord(holdId: string, key: RecordKey, nextActionAt: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.record(key),
          UpdateExpression: 'REMOVE #hold SET #next = :next, #misses = :zero',
          ConditionExpression: 'attribute_exists(pk) AND #status = :active AND #hold.#holdId = :holdId',
          ExpressionAttributeNames: { '#hold': 'hold', '#holdId': 'holdId', '#next': 'nextActionAt', '#misses': 'missCount', '#status': 'status' },
          ExpressionAttributeValues: { ':next': nextActionAt, ':zero': 0, ':active': 'active', ':holdId': holdId },
        }),
      );
      await this.dropMember(holdId, key);
      return true;
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      await this.dropMember(holdId, key);
      return false;
    }
  }

  async dropMember(holdId: string, key: RecordKey): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: ledgerKeys.holdMember(holdId, key) }));
  }

  async closeHold(holdId: string, status: Exclude<HoldStatus, 'open'>, at: Date, by: string): Promise<boolean> {
    const hold = await this.getHold(holdId);
    if (!hold || hold.status !== 'open') return false;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: ledgerKeys.hold(holdId),
                UpdateExpression: 'SET #status = :status, closedAt = :at, closedBy = :by',
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': status, ':at': at.toISOString(), ':by': by, ':open': 'open' },
              },
            },
            {
              // The source's fuse is reset: no open hold, and its 24 h window starts again after the decision.
              Put: {
                TableName: this.tableName,
                Item: { ...ledgerKeys.openHold(hold.source), resetAt: at.toISOString(), lastHoldId: holdId },
                ConditionExpression: 'attribute_not_exists(holdId) OR holdId = :holdId',
                ExpressionAttributeValues: { ':holdId': holdId },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellationCodes(error) === undefined) throw error;
      return false;
    }
  }
}
