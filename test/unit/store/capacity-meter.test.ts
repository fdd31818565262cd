/**
 * The meter is SDK middleware, which aws-sdk-client-mock bypasses (it stubs `send`). So these tests run a real
 * DynamoDBClient whose HTTP handler answers from memory: the full middleware stack runs, nothing leaves the process.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { DynamoDbLedger, recordItem } from '../../../lib/store/dynamodb-ledger';
import { activeRecord, hasher } from './fixtures';

/** DynamoDB JSON of a plain item (strings, numbers, maps): enough for ledger items. */
function toAttributeValues(item: Record<string, unknown>): Record<string, unknown> {
  const value = (v: unknown): unknown =>
    typeof v === 'string' ? { S: v } : typeof v === 'number' ? { N: String(v) } : { M: toAttributeValues(v as Record<string, unknown>) };
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined).map(([k, v]) => [k, value(v)]));
}

interface Sent {
  target: string;
  body: Record<string, unknown>;
}

/** A DynamoDB client whose every response comes from `answer(target, body)`. */
function fakeDynamo(answer: (target: string, body: Record<string, unknown>) => Record<string, unknown>): { client: DynamoDBClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const requestHandler = {
    handle: async (request: { headers: Record<string, string>; body: string | Uint8Array }) => {
      const target = request.headers['x-amz-target']!.split('.')[1]!;
      const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      const body = JSON.parse(text) as Record<string, unknown>;
      sent.push({ target, body });
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from(JSON.stringify(answer(target, body))),
        },
      };
    },
  };
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.invalid',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: requestHandler as never,
  });
  return { client, sent };
}

describe('Class: CapacityMeter', () => {
  it('counts commands, requests INDEXES capacity and sums table and index units apart', async () => {
    // Prepare
    const { client, sent } = fakeDynamo(() => ({
      ConsumedCapacity: {
        TableName: 'ledger',
        CapacityUnits: 3,
        Table: { CapacityUnits: 1 },
        GlobalSecondaryIndexes: { due: { CapacityUnits: 1 }, children: { CapacityUnits: 1 } },
      },
    }));
    const meter = new CapacityMeter();
    meter.attach(client);

    // Act
    await client.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'a' }, sk: { S: 'b' } }, ReturnConsumedCapacity: 'TOTAL' }));
    const report = meter.report();

    // Assess
    expect(sent[0]!.body.ReturnConsumedCapacity).toBe('INDEXES');
    expect(sent[1]!.body.ReturnConsumedCapacity).toBe('TOTAL');
    expect(report.commands).toEqual({ GetItemCommand: 2 });
    expect(report.table).toEqual({ read: 2, write: 0 });
    expect(report.indexes).toEqual({ read: 4, write: 0 });
    expect(report.byTable.ledger!.indexes.due).toEqual({ read: 2, write: 0 });
  });

  it('sums arrays of capacity (batch calls) as writes and counts responses without capacity', () => {
    // Prepare
    const meter = new CapacityMeter();

    // Act
    meter.record('write', [
      { TableName: 'ledger', CapacityUnits: 4, Table: { CapacityUnits: 2 }, GlobalSecondaryIndexes: { due: { CapacityUnits: 2 } } },
      { TableName: 'audit', CapacityUnits: 1 },
    ]);
    meter.record('write', undefined);

    // Assess
    const report = meter.report();
    expect(report.table).toEqual({ read: 0, write: 3 });
    expect(report.indexes).toEqual({ read: 0, write: 2 });
    expect(report.byTable.audit!.table.write).toBe(1);
    expect(report.responsesWithoutCapacity).toBe(1);
  });

  it('counts commands of other clients (S3 PUTs) without touching their input', async () => {
    // Prepare
    const requests: string[] = [];
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://s3.invalid',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      requestHandler: {
        handle: async (request: { method: string; path: string }) => {
          requests.push(`${request.method} ${request.path}`);
          return { response: { statusCode: 200, headers: {}, body: Buffer.alloc(0) } };
        },
      } as never,
    });
    const meter = new CapacityMeter();
    const detach = meter.attach(s3);

    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));
    detach();
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k2', Body: 'x' }));

    // Assess
    expect(requests).toEqual(['PUT /b/k', 'PUT /b/k2']);
    expect(meter.count('PutObjectCommand')).toBe(1);
    expect(meter.report().responsesWithoutCapacity).toBe(0);
  });

  it('proves queryDue and children issue Queries on their indexes and never a Scan', async () => {
    // Prepare
    const item = toAttributeValues(recordItem(activeRecord('7320768196569599275', { parentKey: 'tiktok:user:u' }), '2026-01-10T00:00:00Z'));
    let childPages = 0;
    const { client, sent } = fakeDynamo((_target, body) => ({
      Items: [item],
      Count: 1,
      // The children index answers in two pages.
      ...(body.IndexName === 'children' && childPages++ === 0 ? { LastEvaluatedKey: { pk: item.pk, sk: item.sk, parentKey: item.parentKey } } : {}),
      ConsumedCapacity: { TableName: 'ledger', CapacityUnits: 0.5, Table: { CapacityUnits: 0 }, GlobalSecondaryIndexes: { due: { CapacityUnits: 0.5 } } },
    }));
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const meter = new CapacityMeter();
    meter.attach(client);
    const ledger = new DynamoDbLedger(doc, 'ledger', hasher);

    // Act
    for (let shard = 0; shard < ledger.dueShards; shard++) await ledger.queryDue(shard, new Date('2026-01-15T00:00:00Z'));
    const children = [];
    for await (const child of ledger.children('tiktok:user:u')) children.push(child);

    // Assess
    expect(meter.count('ScanCommand')).toBe(0);
    expect(meter.report().commands).toEqual({ QueryCommand: 16 + 2 });
    expect(children).toHaveLength(2);
    expect(new Set(sent.map((s) => s.body.IndexName))).toEqual(new Set(['due', 'children']));
    expect(meter.report().indexes.read).toBe(9);
  });
});
