/**
 * Counts SDK commands and sums DynamoDB consumed capacity, through client middleware. Tests use it to prove that
 * sweeps never Scan; the bench uses it for write units per record (table and index units reported apart).
 *
 * Attach it to any SDK v3 client (DynamoDBClient, the DynamoDBDocumentClient built from it (they share one
 * middleware stack), S3Client). For DynamoDB commands that support it, it asks for
 * `ReturnConsumedCapacity: 'INDEXES'` unless the caller set a value.
 *
 * @example
 * const meter = new CapacityMeter();
 * const detach = meter.attach(dynamoClient);
 * await ledger.queryDue(0, now);
 * expect(meter.count('ScanCommand')).toBe(0);
 * meter.report().table.read; // read units on base tables
 */

export interface Units {
  read: number;
  write: number;
}

export interface CapacityReport {
  /** Commands sent, by command name (`QueryCommand`, `PutObjectCommand`, ...), including failed ones. */
  readonly commands: Readonly<Record<string, number>>;
  /** Units consumed on base tables. */
  readonly table: Units;
  /** Units consumed on global and local secondary indexes. */
  readonly indexes: Units;
  /** Units by table name, with its indexes by index name. */
  readonly byTable: Readonly<Record<string, { table: Units; indexes: Readonly<Record<string, Units>> }>>;
  /** Responses that carried no ConsumedCapacity although it was requested (e.g. an emulator that omits it). */
  readonly responsesWithoutCapacity: number;
}

/** DynamoDB commands that accept `ReturnConsumedCapacity`, and whether they read or write. */
const CAPACITY_COMMANDS: Readonly<Record<string, 'read' | 'write'>> = {
  GetItemCommand: 'read',
  QueryCommand: 'read',
  ScanCommand: 'read',
  BatchGetItemCommand: 'read',
  TransactGetItemsCommand: 'read',
  PutItemCommand: 'write',
  UpdateItemCommand: 'write',
  DeleteItemCommand: 'write',
  BatchWriteItemCommand: 'write',
  TransactWriteItemsCommand: 'write',
  ExecuteStatementCommand: 'read',
  BatchExecuteStatementCommand: 'read',
  ExecuteTransactionCommand: 'write',
};

interface CapacityFields {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: CapacityFields;
  GlobalSecondaryIndexes?: Record<string, CapacityFields>;
  LocalSecondaryIndexes?: Record<string, CapacityFields>;
}

/** Minimal shape of an SDK v3 client's middleware stack: what `attach` needs. */
interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean; tags?: string[] }): void;
  remove(toRemove: string): boolean;
}

let meterSerial = 0;

export class CapacityMeter {
  private commands: Record<string, number> = {};
  private table: Units = { read: 0, write: 0 };
  private indexes: Units = { read: 0, write: 0 };
  private byTable: Record<string, { table: Units; indexes: Record<string, Units> }> = {};
  private missing = 0;
  private readonly name = `stewardCapacityMeter${++meterSerial}`;

  /** Add the middleware to a client; returns a function that removes it. */
  attach(client: { middlewareStack: MiddlewareStackLike }): () => void {
    const middleware = (next: (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const commandName = context.commandName ?? 'UnknownCommand';
        this.commands[commandName] = (this.commands[commandName] ?? 0) + 1;
        const kind = CAPACITY_COMMANDS[commandName];
        if (kind && args.input.ReturnConsumedCapacity === undefined) {
          args = { ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } };
        }
        const result = await next(args);
        if (kind) this.record(kind, (result.output as { ConsumedCapacity?: CapacityFields | CapacityFields[] }).ConsumedCapacity);
        return result;
      };
    client.middlewareStack.add(middleware, { step: 'initialize', name: this.name, override: true, tags: ['STEWARD_CAPACITY_METER'] });
    return () => {
      client.middlewareStack.remove(this.name);
    };
  }

  /** How many times `commandName` was sent (e.g. `'ScanCommand'`). */
  count(commandName: string): number {
    return this.commands[commandName] ?? 0;
  }

  report(): CapacityReport {
    const clone = (u: Units): Units => ({ read: u.read, write: u.write });
    return {
      commands: { ...this.commands },
      table: clone(this.table),
      indexes: clone(this.indexes),
      byTable: Object.fromEntries(
        Object.entries(this.byTable).map(([name, t]) => [
          name,
          { table: clone(t.table), indexes: Object.fromEntries(Object.entries(t.indexes).map(([i, u]) => [i, clone(u)])) },
        ]),
      ),
      responsesWithoutCapacity: this.missing,
    };
  }

  reset(): void {
    this.commands = {};
    this.table = { read: 0, write: 0 };
    this.indexes = { read: 0, write: 0 };
    this.byTable = {};
    this.missing = 0;
  }

  /** @internal Exposed for tests: add one response's ConsumedCapacity. */
  record(kind: 'read' | 'write', consumed: CapacityFields | CapacityFields[] | undefined): void {
    if (consumed === undefined) {
      this.missing += 1;
      return;
    }
    for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
      const name = entry.TableName ?? '(unknown)';
      const perTable = (this.byTable[name] ??= { table: { read: 0, write: 0 }, indexes: {} });
      const indexes = { ...entry.GlobalSecondaryIndexes, ...entry.LocalSecondaryIndexes };
      if (entry.Table) {
        add(perTable.table, entry.Table, kind);
        add(this.table, entry.Table, kind);
      } else if (Object.keys(indexes).length === 0) {
        // Only a total was returned (ReturnConsumedCapacity TOTAL, or an emulator that reports no breakdown).
        add(perTable.table, entry, kind);
        add(this.table, entry, kind);
      }
      for (const [indexName, units] of Object.entries(indexes)) {
        const perIndex = (perTable.indexes[indexName] ??= { read: 0, write: 0 });
        add(perIndex, units, kind);
        add(this.indexes, units, kind);
      }
    }
  }
}

/** Split explicit read/write units when present; otherwise attribute the total to the command's kind. */
function add(target: Units, units: CapacityFields, kind: 'read' | 'write'): void {
  if (units.ReadCapacityUnits !== undefined || units.WriteCapacityUnits !== undefined) {
    target.read += units.ReadCapacityUnits ?? 0;
    target.write += units.WriteCapacityUnits ?? 0;
  } else {
    target[kind] += units.CapacityUnits ?? 0;
  }
}
