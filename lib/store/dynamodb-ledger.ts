/**
 * The ledger on DynamoDB (single table, see tables.ts for item layouts). Sweeps and cascades are Queries on
 * sparse GSIs; nothing here ever Scans. Batch calls retry their unprocessed parts with jittered backoff.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { MS_PER_DAY } from '../domain/clock';
import type { KeyedHasher } from '../domain/hashing';
import { stringifyJson } from '../domain/json';
import { type ActiveRecord, type LedgerRecord, type RecordKey, type RecordRef, recordKeyOf, type Tombstone } from '../domain/records';
import type { Checkpoint, Ledger, OpenRun, PreparedWrites, QuotaUsage, RecordUpdate, Restamp, RunRecord } from './ports';
import { preparedWrites, transactItemsOf } from './dynamodb-transaction';
import {
  BadCursorError,
  chunk,
  decodeCursor,
  encodeCursor,
  errorName,
  mapLimit,
  RecordNotFoundError,
  resolveRetry,
  type ResolvedRetry,
  type RetryOptions,
  UnprocessedItemsError,
} from './retry';
import { DynamoDbHoldStore } from './dynamodb-holds';
import { activeRecordFrom, checkpointFrom, dueShardKey, dueShardOf, isoOrThrow, recordItem, tombstoneFrom, tombstoneItem } from './dynamodb-ledger-items';
import { specListItems, specListPage, type SpecListPosition } from './dynamodb-spec-lists';
import { DUE_SHARDS, LEDGER_INDEX, ledgerKeys } from './tables';

type Item = Record<string, NativeAttributeValue>;
type Key = { pk: string; sk: string };

/** Attribute name of one run on the open-runs item. */
const OPEN_RUN_PREFIX = 'run:';

export interface DynamoDbLedgerOptions {
  /** Shards of the `due` index. Must match what existing items were written with. @default 16 */
  readonly dueShards?: number;
  /** Backoff for unprocessed batch items. */
  readonly retry?: RetryOptions;
  /** Quota usage items expire (TTL) this many days after their day. @default 400 */
  readonly quotaRetentionDays?: number;
  /** UpdateItem calls in flight at once. @default 16 */
  readonly updateConcurrency?: number;
}

// Item mapping lives in dynamodb-ledger-items.ts; these names stay importable from here.
export { activeRecordFrom, dueShardKey, dueShardOf, recordItem, specListItems, tombstoneFrom, tombstoneItem };

function isCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export class DynamoDbLedger implements Ledger {
  readonly dueShards: number;
  readonly holds: DynamoDbHoldStore;
  private readonly retry: ResolvedRetry;
  private readonly quotaRetentionDays: number;
  private readonly updateConcurrency: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly hasher: KeyedHasher,
    options: DynamoDbLedgerOptions = {},
  ) {
    this.dueShards = options.dueShards ?? DUE_SHARDS;
    if (!Number.isInteger(this.dueShards) || this.dueShards < 1 || this.dueShards > 100) throw new RangeError('dueShards must be an integer in 1..100');
    this.retry = resolveRetry(options.retry);
    this.quotaRetentionDays = options.quotaRetentionDays ?? 400;
    this.updateConcurrency = options.updateConcurrency ?? 16;
    this.holds = new DynamoDbHoldStore(doc, tableName, this.retry);
  }

  /** Reads both the record item and the tombstone of every ref (consistent reads): a tombstone wins. */
  async getRecords(refs: readonly RecordRef[]): Promise<Map<RecordKey, LedgerRecord>> {
    const wanted = new Map<string, RecordKey>(); // pk -> record key
    for (const ref of refs) {
      const key = recordKeyOf(ref);
      wanted.set(ledgerKeys.record(key).pk, key);
      wanted.set(ledgerKeys.tombstone(this.hasher.hash(key)).pk, key);
    }
    const keys: Key[] = [...wanted.keys()].map((pk) => ({ pk, sk: pk.startsWith('tomb#') ? 'tomb' : 'rec' }));
    const items = await this.batchGet(keys);
    const out = new Map<RecordKey, LedgerRecord>();
    for (const item of items) {
      const key = wanted.get(String(item.pk));
      if (key === undefined) continue;
      if (item.sk === 'tomb') out.set(key, tombstoneFrom(item));
      else if (!out.has(key) || out.get(key)!.status !== 'tombstoned') out.set(key, activeRecordFrom(item));
    }
    return out;
  }

  /** Tombstones by keyed record hash (consistent reads); absent hashes are left out of the map. */
  async getTombstones(recordHashes: readonly string[]): Promise<Map<string, Tombstone>> {
    const keys: Key[] = [...new Set(recordHashes)].map((hash) => ledgerKeys.tombstone(hash));
    const out = new Map<string, Tombstone>();
    for (const item of await this.batchGet(keys)) out.set(String(item.recordHash), tombstoneFrom(item));
    return out;
  }

  async putRecords(records: readonly ActiveRecord[], nextActionAt: (r: ActiveRecord) => string): Promise<void> {
    // One BatchWrite may not name a key twice: the last version of a record wins, as a second put would.
    const byPk = new Map<string, Item>();
    const last = new Map<string, ActiveRecord>();
    for (const record of records) {
      const item = recordItem(record, nextActionAt(record), this.dueShards);
      byPk.set(String(item.pk), item);
      last.set(String(item.pk), record);
    }
    // Spec lists first: a list naming a record not yet written is skipped by readers, while a record whose list
    // was never written would be missed by every dependent spec.
    await this.batchPut(specListItems([...last.values()]));
    await this.batchPut([...byPk.values()]);
  }

  async updateRecords(updates: readonly RecordUpdate[]): Promise<void> {
    // Updates of one key run in the given order; different keys run concurrently.
    const byKey = new Map<RecordKey, RecordUpdate[]>();
    for (const update of updates) byKey.set(update.key, [...(byKey.get(update.key) ?? []), update]);
    const groups = [...byKey.entries()];
    const results = await mapLimit(groups, this.updateConcurrency, async ([, group]) => {
      for (const update of group) await this.updateOne(update);
    });
    const missing: string[] = [];
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      if (isCheckFailed(result.reason)) missing.push(groups[i]![0]);
      else throw result.reason;
    }
    if (missing.length > 0) throw new RecordNotFoundError(missing);
  }

  private async updateOne(update: RecordUpdate): Promise<void> {
    const set: string[] = [];
    const values: Item = { ':active': 'active' };
    const names: Record<string, string> = { '#status': 'status' };
    const assign = (attribute: string, value: NativeAttributeValue) => {
      const placeholder = `:${attribute.replace(/\W/g, '_')}`;
      const path = attribute.split('.').map((part) => {
        names[`#${part}`] = part;
        return `#${part}`;
      });
      set.push(`${path.join('.')} = ${placeholder}`);
      values[placeholder] = value;
    };
    const restamp = (r: Restamp | undefined) => {
      if (r === undefined) return;
      assign('policyVersion', r.policyVersion);
      assign('expiresAt', isoOrThrow(r.expiresAt, `expiresAt of ${update.key}`));
    };
    switch (update.kind) {
      case 'seen':
        // Unchanged content: re-stamped only. It counts as a refresh when the caller moves the deadline.
        this.placeDue(update, assign);
        assign('lastSeenAt', update.at);
        assign('missCount', 0);
        if (update.refreshDueAt !== undefined) {
          assign('refreshDueAt', update.refreshDueAt);
          assign('lastRefreshedAt', update.at);
        }
        if (update.nextActionAt !== undefined) assign('nextActionAt', isoOrThrow(update.nextActionAt, `nextActionAt of ${update.key}`));
        restamp(update.restamp);
        break;
      case 'changed':
        this.placeDue(update, assign);
        assign('lastSeenAt', update.at);
        assign('lastRefreshedAt', update.at);
        assign('missCount', 0);
        assign('contentSha256', update.contentSha256);
        assign('sizeBytes', update.sizeBytes);
        assign('refreshDueAt', update.refreshDueAt);
        assign('nextActionAt', isoOrThrow(update.nextActionAt, `nextActionAt of ${update.key}`));
        assign('provenance.logId', update.logId);
        assign('provenance.retrievedAt', update.at);
        restamp(update.restamp);
        break;
      case 'missed':
        assign('missCount', update.missCount);
        if (update.nextActionAt !== undefined) assign('nextActionAt', isoOrThrow(update.nextActionAt, `nextActionAt of ${update.key}`));
        break;
      case 'purge-pending':
        // Due at once: whoever sweeps next finishes the purge. The first reason and evidence stay.
        assign('nextActionAt', isoOrThrow(update.at, `purge time of ${update.key}`));
        set.push('#purgePending = if_not_exists(#purgePending, :purgePending)');
        names['#purgePending'] = 'purgePending';
        values[':purgePending'] = { reason: update.reason, evidence: { ...update.evidence }, requestedAt: update.at };
        break;
      case 'restamped':
        assign('refreshDueAt', update.refreshDueAt);
        assign('nextActionAt', isoOrThrow(update.nextActionAt, `nextActionAt of ${update.key}`));
        restamp(update.restamp);
        break;
      default: {
        const never: never = update;
        throw new RangeError(`unknown update kind ${JSON.stringify(never)}`);
      }
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.record(update.key),
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND #status = :active',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** A refreshed comment's due entry goes to its video's shard (moves entries written before that rule). */
  private placeDue(update: { key: RecordKey; parentKey?: RecordKey; nextActionAt?: string }, assign: (attribute: string, value: NativeAttributeValue) => void): void {
    if (update.parentKey === undefined || update.nextActionAt === undefined) return;
    assign('dueShard', ledgerKeys.dueShard(dueShardOf(dueShardKey(update.key, update.parentKey), this.dueShards)));
  }

  /**
   * Deletes the record item and writes the tombstone in one transaction. Idempotent: if a tombstone already
   * exists the first one is kept (it points at the first purge's evidence) and the record item is still deleted.
   * One exception: an erasure supersedes a tombstone of another reason, because only an erasure tombstone keeps
   * the erased account's future videos out of collection.
   */
  async tombstone(key: RecordKey, tombstone: Tombstone): Promise<void> {
    const expected = this.hasher.hash(key);
    if (expected !== tombstone.recordHash) {
      throw new RangeError(`tombstone for ${key}: recordHash ${tombstone.recordHash} is not the keyed hash of the key (hashed with another secret?)`);
    }
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: ledgerKeys.record(key) } },
            {
              Put: {
                TableName: this.tableName,
                Item: tombstoneItem(tombstone),
                ...(tombstone.reason === 'erasure'
                  ? {
                      ConditionExpression: 'attribute_not_exists(pk) OR #reason <> :erasure',
                      ExpressionAttributeNames: { '#reason': 'reason' },
                      ExpressionAttributeValues: { ':erasure': 'erasure' },
                    }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
          ],
        }),
      );
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      const alreadyTombstoned = errorName(error) === 'TransactionCanceledException' && reasons?.[1]?.Code === 'ConditionalCheckFailed';
      if (!alreadyTombstoned) throw error;
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: ledgerKeys.record(key) }));
    }
  }

  async queryDue(shard: number, before: Date, page: { limit?: number; cursor?: string } = {}): Promise<{ records: ActiveRecord[]; cursor?: string }> {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.dueShards) throw new RangeError(`shard must be an integer in 0..${this.dueShards - 1}`);
    const limit = page.limit ?? 100;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LEDGER_INDEX.due,
        KeyConditionExpression: 'dueShard = :shard AND nextActionAt <= :before',
        ExpressionAttributeValues: { ':shard': ledgerKeys.dueShard(shard), ':before': before.toISOString() },
        Limit: limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : this.decodeKey(page.cursor, ['pk', 'sk', 'dueShard', 'nextActionAt']),
      }),
    );
    const records = (out.Items ?? []).map(activeRecordFrom);
    return out.LastEvaluatedKey ? { records, cursor: encodeCursor(out.LastEvaluatedKey) } : { records };
  }

  /**
   * Videos indexed on `by-spec` (written before spec lists) first, then the spec's lists. A cursor is either the
   * index's key (as before spec lists, so a walk saved then resumes) or `{ specList: position }`. A page is never
   * empty while more may follow.
   */
  async recordsOfSpec(specName: string, page: { limit?: number; cursor?: string } = {}): Promise<{ keys: RecordKey[]; cursor?: string }> {
    const limit = page.limit ?? 100;
    const saved = page.cursor === undefined ? undefined : decodeCursor<Item>(page.cursor);
    if (saved === undefined || saved.specList === undefined) {
      let start = saved === undefined ? undefined : this.decodeKey(page.cursor!, ['pk', 'sk', 'specKey']);
      do {
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: LEDGER_INDEX.bySpec,
            KeyConditionExpression: 'specKey = :spec',
            ExpressionAttributeValues: { ':spec': specName },
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        );
        const keys = (out.Items ?? []).map((item) => ledgerKeys.recordKeyOfPk(String(item.pk)));
        start = out.LastEvaluatedKey;
        if (keys.length > 0) return { keys, cursor: encodeCursor(start ? start : { specList: {} }) };
      } while (start);
      return specListPage(this.specListIo(), specName, limit, {});
    }
    const position = saved.specList as SpecListPosition;
    const valid = typeof position === 'object' && position !== null && (position.sk === undefined || (typeof position.sk === 'string' && Number.isInteger(position.offset))) && (position.after === undefined || typeof position.after === 'string');
    if (!valid) throw new BadCursorError('invalid paging cursor: pass back the cursor of the previous page unchanged');
    return specListPage(this.specListIo(), specName, limit, position);
  }

  private specListIo() {
    return { doc: this.doc, tableName: this.tableName, batchGet: (keys: readonly Key[]) => this.batchGet(keys) };
  }

  async *children(parent: RecordKey): AsyncIterable<ActiveRecord> {
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: LEDGER_INDEX.children,
          KeyConditionExpression: 'parentKey = :parent',
          ExpressionAttributeValues: { ':parent': parent },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) yield activeRecordFrom(item);
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async getCheckpoint(specName: string): Promise<Checkpoint | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.checkpoint(specName), ConsistentRead: true }));
    return out.Item ? checkpointFrom(out.Item) : undefined;
  }

  /** One BatchGetItem per 100 names (consistent reads), instead of a GetItem each. */
  async getCheckpoints(specNames: readonly string[]): Promise<Map<string, Checkpoint>> {
    const out = new Map<string, Checkpoint>();
    for (const item of await this.batchGet([...new Set(specNames)].map((name) => ledgerKeys.checkpoint(name)))) {
      const checkpoint = checkpointFrom(item);
      out.set(checkpoint.specName, checkpoint);
    }
    return out;
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...ledgerKeys.checkpoint(checkpoint.specName),
          specName: checkpoint.specName,
          runId: checkpoint.runId,
          // Opaque state as lossless JSON text: pagination cursors may hold 64-bit ids.
          stateJson: checkpoint.state === undefined ? undefined : stringifyJson(checkpoint.state),
          inFlight: checkpoint.inFlight ? { ids: [...checkpoint.inFlight.ids], logId: checkpoint.inFlight.logId } : undefined,
          updatedAt: checkpoint.updatedAt,
          done: checkpoint.done,
        },
      }),
    );
  }

  async putRun(run: RunRecord): Promise<void> {
    await this.doc.send(new TransactWriteCommand({ TransactItems: [...transactItemsOf(this.prepareRun(run))] }));
  }

  prepareRun(run: RunRecord): PreparedWrites {
    // The run item and its entry among the open runs change together: a crash never leaves one without the other.
    const open: OpenRun = { runId: run.runId, job: run.job, startedAt: run.startedAt, actor: run.actor };
    return preparedWrites([
      { Put: { TableName: this.tableName, Item: { ...ledgerKeys.run(run.runId), ...run, counts: { ...run.counts } } } },
      {
        Update: {
          TableName: this.tableName,
          Key: ledgerKeys.openRuns,
          UpdateExpression: run.status === 'running' ? 'SET #run = :open' : 'REMOVE #run',
          ExpressionAttributeNames: { '#run': `${OPEN_RUN_PREFIX}${run.runId}` },
          ...(run.status === 'running' ? { ExpressionAttributeValues: { ':open': open } } : {}),
        },
      },
    ]);
  }

  async openRuns(): Promise<OpenRun[]> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.openRuns, ConsistentRead: true }));
    return Object.entries(out.Item ?? {})
      .filter(([name]) => name.startsWith(OPEN_RUN_PREFIX))
      .map(([, value]) => {
        const { runId, job, startedAt, actor } = value as OpenRun;
        return { runId, job, startedAt, actor };
      })
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  async claimOpenRun(runId: string, claimant: string, now: Date, claimedBefore: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKeys.openRuns,
          UpdateExpression: 'SET #run.claimedBy = :me, #run.claimedAt = :now',
          ConditionExpression: 'attribute_exists(#run) AND (attribute_not_exists(#run.claimedAt) OR #run.claimedAt < :stale OR #run.claimedBy = :me)',
          ExpressionAttributeNames: { '#run': `${OPEN_RUN_PREFIX}${runId}` },
          ExpressionAttributeValues: { ':me': claimant, ':now': now.toISOString(), ':stale': claimedBefore.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isCheckFailed(error)) return false;
      throw error;
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.run(runId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...run } = out.Item;
    return run as RunRecord;
  }

  async addQuotaUsage(source: string, day: string, delta: { requests: number; records: number }): Promise<QuotaUsage> {
    const ttl = this.quotaTtl(day);
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ledgerKeys.quota(source, day),
        UpdateExpression: 'ADD requests :requests, records :records SET #source = :source, #day = :day, #ttl = :ttl',
        ExpressionAttributeNames: { '#source': 'source', '#day': 'day', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':requests': delta.requests, ':records': delta.records, ':source': source, ':day': day, ':ttl': ttl },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return quotaFrom(source, day, out.Attributes);
  }

  async getQuotaUsage(source: string, day: string): Promise<QuotaUsage> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKeys.quota(source, day), ConsistentRead: true }));
    return quotaFrom(source, day, out.Item);
  }

  private quotaTtl(day: string): number {
    const t = Date.parse(`${day}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(t)) throw new RangeError(`quota day "${day}" is not YYYY-MM-DD`);
    return Math.floor((t + this.quotaRetentionDays * MS_PER_DAY) / 1000);
  }

  private decodeKey(cursor: string, attributes: readonly string[]): Item {
    const key = decodeCursor<Item>(cursor);
    for (const attribute of attributes) {
      if (typeof key[attribute] !== 'string') throw new BadCursorError(`invalid paging cursor: pass back the cursor of the previous page unchanged`);
    }
    return key;
  }

  private async batchGet(keys: readonly Key[]): Promise<Item[]> {
    const items: Item[] = [];
    for (const part of chunk(keys, 100)) {
      let pending: Key[] = part;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.retry.maxAttempts) throw new UnprocessedItemsError('BatchGetItem', this.tableName, pending.length, attempt);
        if (attempt > 0) await this.retry.sleep(this.retry.delayMs(attempt));
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
      }
    }
    return items;
  }

  private async batchPut(items: readonly Item[]): Promise<void> {
    for (const part of chunk(items, 25)) {
      let pending = part.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.retry.maxAttempts) throw new UnprocessedItemsError('BatchWriteItem', this.tableName, pending.length, attempt);
        if (attempt > 0) await this.retry.sleep(this.retry.delayMs(attempt));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }
}

function quotaFrom(source: string, day: string, item: Item | undefined): QuotaUsage {
  return { source, day, requests: Number(item?.requests ?? 0), records: Number(item?.records ?? 0) };
}
