/**
 * DynamoDB Local (started once by the jest global setup) behaves like DynamoDB for what Steward relies on:
 * GSIs, transactions, conditional writes, paginated queries, exact big numbers.
 */
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';

import { createTestTable, destroyTestClients, testDynamoClients } from '../../support/local-aws';

const ledgerDefinition = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
    { AttributeName: 'gsi1pk', AttributeType: 'S' as const },
    { AttributeName: 'gsi1sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'due',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' as const },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    },
  ],
};

let table: string;

beforeAll(async () => {
  table = await createTestTable(ledgerDefinition, 'ddb-local');
});

afterAll(() => destroyTestClients());

describe('DynamoDB Local', () => {
  it('creates a table with a GSI that is ACTIVE at once', async () => {
    const { Table } = await testDynamoClients().client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([['due', 'ACTIVE']]);
  });

  it('commits TransactWriteItems atomically and cancels all of it when one condition fails', async () => {
    const { doc } = testDynamoClients();
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'tx#1', sk: 'record', v: 1 } } },
          { Put: { TableName: table, Item: { pk: 'tx#1', sk: 'audit#0001', event: 'collected' } } },
        ],
      }),
    );
    expect((await doc.send(new GetCommand({ TableName: table, Key: { pk: 'tx#1', sk: 'audit#0001' } }))).Item).toBeDefined();

    const cancelled = doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'tx#2', sk: 'record', v: 1 } } },
          { Put: { TableName: table, Item: { pk: 'tx#1', sk: 'record', v: 2 }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(cancelled).rejects.toBeInstanceOf(TransactionCanceledException);
    await cancelled.catch((error: TransactionCanceledException) => {
      expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    });
    expect((await doc.send(new GetCommand({ TableName: table, Key: { pk: 'tx#2', sk: 'record' } }))).Item).toBeUndefined();
    expect((await doc.send(new GetCommand({ TableName: table, Key: { pk: 'tx#1', sk: 'record' } }))).Item?.v).toBe(1);
  });

  it('fails a conditional put with ConditionalCheckFailedException and returns the old item on request', async () => {
    const { doc } = testDynamoClients();
    const put = (v: number) =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'cond#1', sk: 'record', v },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    await put(1);
    const second = put(2);
    await expect(second).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await second.catch((error: ConditionalCheckFailedException) => {
      expect(error.name).toBe('ConditionalCheckFailedException');
      expect(error.Item?.v).toEqual({ N: '1' });
    });
  });

  it('paginates a Query (table and GSI) with Limit and LastEvaluatedKey', async () => {
    const { doc } = testDynamoClients();
    const n = 25;
    for (let i = 0; i < n; i++) {
      const at = `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:${String(i).padStart(2, '0')}Z`;
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'page#1', sk: `r#${String(i).padStart(3, '0')}`, gsi1pk: 'due#0', gsi1sk: at } }));
    }

    const pages: string[][] = [];
    for await (const page of paginateQuery(
      { client: doc, pageSize: 10 },
      { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'page#1' } },
    )) {
      pages.push((page.Items ?? []).map((item) => item.sk as string));
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: n }, (_, i) => `r#${String(i).padStart(3, '0')}`));

    const dueAt: string[] = [];
    let pageCount = 0;
    for await (const page of paginateQuery(
      { client: doc, pageSize: 7 },
      {
        TableName: table,
        IndexName: 'due',
        KeyConditionExpression: 'gsi1pk = :s AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':s': 'due#0', ':now': '2026-01-10T23:59:59Z' },
      },
    )) {
      pageCount += 1;
      dueAt.push(...(page.Items ?? []).map((item) => item.gsi1sk as string));
    }
    expect(dueAt).toHaveLength(10);
    expect([...dueAt].sort()).toEqual(dueAt);
    expect(pageCount).toBeGreaterThanOrEqual(2);
  });

  it('keeps a 19-digit number exact (as N, through the low-level client)', async () => {
    const { client } = testDynamoClients();
    const id = '7301234567890123456';
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'num#1' }, sk: { S: 'record' }, id: { N: id } } }));
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'num#1' }, sk: { S: 'record' } } }));
    expect(Item?.id).toEqual({ N: id });
  });

  it('is reached by a bare `new DynamoDBClient({})` through the environment alone', async () => {
    const bare = new DynamoDBClient({});
    try {
      const { Table } = await bare.send(new DescribeTableCommand({ TableName: table }));
      expect(Table?.TableName).toBe(table);
    } finally {
      bare.destroy();
    }
  });
});
