/**
 * The append-only audit log on DynamoDB. One partition per chain (`chain#<id>`, seq-ordered), plus sparse GSIs
 * for "what happened to record X" (`by-record`), "every purge last week" (`by-time`, filtered on action) and
 * "what did researcher Y do" (`by-researcher`). Every event is validated content-free before it is linked.
 *
 * Append-only, enforced: every write is a conditional put (`attribute_not_exists`), so no event, seal or registry
 * item is ever overwritten; the job roles hold PutItem on this table and nothing that updates or deletes
 * (lib/infra/vault-access.ts). Every seal is also anchored outside the table when `anchors` is given.
 */
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type AuditAction, type AuditEvent, type ChainedAuditEvent, type ChainSeal, CLOSING_ACTIONS, GENESIS_HASH, linkEvents, linkSeal, type SealBody, type SealKind } from '../domain/audit';
import { type Clock, MS_PER_DAY, systemClock } from '../domain/clock';
import { BadInputError } from '../domain/errors';
import type { AuditChainWriter, AuditLog, AuditPage, AuditQuery, PreparedWrites, SealAnchors } from './ports';
import { transactItemsOf, type TransactItem } from './dynamodb-transaction';
import {
  BadCursorError,
  chunk,
  decodeCursor,
  encodeCursor,
  errorName,
  resolveRetry,
  type ResolvedRetry,
  type RetryOptions,
  AuditOverwriteError,
  AuditTableMissingError,
} from './retry';
import { AUDIT_INDEX, auditKeys, TIME_SHARDS } from './tables';
import { auditItem, bounds, EVENTS_WITH_SEAL, checkedEventFrom, compareEvents, eventFrom, sealFrom, sealItem, timeShardOf, validate } from './dynamodb-audit-items';
import { DynamoDbChainWriter } from './dynamodb-audit-writer';

type Item = Record<string, NativeAttributeValue>;

export interface DynamoDbAuditLogOptions {
  /** Stamps the chain registry (`openedAt`). @default systemClock */
  readonly clock?: Clock;
  readonly retry?: RetryOptions;
  /** Page size when a query names none. @default 100 */
  readonly defaultLimit?: number;
  /** Largest page a query may ask for. @default 1000 */
  readonly maxLimit?: number;
  /** Attempts at appending a seal when concurrent writers take the same seal seq. @default 25 */
  readonly maxSealAttempts?: number;
  /** Where every seal is also written, signed, outside the table. @default none */
  readonly anchors?: SealAnchors;
  /**
   * A seal was stored but its anchor could not be written. The append still succeeds (its events are stored):
   * the next anchored seal pins this one through the seal log's hash chain. @default console.error
   */
  readonly onAnchorError?: (info: { seq: number; error: unknown }) => void;
}

/** Every put to the audit table: refused when an item with the key exists. */
const APPEND_ONLY = 'attribute_not_exists(pk)';
/** Event puts in flight at once (each one is its own conditional PutItem). */
const PUT_CONCURRENCY = 25;

/** A seal could not be appended (the seal log kept moving under concurrent writers). */
export class SealConflictError extends Error {
  constructor(chainId: string, attempts: number) {
    super(`seal log: could not seal chain ${chainId} after ${attempts} attempts (too many concurrent writers)`);
    this.name = 'SealConflictError';
  }
}

// Item mapping lives in dynamodb-audit-items.ts, the chain writer in dynamodb-audit-writer.ts; these names stay
// importable from here.
export { auditItem, checkedEventFrom, eventFrom, sealItem, timeShardOf };

const ByActionCursor = z.object({ at: z.string(), chainId: z.string(), seq: z.number().int() }).strict();

/** How long the seal this log wrote last is tried as the seal log's head before reading the head. */
const KNOWN_SEAL_HEAD_MS = 30_000;

