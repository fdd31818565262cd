import 'aws-sdk-client-mock-jest';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { recordKeyOf } from '../../../lib/domain/records';
import { DynamoDbLedger, dueShardOf, recordItem } from '../../../lib/store/dynamodb-ledger';
import { BadCursorError, RecordNotFoundError, UnprocessedItemsError } from '../../../lib/store/retry';
import { activeRecord, hasher, ref, tombstoneFor } from './fixtures';

const docMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'steward-test-ledger';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }), { marshallOptions: { removeUndefinedValues: true } });

function ledger(sleeps: number[] = [], maxAttempts = 5): DynamoDbLedger {
  return new DynamoDbLedger(doc, TABLE, hasher, {
    retry: { maxAttempts, baseDelayMs: 100, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
  });
}

const NEXT = () => '2026-01-13T00:00:00.000Z';

afterEach(() => {
  docMock.reset();
});

describe('Class: DynamoDbLedger', () => {
  describe('Function: recordItem', () => {
    it('flattens the ref, keeps provenance as a map and adds the index attributes', () => {
      // Prepare
      const record = activeRecord('7320768196569599275', { parentKey: 'tiktok:user:abc' });

      // Act
      const item = recordItem(record, '2026-01-13T00:00:00Z');

      // Assess
      expect(item).toMatchObject({
        pk: 'rec#tiktok:video:7320768196569599275',
        sk: 'rec',
        platform: 'tiktok',
        kind: 'video',
        id: '7320768196569599275',
        provenance: { logId: '20260101000000ABCDEF' },
        parentKey: 'tiktok:user:abc',
        nextActionAt: '2026-01-13T00:00:00.000Z',
      });
      expect(item.ref).toBeUndefined();
      expect(item.dueShard).toMatch(/^d#(0\d|1[0-5])$/);
      expect(item.dueShard).toBe(`d#${String(dueShardOf('tiktok:video:7320768196569599275')).padStart(2, '0')}`);
    });

    it('spreads record keys over all 16 due shards', () => {
      // Prepare
      const keys = Array.from({ length: 2000 }, (_, i) => `tiktok:video:${7_300_000_000_000_000_000n + BigInt(i)}`);

      // Act
      const shards = new Set(keys.map((k) => dueShardOf(k)));

      // Assess
      expect([...shards].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    });

    it('rejects a malformed nextActionAt', () => {
      // Prepare
      const record = activeRecord('1');

      // Act
      const act = () => recordItem(record, 'soon');

      // Assess
      expect(act).toThrow(/not an ISO-8601 time/);
    });
  });

  describe('Method: putRecords', () => {
    it('writes in BatchWrite chunks of 25', async () => {
      // Prepare
      docMock.on(BatchWriteCommand).resolves({});
      const records = Array.from({ length: 60 }, (_, i) => activeRecord(String(7_320_000_000_000_000_000n + BigInt(i))));

      // Act
      await ledger().putRecords(records, NEXT);

      // Assess
      // First the spec list (one item naming the 60 videos), then the records
      const calls = docMock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]!);
      expect(calls.map((items) => items.length)).toEqual([1, 25, 25, 10]);
      expect(calls[0]![0]!.PutRequest!.Item).toMatchObject({ pk: 'videos#climate-videos', keys: expect.any(Array) });
      expect(calls[0]![0]!.PutRequest!.Item!.keys).toHaveLength(60);
    });

    it('retries unprocessed items with jittered backoff until none remain', async () => {
      // Prepare
      // Comments: no spec list, so every BatchWrite call is a record call
      const records = ['1', '2', '3'].map((id) => activeRecord(id, { ref: { platform: 'tiktok', kind: 'comment', id } }));
      const unprocessed = [{ PutRequest: { Item: recordItem(records[2]!, NEXT()) } }];
      docMock
        .on(BatchWriteCommand)
        .resolvesOnce({ UnprocessedItems: { [TABLE]: unprocessed } })
        .resolvesOnce({ UnprocessedItems: { [TABLE]: unprocessed } })
        .resolves({ UnprocessedItems: {} });
      const sleeps: number[] = [];

      // Act
      await ledger(sleeps).putRecords(records, NEXT);

      // Assess
      const calls = docMock.commandCalls(BatchWriteCommand);
      expect(calls).toHaveLength(3);
      expect(calls[0]!.args[0].input.RequestItems![TABLE]).toHaveLength(3);
      expect(calls[1]!.args[0].input.RequestItems![TABLE]).toEqual(unprocessed);
      expect(calls[2]!.args[0].input.RequestItems![TABLE]).toEqual(unprocessed);
      // random() = 0.5: half of 100 * 2^attempt
      expect(sleeps).toEqual([100, 200]);
    });

    it('gives up after maxAttempts with an error that says how many items are left', async () => {
      // Prepare
      const records = [activeRecord('1')];
      docMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: recordItem(records[0]!, NEXT()) } }] } });

      // Act
      const result = ledger([], 3).putRecords(records, NEXT);

      // Assess
      await expect(result).rejects.toThrow(UnprocessedItemsError);
      await expect(result).rejects.toThrow(/1 item\(s\) still unprocessed after 3 attempts/);
    });

    it('writes a record listed twice once (one BatchWrite may not repeat a key)', async () => {
      // Prepare
      docMock.on(BatchWriteCommand).resolves({});

      // Act
      await ledger().putRecords([activeRecord('1', { sizeBytes: 1 }), activeRecord('1', { sizeBytes: 2 })], NEXT);

      // Assess
      const [list, items] = docMock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]!);
      expect(list![0]!.PutRequest!.Item!.keys).toEqual(['tiktok:video:1']);
      expect(items).toHaveLength(1);
      expect(items[0]!.PutRequest!.Item!.sizeBytes).toBe(2);
    });
  });

  describe('Method: getRecords', () => {
    it('retries unprocessed keys and finds tombstones by the keyed hash of the key', async () => {
      // Prepare
      const live = ref('7320768196569599275');
      const purged = ref('7320768196569599276');
      const tomb = tombstoneFor('7320768196569599276');
      const liveItem = recordItem(activeRecord(live.id), NEXT());
      const tombKey = { pk: `tomb#${tomb.recordHash}`, sk: 'tomb' };
      docMock
        .on(BatchGetCommand)
        .resolvesOnce({ Responses: { [TABLE]: [liveItem] }, UnprocessedKeys: { [TABLE]: { Keys: [tombKey] } } })
        .resolves({ Responses: { [TABLE]: [{ ...tombKey, ...tomb }] } });
      const sleeps: number[] = [];

      // Act
      const found = await ledger(sleeps).getRecords([live, purged]);

      // Assess
      const calls = docMock.commandCalls(BatchGetCommand);
      expect(calls).toHaveLength(2);
      expect(calls[0]!.args[0].input.RequestItems![TABLE]!.Keys).toHaveLength(4);
      expect(calls[0]!.args[0].input.RequestItems![TABLE]!.ConsistentRead).toBe(true);
      expect(calls[1]!.args[0].input.RequestItems![TABLE]!.Keys).toEqual([tombKey]);
      expect(sleeps).toHaveLength(1);
      expect(found.get(recordKeyOf(live))).toEqual(activeRecord(live.id));
      expect(found.get(recordKeyOf(purged))).toEqual(tomb);
    });

    it('reads at most 100 keys per BatchGet', async () => {
      // Prepare: 120 refs = 240 keys (record + tombstone each)
      docMock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
      const refs = Array.from({ length: 120 }, (_, i) => ref(String(i + 1)));

      // Act
      const found = await ledger().getRecords(refs);

      // Assess
      const sizes = docMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.Keys!.length);
      expect(sizes).toEqual([100, 100, 40]);
      expect(found.size).toBe(0);
    });

    it('lets a tombstone win over a record item of the same key', async () => {
      // Prepare
      const tomb = tombstoneFor('5');
      docMock.on(BatchGetCommand).resolves({
        Responses: { [TABLE]: [{ pk: `tomb#${tomb.recordHash}`, sk: 'tomb', ...tomb }, recordItem(activeRecord('5'), NEXT())] },
      });

      // Act
      const found = await ledger().getRecords([ref('5')]);

      // Assess
      expect(found.get('tiktok:video:5')?.status).toBe('tombstoned');
    });
  });

  describe('Method: tombstone', () => {
    it('deletes the record and writes a content-free tombstone in one TransactWriteItems', async () => {
      // Prepare
      docMock.on(TransactWriteCommand).resolves({});
      const tomb = tombstoneFor('7320768196569599275');

      // Act
      await ledger().tombstone('tiktok:video:7320768196569599275', tomb);

      // Assess
      const items = docMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
      expect(items).toHaveLength(2);
      expect(items[0]!.Delete).toEqual({ TableName: TABLE, Key: { pk: 'rec#tiktok:video:7320768196569599275', sk: 'rec' } });
      const put = items[1]!.Put!;
      expect(put.Item).toEqual({ pk: `tomb#${tomb.recordHash}`, sk: 'tomb', ...tomb });
      expect(JSON.stringify(put.Item)).not.toContain('7320768196569599275');
      expect(docMock).toHaveReceivedCommandTimes(DeleteCommand, 0);
    });

    it('is idempotent: an existing tombstone is kept and the record item is still deleted', async () => {
      // Prepare
      docMock.on(TransactWriteCommand).rejects(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
        }),
      );
      docMock.on(DeleteCommand).resolves({});

      // Act
      await ledger().tombstone('tiktok:video:9', tombstoneFor('9'));

      // Assess
      expect(docMock).toHaveReceivedCommandWith(DeleteCommand, { TableName: TABLE, Key: { pk: 'rec#tiktok:video:9', sk: 'rec' } });
    });

    it('rethrows other transaction failures', async () => {
      // Prepare
      docMock.on(TransactWriteCommand).rejects(
        new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] }),
      );

      // Act
      const result = ledger().tombstone('tiktok:video:9', tombstoneFor('9'));

      // Assess
      await expect(result).rejects.toThrow(TransactionCanceledException);
      expect(docMock).toHaveReceivedCommandTimes(DeleteCommand, 0);
    });

    it('refuses a tombstone whose hash is not the keyed hash of the key', async () => {
      // Prepare
      const tomb = tombstoneFor('9');

      // Act
      const result = ledger().tombstone('tiktok:video:10', tomb);

      // Assess
      await expect(result).rejects.toThrow(/not the keyed hash/);
      expect(docMock).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });
  });

  describe('Method: updateRecords', () => {
    it('updates only an existing active record and names a missing one', async () => {
      // Prepare
      docMock.on(UpdateCommand, { Key: { pk: 'rec#tiktok:video:1', sk: 'rec' } }).resolves({});
      docMock
        .on(UpdateCommand, { Key: { pk: 'rec#tiktok:video:404', sk: 'rec' } })
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

      // Act
      const result = ledger().updateRecords([
        { kind: 'seen', key: 'tiktok:video:1', at: '2026-01-05T00:00:00.000Z' },
        { kind: 'missed', key: 'tiktok:video:404', at: '2026-01-05T00:00:00.000Z', missCount: 2 },
      ]);

      // Assess
      await expect(result).rejects.toThrow(RecordNotFoundError);
      await expect(result).rejects.toThrow(/tiktok:video:404/);
      const first = docMock.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(first.ConditionExpression).toBe('attribute_exists(pk) AND #status = :active');
      expect(first.ExpressionAttributeValues![':active']).toBe('active');
    });

    it('sets content, deadlines and provenance on a changed record', async () => {
      // Prepare
      docMock.on(UpdateCommand).resolves({});

      // Act
      await ledger().updateRecords([
        {
          kind: 'changed',
          key: 'tiktok:video:1',
          at: '2026-01-05T00:00:00.000Z',
          contentSha256: 'b'.repeat(64),
          sizeBytes: 99,
          refreshDueAt: '2026-01-20T00:00:00.000Z',
          nextActionAt: '2026-01-17T00:00:00.000Z',
          logId: 'LOG2',
        },
      ]);

      // Assess
      const input = docMock.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.UpdateExpression).toContain('#provenance.#logId = :provenance_logId');
      expect(input.ExpressionAttributeValues).toMatchObject({
        ':contentSha256': 'b'.repeat(64),
        ':sizeBytes': 99,
        ':nextActionAt': '2026-01-17T00:00:00.000Z',
        ':provenance_logId': 'LOG2',
        ':missCount': 0,
      });
    });

    it('counts a miss and moves the next look in one UpdateItem', async () => {
      // Prepare
      docMock.on(UpdateCommand).resolves({});

      // Act
      await ledger().updateRecords([{ kind: 'missed', key: 'tiktok:video:1', at: '2026-01-05T00:00:00.000Z', missCount: 2, nextActionAt: '2026-01-05T12:00:00.000Z' }]);

      // Assess
      const calls = docMock.commandCalls(UpdateCommand);
      expect(calls).toHaveLength(1);
      const input = calls[0]!.args[0].input;
      expect(input.UpdateExpression).toBe('SET #missCount = :missCount, #nextActionAt = :nextActionAt');
      expect(input.ExpressionAttributeValues).toMatchObject({ ':missCount': 2, ':nextActionAt': '2026-01-05T12:00:00.000Z' });
      expect(input.ConditionExpression).toBe('attribute_exists(pk) AND #status = :active');
    });
  });

  describe('Method: queryDue', () => {
    it('queries one shard of the due index up to `before`, and round-trips the cursor', async () => {
      // Prepare
      const lek = { pk: 'rec#tiktok:video:1', sk: 'rec', dueShard: 'd#03', nextActionAt: '2026-01-10T00:00:00.000Z' };
      docMock
        .on(QueryCommand)
        .resolvesOnce({ Items: [recordItem(activeRecord('1'), '2026-01-10T00:00:00Z')], LastEvaluatedKey: lek })
        .resolves({ Items: [] });
      const l = ledger();

      // Act
      const first = await l.queryDue(3, new Date('2026-01-15T00:00:00Z'), { limit: 1 });
      const second = await l.queryDue(3, new Date('2026-01-15T00:00:00Z'), { limit: 1, cursor: first.cursor });

      // Assess
      expect(first.records).toEqual([activeRecord('1')]);
      expect(first.cursor).toEqual(expect.any(String));
      expect(second.cursor).toBeUndefined();
      const calls = docMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(calls[0]).toMatchObject({
        IndexName: 'due',
        KeyConditionExpression: 'dueShard = :shard AND nextActionAt <= :before',
        ExpressionAttributeValues: { ':shard': 'd#03', ':before': '2026-01-15T00:00:00.000Z' },
        Limit: 1,
      });
      expect(calls[1]!.ExclusiveStartKey).toEqual(lek);
    });

    it('rejects a forged cursor and a shard out of range', async () => {
      // Prepare
      const l = ledger();

      // Act
      const forged = l.queryDue(0, new Date(), { cursor: Buffer.from('{"pk":1}').toString('base64url') });
      const outOfRange = l.queryDue(16, new Date());

      // Assess
      await expect(forged).rejects.toThrow(BadCursorError);
      await expect(outOfRange).rejects.toThrow(/0\.\.15/);
    });
  });

  describe('Method: children', () => {
    it('pages through the children index', async () => {
      // Prepare
      docMock
        .on(QueryCommand)
        .resolvesOnce({ Items: [recordItem(activeRecord('1', { parentKey: 'tiktok:user:u' }), NEXT())], LastEvaluatedKey: { pk: 'x', sk: 'rec', parentKey: 'tiktok:user:u' } })
        .resolves({ Items: [recordItem(activeRecord('2', { parentKey: 'tiktok:user:u' }), NEXT())] });

      // Act
      const ids: string[] = [];
      for await (const child of ledger().children('tiktok:user:u')) ids.push(child.ref.id);

      // Assess
      expect(ids).toEqual(['1', '2']);
      expect(docMock).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'children', ExpressionAttributeValues: { ':parent': 'tiktok:user:u' } });
    });
  });

  describe('Method: addQuotaUsage', () => {
    it('adds atomically and returns the new totals', async () => {
      // Prepare
      docMock.on(UpdateCommand).resolves({ Attributes: { requests: 7, records: 700 } });

      // Act
      const usage = await ledger().addQuotaUsage('research', '2026-01-05', { requests: 1, records: 100 });

      // Assess
      expect(usage).toEqual({ source: 'research', day: '2026-01-05', requests: 7, records: 700 });
      const input = docMock.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.UpdateExpression).toMatch(/^ADD requests :requests, records :records/);
      expect(input.ReturnValues).toBe('ALL_NEW');
      expect(input.Key).toEqual({ pk: 'quota#research', sk: '2026-01-05' });
    });
  });
});
