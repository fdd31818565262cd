/**
 * Creates the Steward tables from their definitions (tables.ts) when they are missing: for local runs and tests.
 * Deployed stacks get the same tables from CDK. Idempotent: existing tables are checked, not recreated.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { attributeDefinitions, TABLES, type TableDefinition, type TableNames, type TableRole } from './tables';

export interface EnsureTablesOptions {
  /**
   * Turn on TTL for tables that define a TTL attribute. Off by default locally: DynamoDB Local 3.x deletes
   * expired items about a second after their epoch passes by the wall clock, while local runs and tests move
   * a simulated clock, so items stamped in simulated time could vanish. Deployed tables get TTL from CDK.
   * @default false
   */
  readonly timeToLive?: boolean;
  /** Longest wait for a table to become ACTIVE. @default 60 */
  readonly maxWaitSeconds?: number;
}

export interface EnsureTablesResult {
  /** Tables this call created (empty when all existed). */
  readonly created: string[];
}

/** Turn a definition into CreateTable input for `tableName`. */
export function createTableInput(definition: TableDefinition, tableName: string) {
  return {
    TableName: tableName,
    BillingMode: definition.billingMode,
    AttributeDefinitions: attributeDefinitions(definition).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
      ],
      Projection:
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projection.nonKeyAttributes] }
          : { ProjectionType: index.projection.type },
    })),
  };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Differences between an existing table and its definition (keys and index names); empty when they match. */
export function schemaDifferences(definition: TableDefinition, table: TableDescription): string[] {
  const problems: string[] = [];
  const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const wantKey = `${definition.partitionKey.name}:HASH,${definition.sortKey.name}:RANGE`;
  if (keyOf(table.KeySchema) !== wantKey) problems.push(`key schema is ${keyOf(table.KeySchema)}, expected ${wantKey}`);
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, keyOf(i.KeySchema)]));
  for (const index of definition.globalSecondaryIndexes) {
    const want = `${index.partitionKey.name}:HASH${index.sortKey ? `,${index.sortKey.name}:RANGE` : ''}`;
    const have = existing.get(index.indexName);
    if (have === undefined) problems.push(`index ${index.indexName} is missing`);
    else if (have !== want) problems.push(`index ${index.indexName} has key ${have}, expected ${want}`);
  }
  return problems;
}

/**
 * Create each table in `names` that does not exist yet, wait until it is ACTIVE, and check that existing tables
 * match their definitions (throws, naming the differences, when they do not: delete the local state to rebuild).
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: TableNames,
  options: EnsureTablesOptions = {},
): Promise<EnsureTablesResult> {
  const maxWaitTime = options.maxWaitSeconds ?? 60;
  // The tables are independent: checked (and made) at once. A table found ACTIVE needs no wait.
  const ensureOne = async (role: TableRole): Promise<boolean> => {
    const definition = TABLES[role];
    const tableName = names[role];
    const existing = await describe(client, tableName);
    let created = false;
    if (existing) {
      const problems = schemaDifferences(definition, existing);
      if (problems.length > 0) {
        throw new Error(`table ${tableName} does not match the ${role} definition: ${problems.join('; ')}. Delete it (or the local state) to recreate it.`);
      }
    } else {
      try {
        await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
        created = true;
      } catch (error) {
        // Another process created it between Describe and Create: fine, wait for it below.
        if (!(error instanceof ResourceInUseException || (error as { name?: string }).name === 'ResourceInUseException')) throw error;
      }
    }
    if (existing?.TableStatus !== 'ACTIVE') await waitUntilTableExists({ client, maxWaitTime, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
    if (options.timeToLive && definition.timeToLiveAttribute) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }
    return created;
  };
  const roles = Object.keys(TABLES) as TableRole[];
  const made = await Promise.all(roles.map(ensureOne));
  const created = roles.filter((_, i) => made[i]).map((role) => names[role]);
  return { created };
}