const CHAIN_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const checkChainId = (chainId: string): void => {
  if (!CHAIN_ID.test(chainId)) throw new BadInputError(`chain id "${chainId}" must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
};

export class DynamoDbAuditLog implements AuditLog {
  private readonly clock: Clock;
  private readonly retry: ResolvedRetry;
  private readonly defaultLimit: number;
  private readonly maxLimit: number;
  private readonly maxSealAttempts: number;
  /** The last seal this log wrote or read (real time): the likely head of the seal log for the next seal. */
  private lastSeal: { seq: number; hash: string; writtenAt: number } | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoDbAuditLogOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retry = resolveRetry(options.retry);
    this.defaultLimit = options.defaultLimit ?? 100;
    this.maxLimit = options.maxLimit ?? 1000;
    this.maxSealAttempts = options.maxSealAttempts ?? 25;
  }

  async chain(chainId: string): Promise<AuditChainWriter> {
    checkChainId(chainId);
    // The chain's head and the seal log's head are read while the chain is registered (three round trips at once,
    // all before the open seal; the seal put is conditional, so a seal head read too early only costs a retry).
    const register = async (): Promise<void> => {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: auditKeys.registryPk, sk: chainId, openedAt: this.clock.now().toISOString() },
            ConditionExpression: APPEND_ONLY,
          }),
        );
      } catch (error) {
        // Registered before (a resumed chain): the first registration stands.
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
    };
    const [head, , sealHead] = await Promise.all([this.readHead(chainId), register(), this.readSealHead()]);
    this.lastSeal = { ...sealHead, writtenAt: Date.now() };
    // The seal log learns of the chain before its first event (domain/audit.ts: whole-chain deletion).
    await this.appendSeal(chainId, 'open', head);
    return new DynamoDbChainWriter(this, chainId, head);
  }

  /**
   * A new chain and its first events in ONE transaction: the registry item, the events (linked from the genesis
   * head, which a new chain has: nothing is read) and the `open` seal committing to the last of them. The seal log
   * thus learns of the chain in the very write that stores its first event. The seal log's head is read (unless
   * this log knows it) while `after` settles; nothing is written before it has (and nothing when it rejects).
   * `with` (another DynamoDB adapter's writes, e.g. the run's item) goes in the same transaction.
   * A chain id already registered or holding events is refused (AuditOverwriteError), nothing written.
   */
  async openChain(chainId: string, first: readonly AuditEvent[], options: { after?: Promise<unknown>; with?: PreparedWrites } = {}): Promise<AuditChainWriter> {
    checkChainId(chainId);
    const also = transactItemsOf(options.with);
    const valid = validate(first, chainId);
    if (valid.length === 0 || valid.length > EVENTS_WITH_SEAL) throw new RangeError(`openChain: 1..${EVENTS_WITH_SEAL} events, got ${valid.length}`);
    if (also.length > 100 - EVENTS_WITH_SEAL - 2) throw new RangeError(`openChain: at most ${100 - EVENTS_WITH_SEAL - 2} other writes, got ${also.length}`);
    if (valid.some((e) => CLOSING_ACTIONS.has(e.action))) throw new RangeError('openChain: a chain is not opened with a closing event (append it)');
    const linked = linkEvents(valid, chainId, { seq: 0, hash: GENESIS_HASH });
    const known = this.knownSealHead();
    const reading = known ? undefined : this.readSealHead();
    reading?.catch(() => undefined);
    await options.after;
    const hint = known ?? (await reading!);
    const last = linked[linked.length - 1]!;
    await this.appendSeal(chainId, 'open', { seq: last.seq, hash: last.hash }, linked, { register: true, hint, also });
    return new DynamoDbChainWriter(this, chainId, { seq: last.seq, hash: last.hash });
  }

  /** The seal this log wrote (or read) last, if recent: likely still the seal log's head. */
  private knownSealHead(): { seq: number; hash: string } | undefined {
    const known = this.lastSeal;
    return known && Date.now() - known.writtenAt < KNOWN_SEAL_HEAD_MS ? { seq: known.seq, hash: known.hash } : undefined;
  }

  /**
   * @internal Append a seal committing to `head` of `chainId` at the seal log's next seq (conditional put, retried
   * with jitter when another writer took that seq). With `events`, they are written in the same transaction.
   */
  async appendSeal(
    chainId: string,
    kind: SealKind,
    head: { seq: number; hash: string },
    events: readonly ChainedAuditEvent[] = [],
    options: { register?: boolean; hint?: { seq: number; hash: string }; also?: readonly TransactItem[] } = {},
  ): Promise<ChainSeal> {
    const body: SealBody = { at: this.clock.now().toISOString(), chainId, chainSeq: head.seq, chainHash: head.hash, kind };
    // The seal this log wrote (or read) last, if recent, or the caller's hint, is tried as the head without reading
    // it again: the put is conditional, so a head another writer has moved on from costs one refused put, then the
    // head is read.
    const known = options.hint ?? this.knownSealHead();
    this.lastSeal = undefined;
    // With `register`, the chain's registry item goes in the same transaction (a new chain: refused when it exists).
    const registry = options.register ? [{ Put: { TableName: this.tableName, Item: { pk: auditKeys.registryPk, sk: chainId, openedAt: this.clock.now().toISOString() }, ConditionExpression: APPEND_ONLY } }] : [];
    for (let attempt = 0; attempt < this.maxSealAttempts; attempt++) {
      const hinted = attempt === 0 && known !== undefined;
      // (a refused hint is retried at once, with the head read)
      if (attempt > (known ? 1 : 0)) await this.retry.sleep(Math.min(1000, this.retry.delayMs(Math.min(attempt, 6))));
      const seal = linkSeal(body, hinted ? known : await this.readSealHead());
      const put = { TableName: this.tableName, Item: sealItem(seal), ConditionExpression: APPEND_ONLY };
      try {
        if (events.length === 0 && registry.length === 0 && !options.also?.length) {
          await this.doc.send(new PutCommand(put));
        } else {
          await this.doc.send(
            new TransactWriteCommand({
              // (another store's writes last: a refused condition among the first items is an event's or the registry's)
              TransactItems: [...events.map((event) => ({ Put: { TableName: this.tableName, Item: auditItem(event), ConditionExpression: APPEND_ONLY } })), ...registry, { Put: put }, ...(options.also ?? [])],
            }),
          );
        }
        this.lastSeal = { seq: seal.seq, hash: seal.hash, writtenAt: Date.now() };
        await this.anchor(seal);
        return seal;
      } catch (error) {
        if (eventConflict(error, events.length + registry.length)) {
          throw new AuditOverwriteError(this.tableName, registry.length > 0 ? `chain ${chainId} (it exists already)` : `an event of chain ${chainId} at seq ${events[0]!.seq}..${events[events.length - 1]!.seq}`);
        }
        if (!isSealConflict(error)) throw error;
      }
    }
    throw new SealConflictError(chainId, this.maxSealAttempts);
  }

  private async anchor(seal: ChainSeal): Promise<void> {
    if (!this.options.anchors) return;
    try {
      await this.options.anchors.anchor(seal);
    } catch (error) {
      if (this.options.onAnchorError) this.options.onAnchorError({ seq: seal.seq, error });
      else console.error(`audit log: seal #${seal.seq} is stored but its anchor could not be written (${(error as Error).message}); the next anchored seal pins it`);
    }
  }

  /** @internal The last seal, or the genesis head of an empty seal log. */
  async readSealHead(): Promise<{ seq: number; hash: string }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': auditKeys.sealPk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = out?.Items?.[0];
    return last ? { seq: Number(last.seq), hash: String(last.hash) } : { seq: 0, hash: GENESIS_HASH };
  }

  async *seals(): AsyncIterable<ChainSeal> {
    let start: Item | undefined;
    do {
      const out = await this.missingAsError(this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': auditKeys.sealPk },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ));
      for (const item of out.Items ?? []) yield sealFrom(item);
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** @internal The last event of a chain, or the genesis head. */
  async readHead(chainId: string): Promise<{ seq: number; hash: string }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': auditKeys.chainPk(chainId) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = out.Items?.[0];
    return last ? { seq: Number(last.seq), hash: String(last.hash) } : { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * @internal Conditional puts in seq order, 25 in flight; a chunk is stored before the next one starts. A put
   * refused because the item exists is fine when the stored event is this very one (a retried request that had
   * reached the table), and an AuditOverwriteError otherwise: nothing in the log is ever replaced.
   */
  async writeInOrder(events: readonly ChainedAuditEvent[]): Promise<void> {
    for (const part of chunk(events, PUT_CONCURRENCY)) {
      await Promise.all(part.map((event) => this.putEvent(event)));
    }
  }

  private async putEvent(event: ChainedAuditEvent): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: auditItem(event), ConditionExpression: APPEND_ONLY, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      const stored = (error as { Item?: Record<string, unknown> }).Item;
      const storedHash = stored?.hash as { S?: string } | string | undefined;
      const hash = typeof storedHash === 'string' ? storedHash : storedHash?.S;
      if (hash !== event.hash) throw new AuditOverwriteError(this.tableName, `chain ${event.chainId} seq ${event.seq}`);
    }
  }

  /** Run a table read; a missing table becomes AuditTableMissingError (verify reports it against the anchors). */
  private async missingAsError<T>(read: Promise<T>): Promise<T> {
    try {
      return await read;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') throw new AuditTableMissingError(this.tableName);
      throw error;
    }
  }

  async byRecord(recordHash: string, query: AuditQuery = {}): Promise<AuditPage> {
    return this.queryIndex({
      IndexName: AUDIT_INDEX.byRecord,
      partition: ['recordHash', recordHash],
      sortKey: 'recordSk',
      query,
      // recordSk is `<at>#<chainId>#<seq>`: bound it by time prefixes.
      upperBound: (until) => `${until}#\uffff`,
    });
  }

  async byActor(name: string, query: AuditQuery = {}): Promise<AuditPage> {
    return this.queryIndex({ IndexName: AUDIT_INDEX.byResearcher, partition: ['researcher', name], sortKey: 'at', query, upperBound: (until) => until });
  }

  async byChain(chainId: string, query: AuditQuery = {}): Promise<AuditPage> {
    const limit = this.limitOf(query);
    const filter = this.timeFilter(query);
    const events: ChainedAuditEvent[] = [];
    let start: Item | undefined = query.cursor === undefined ? undefined : this.decodeKey(query.cursor);
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: filter?.expression,
          ExpressionAttributeNames: filter ? { '#at': 'at' } : undefined,
          ExpressionAttributeValues: { ':pk': auditKeys.chainPk(chainId), ...filter?.values },
          // With a filter, Limit counts items read, so a page never overshoots `limit` matches.
          Limit: limit - events.length,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      events.push(...(out.Items ?? []).map(checkedEventFrom));
      start = out.LastEvaluatedKey;
    } while (start && events.length < limit);
    return start ? { events, cursor: encodeCursor(start) } : { events };
  }

  /**
   * Walks the UTC days from `since` to `until`, querying the TIME_SHARDS `by-time` partitions of each day with a
   * filter on action, and merges them in time order. The cursor is the position of the last event returned.
   */
  async byAction(action: AuditAction, query: AuditQuery & { since: string; until: string }): Promise<AuditPage> {
    const limit = this.limitOf(query);
    const { since, until } = bounds(query) as { since: string; until: string };
    let after: z.infer<typeof ByActionCursor> | undefined;
    if (query.cursor !== undefined) {
      const parsed = ByActionCursor.safeParse(decodeCursor(query.cursor));
      if (!parsed.success) throw new BadCursorError('invalid paging cursor: pass back the cursor of the previous page unchanged');
      after = parsed.data;
    }
    const from = after && after.at > since ? after.at : since;
    const events: ChainedAuditEvent[] = [];
    let more = false;
    const lastDay = Date.parse(until.slice(0, 10));
    for (let day = Date.parse(from.slice(0, 10)); from <= until && day <= lastDay; day += MS_PER_DAY) {
      const dayKey = new Date(day).toISOString().slice(0, 10);
      const found: ChainedAuditEvent[] = [];
      for (let shard = 0; shard < TIME_SHARDS; shard++) {
        let start: Item | undefined;
        do {
          const out = await this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: AUDIT_INDEX.byTime,
              KeyConditionExpression: 'timeShard = :shard AND #at BETWEEN :from AND :until',
              FilterExpression: '#action = :action',
              ExpressionAttributeNames: { '#at': 'at', '#action': 'action' },
              ExpressionAttributeValues: { ':shard': auditKeys.timeShard(dayKey, shard), ':from': from, ':until': until, ':action': action },
              ExclusiveStartKey: start,
            }),
          );
          found.push(...(out.Items ?? []).map(eventFrom));
          start = out.LastEvaluatedKey;
        } while (start);
      }
      found.sort(compareEvents);
      for (const event of found) {
        if (after && compareEvents(event, { ...after } as ChainedAuditEvent) <= 0) continue;
        if (events.length === limit) {
          more = true;
          break;
        }
        events.push(event);
      }
      if (more) break;
      // Page full at a day boundary: stop rather than read the remaining days only to learn whether more exist.
      if (events.length === limit && day < lastDay) {
        more = true;
        break;
      }
    }
    if (!more) return { events };
    const last = events[events.length - 1]!;
    return { events, cursor: encodeCursor({ at: last.at, chainId: last.chainId, seq: last.seq }) };
  }

  async *chains(): AsyncIterable<string> {
    let start: Item | undefined;
    do {
      const out = await this.missingAsError(this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': auditKeys.registryPk },
          ExclusiveStartKey: start,
        }),
      ));
      for (const item of out.Items ?? []) yield String(item.sk);
      start = out.LastEvaluatedKey;
    } while (start);
  }

  private async queryIndex(spec: {
    IndexName: string;
    partition: [string, string];
    sortKey: string;
    query: AuditQuery;
    upperBound: (until: string) => string;
  }): Promise<AuditPage> {
    const { query } = spec;
    const limit = this.limitOf(query);
    const { since, until: untilAt } = bounds(query);
    const until = untilAt === undefined ? undefined : spec.upperBound(untilAt);
    let range = '';
    const values: Item = { ':p': spec.partition[1] };
    if (since !== undefined && until !== undefined) {
      range = ' AND #sk BETWEEN :since AND :until';
      Object.assign(values, { ':since': since, ':until': until });
    } else if (since !== undefined) {
      range = ' AND #sk >= :since';
      values[':since'] = since;
    } else if (until !== undefined) {
      range = ' AND #sk <= :until';
      values[':until'] = until;
    }
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: spec.IndexName,
        KeyConditionExpression: `#p = :p${range}`,
        ExpressionAttributeNames: { '#p': spec.partition[0], ...(range ? { '#sk': spec.sortKey } : {}) },
        ExpressionAttributeValues: values,
        Limit: limit,
        ExclusiveStartKey: query.cursor === undefined ? undefined : this.decodeKey(query.cursor),
      }),
    );
    // The index sorts by time already; sorting again only orders equal instants by chain and seq.
    const events = (out.Items ?? []).map(eventFrom).sort(compareEvents);
    return out.LastEvaluatedKey ? { events, cursor: encodeCursor(out.LastEvaluatedKey) } : { events };
  }

  private timeFilter(query: AuditQuery): { expression: string; values: Item } | undefined {
    const { since, until } = bounds(query);
    if (since !== undefined && until !== undefined) return { expression: '#at BETWEEN :since AND :until', values: { ':since': since, ':until': until } };
    if (since !== undefined) return { expression: '#at >= :since', values: { ':since': since } };
    if (until !== undefined) return { expression: '#at <= :until', values: { ':until': until } };
    return undefined;
  }

  private limitOf(query: AuditQuery): number {
    const limit = query.limit ?? this.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > this.maxLimit) throw new BadInputError(`limit must be an integer in 1..${this.maxLimit}, got ${limit}`);
    return limit;
  }

  private decodeKey(cursor: string): Item {
    const key = decodeCursor<Item>(cursor);
    if (typeof key.pk !== 'string' || typeof key.sk !== 'string') throw new BadCursorError('invalid paging cursor: pass back the cursor of the previous page unchanged');
    return key;
  }
}

/** A transaction refused because one of its `events` (the items before the seal) already exists. */
function eventConflict(error: unknown, events: number): boolean {
  if (errorName(error) !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.slice(0, events).some((r) => r.Code === 'ConditionalCheckFailed');
}

/** Another writer took the seal seq (conditional put failed), or a concurrent transaction touched it. */
function isSealConflict(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'ConditionalCheckFailedException' || name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}
