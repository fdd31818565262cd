import 'aws-sdk-client-mock-jest';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createTableInput, ensureTables } from '../../../lib/store/bootstrap';
import { attributeDefinitions, AUDIT_TABLE, LEDGER_TABLE, tableNames } from '../../../lib/store/tables';

const ddbMock = mockClient(DynamoDBClient);
const names = tableNames('steward-unit');

afterEach(() => {
  ddbMock.reset();
});

describe('Table definitions', () => {
  it('declare every key attribute once, as strings, on demand billing', () => {
    // Prepare
    const tables = [LEDGER_TABLE, AUDIT_TABLE];

    // Act
    const attributes = tables.map((t) => attributeDefinitions(t).map((a) => `${a.name}:${a.type}`).sort());

    // Assess
    expect(attributes[0]).toEqual(['dueShard:S', 'nextActionAt:S', 'parentKey:S', 'pk:S', 'sk:S', 'specKey:S']);
    expect(attributes[1]).toEqual(['at:S', 'pk:S', 'recordHash:S', 'recordSk:S', 'researcher:S', 'sk:S', 'timeShard:S']);
    expect(tables.every((t) => t.billingMode === 'PAY_PER_REQUEST')).toBe(true);
  });

  it('build CreateTable input with the indexes the adapters query', () => {
    // Prepare / Act
    const ledger = createTableInput(LEDGER_TABLE, names.ledger);
    const audit = createTableInput(AUDIT_TABLE, names.audit);

    // Assess
    expect(ledger.TableName).toBe('steward-unit-ledger');
    expect(ledger.GlobalSecondaryIndexes.map((i) => i.IndexName)).toEqual(['due', 'children', 'by-spec']);
    expect(ledger.GlobalSecondaryIndexes[0]!.KeySchema).toEqual([
      { AttributeName: 'dueShard', KeyType: 'HASH' },
      { AttributeName: 'nextActionAt', KeyType: 'RANGE' },
    ]);
    expect(audit.GlobalSecondaryIndexes.map((i) => i.IndexName)).toEqual(['by-record', 'by-time', 'by-researcher']);
    expect(audit.GlobalSecondaryIndexes.every((i) => i.Projection.ProjectionType === 'ALL')).toBe(true);
    expect(AUDIT_TABLE.timeToLiveAttribute).toBeUndefined();
    expect(LEDGER_TABLE.timeToLiveAttribute).toBe('ttl');
  });
});

describe('Function: ensureTables', () => {
  it('creates missing tables, waits until ACTIVE, and enables TTL only when asked', async () => {
    // Prepare
    const active = (name: string) => ({ Table: { ...createTableInput(name.endsWith('ledger') ? LEDGER_TABLE : AUDIT_TABLE, name), TableStatus: 'ACTIVE' as const } });
    ddbMock
      .on(DescribeTableCommand, { TableName: names.ledger })
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves(active(names.ledger));
    ddbMock.on(DescribeTableCommand, { TableName: names.audit }).resolves(active(names.audit));
    ddbMock.on(CreateTableCommand).resolves({});
    ddbMock.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
    ddbMock.on(UpdateTimeToLiveCommand).resolves({});

    // Act
    const result = await ensureTables(new DynamoDBClient({ region: 'us-east-1' }), names, { timeToLive: true });

    // Assess
    expect(result.created).toEqual([names.ledger]);
    expect(ddbMock).toHaveReceivedCommandTimes(CreateTableCommand, 1);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateTimeToLiveCommand, {
      TableName: names.ledger,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateTimeToLiveCommand, 1);
  });

  it('existing ACTIVE tables are described once each, at once, with no wait and nothing created', async () => {
    // Prepare
    const active = (name: string) => ({ Table: { ...createTableInput(name.endsWith('ledger') ? LEDGER_TABLE : AUDIT_TABLE, name), TableStatus: 'ACTIVE' as const } });
    let inFlight = 0;
    let most = 0;
    ddbMock.on(DescribeTableCommand).callsFake(async (input: { TableName: string }) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return active(input.TableName);
    });

    // Act
    const result = await ensureTables(new DynamoDBClient({ region: 'us-east-1' }), names);

    // Assess
    expect(result.created).toEqual([]);
    expect(ddbMock).toHaveReceivedCommandTimes(DescribeTableCommand, 2);
    expect(most).toBe(2);
    expect(ddbMock).toHaveReceivedCommandTimes(CreateTableCommand, 0);
  });

  it('refuses an existing table whose indexes differ from the definition', async () => {
    // Prepare
    const input = createTableInput(LEDGER_TABLE, names.ledger);
    ddbMock.on(DescribeTableCommand).resolves({ Table: { ...input, GlobalSecondaryIndexes: input.GlobalSecondaryIndexes.slice(0, 1), TableStatus: 'ACTIVE' } });

    // Act
    const result = ensureTables(new DynamoDBClient({ region: 'us-east-1' }), names);

    // Assess
    await expect(result).rejects.toThrow(/index children is missing/);
    expect(ddbMock).toHaveReceivedCommandTimes(CreateTableCommand, 0);
  });
});
