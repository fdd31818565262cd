/**
 * The DynamoDB tables, defined once as plain data. The CDK stack (lib/infra) and the local bootstrap
 * (bootstrap.ts) both build their tables from these objects, so a key or index can never differ between a
 * deployed stack and the embedded local services.
 *
 * Item layouts (all keys are strings):
 *
 * Ledger table (`pk`, `sk`):
 * | item | pk | sk | notes |
 * | --- | --- | --- | --- |
 * | active record | `rec#<recordKey>` | `rec` | ActiveRecord flattened (ref as platform/kind/id, provenance as a map), plus `dueShard` + `nextActionAt` (GSI `due`), `parentKey` (GSI `children`, sparse); videos written before spec lists also hold `specKey` (GSI `by-spec`) |
 * | spec list | `videos#<specName>` | `<firstCollectedAt>#<digest>` | `keys`: up to 100 keys of videos the spec first collected (one item per collected page, written before the records); readers skip keys no longer active. Dependent specs walk these instead of one `by-spec` index write per video |
 * | tombstone | `tomb#<recordHash>` | `tomb` | content-free: no id, no object key, no provenance; never in a GSI |
 * | checkpoint | `ckpt#<specName>` | `ckpt` | |
 * | run | `run#<runId>` | `run` | |
| open runs | `runs#open` | `open` | one attribute `run:<runId>` per run still `running` (set and removed with the run item, in one transaction): how the next run finds an interrupted one (jobs/runs.ts) |
 * | quota usage | `quota#<source>` | `<YYYY-MM-DD>` | atomic `ADD requests, records`; `ttl` set |
 * | lease | `lease#<name>` | `lease` | conditional put by one worker (`owner`, `expiresAt`), e.g. `refresh-shard-03`; `ttl` set |
 * | fuse counts | `fuse#<source>` | `h#<YYYY-MM-DDTHH>` | purge fuse: atomic `ADD checked, confirmed` per hour; `ttl` set |
 * | open hold | `fuse#<source>` | `open` | the source's open hold (`holdId`): conditional put, one per source; after a decision only `resetAt` (the fuse window restarts) |
 * | hold | `holds` | `<holdId>` | a purge hold (domain/purge-fuse.ts `Hold`); one partition, holds are few |
 * | hold member | `hold#<holdId>` | `<recordKey>` | a record the hold keeps; deleted when the hold is decided |
 *
 * Audit table (`pk`, `sk`):
 * | item | pk | sk | notes |
 * | --- | --- | --- | --- |
 * | event | `chain#<chainId>` | seq, zero-padded to 12 digits | GSI attributes `recordSk` (events that name one record), `timeShard`, `researcher`; a `record.collected` page event names up to 100 records in `recordHashes` and so is in `by-time` but in no per-record index |
 * | chain registry | `chains` | `<chainId>` | written when a chain is opened |
 * | seal | `seals` | seal seq, zero-padded to 12 digits | the seal log (domain/audit.ts): commits to chain heads at open and close; conditional put on the next seq |
 */

export type AttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export type IndexProjection =
  | { readonly type: 'ALL' }
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'INCLUDE'; readonly nonKeyAttributes: readonly string[] };

export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: IndexProjection;
  /** Why the index exists; for readers of the stack and of this file. */
  readonly purpose: string;
}

export interface TableDefinition {
  /** Appended to the project's prefix to form the physical name, e.g. `steward-myproject-ledger`. */
  readonly suffix: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalIndexDefinition[];
  /** Epoch-seconds attribute DynamoDB expires items by; undefined when nothing in the table may expire. */
  readonly timeToLiveAttribute?: string;
  readonly billingMode: 'PAY_PER_REQUEST';
}

/** Number of `due` index partitions: spreads the sweep's hot key; each sweep queries every shard. */
export const DUE_SHARDS = 16;
/** Number of `by-time` index partitions per UTC day. */
export const TIME_SHARDS = 4;

export const LEDGER_INDEX = { due: 'due', children: 'children', bySpec: 'by-spec' } as const;
export const AUDIT_INDEX = { byRecord: 'by-record', byTime: 'by-time', byResearcher: 'by-researcher' } as const;

export const LEDGER_TABLE: TableDefinition = {
  suffix: 'ledger',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: LEDGER_INDEX.due,
      partitionKey: { name: 'dueShard', type: 'S' },
      sortKey: { name: 'nextActionAt', type: 'S' },
      projection: { type: 'ALL' },
      purpose: 'sweeps: active records whose next action is due, per shard, without a Scan',
    },
    {
      indexName: LEDGER_INDEX.children,
      partitionKey: { name: 'parentKey', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      projection: { type: 'ALL' },
      purpose: 'erasure cascades: active records that name a parent (sparse)',
    },
    {
      indexName: LEDGER_INDEX.bySpec,
      partitionKey: { name: 'specKey', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      projection: { type: 'KEYS_ONLY' },
      // Nothing written since spec lists enters it (no `specKey` on new items): it still answers for videos
      // collected before, so an existing deployment keeps them without a migration; in a new table it stays empty.
      purpose: 'dependent specs: the videos a spec collected before spec lists (legacy, read only; sparse: videos with specKey)',
    },
  ],
  timeToLiveAttribute: 'ttl',
  billingMode: 'PAY_PER_REQUEST',
};

export const AUDIT_TABLE: TableDefinition = {
  suffix: 'audit',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: AUDIT_INDEX.byRecord,
      partitionKey: { name: 'recordHash', type: 'S' },
      sortKey: { name: 'recordSk', type: 'S' },
      projection: { type: 'ALL' },
      purpose: 'history of one record, by time (sparse: events that name a record)',
    },
    {
      indexName: AUDIT_INDEX.byTime,
      partitionKey: { name: 'timeShard', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: { type: 'ALL' },
      purpose: 'action and time-range queries: <YYYY-MM-DD>#<shard> partitions, filtered on action',
    },
    {
      indexName: AUDIT_INDEX.byResearcher,
      partitionKey: { name: 'researcher', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: { type: 'ALL' },
      purpose: 'what a researcher did (sparse: only researcher actors)',
    },
  ],
  // The audit log is append-only and must outlive the data: nothing in it ever expires.
  timeToLiveAttribute: undefined,
  billingMode: 'PAY_PER_REQUEST',
};

export const TABLES = { ledger: LEDGER_TABLE, audit: AUDIT_TABLE } as const;
export type TableRole = keyof typeof TABLES;
export type TableNames = Readonly<Record<TableRole, string>>;

/** Physical names from a prefix: `tableNames('steward-demo')` → `{ ledger: 'steward-demo-ledger', audit: 'steward-demo-audit' }`. */
export function tableNames(prefix: string): TableNames {
  return { ledger: `${prefix}-${LEDGER_TABLE.suffix}`, audit: `${prefix}-${AUDIT_TABLE.suffix}` };
}

/** Every attribute that appears in a key of the table or one of its indexes, once, with its type. */
export function attributeDefinitions(table: TableDefinition): KeyAttribute[] {
  const all = [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((i) => (i.sortKey ? [i.partitionKey, i.sortKey] : [i.partitionKey]))];
  const byName = new Map<string, KeyAttribute>();
  for (const attribute of all) {
    const seen = byName.get(attribute.name);
    if (seen && seen.type !== attribute.type) {
      throw new Error(`table ${table.suffix}: attribute ${attribute.name} is declared as both ${seen.type} and ${attribute.type}`);
    }
    byName.set(attribute.name, attribute);
  }
  return [...byName.values()];
}

/** Zero-padded width of audit `sk` (event seq). */
export const SEQ_WIDTH = 12;

/** Ledger and audit key builders: the only place item keys are spelled. */
export const ledgerKeys = {
  record: (recordKey: string) => ({ pk: `rec#${recordKey}`, sk: 'rec' }),
  /** The record key inside an active record's `pk`. */
  recordKeyOfPk: (pk: string) => pk.slice('rec#'.length),
  tombstone: (recordHash: string) => ({ pk: `tomb#${recordHash}`, sk: 'tomb' }),
  checkpoint: (specName: string) => ({ pk: `ckpt#${specName}`, sk: 'ckpt' }),
  run: (runId: string) => ({ pk: `run#${runId}`, sk: 'run' }),
  /** One item naming every run still open (status `running`), so the next run finds a crashed one without a Scan. */
  openRuns: { pk: 'runs#open', sk: 'open' },
  quota: (source: string, day: string) => ({ pk: `quota#${source}`, sk: day }),
  /** A lease that keeps two workers off the same work (e.g. one due-index shard). */
  lease: (name: string) => ({ pk: `lease#${name}`, sk: 'lease' }),
  dueShard: (shard: number) => `d#${String(shard).padStart(2, '0')}`,
  /** One spec-list item: keys of videos `specName` first collected (dynamodb-spec-lists.ts `specListItems`). */
  specList: (specName: string, sk: string) => ({ pk: `videos#${specName}`, sk }),
  /** Purge fuse counts of one source and hour (`YYYY-MM-DDTHH`). */
  fuseCounts: (source: string, hour: string) => ({ pk: `fuse#${source}`, sk: `h#${hour}` }),
  /** The open hold of one source. */
  openHold: (source: string) => ({ pk: `fuse#${source}`, sk: 'open' }),
  hold: (holdId: string) => ({ pk: 'holds', sk: holdId }),
  holdMember: (holdId: string, recordKey: string) => ({ pk: `hold#${holdId}`, sk: recordKey }),
} as const;

export const auditKeys = {
  chainPk: (chainId: string) => `chain#${chainId}`,
  seqSk: (seq: number) => String(seq).padStart(SEQ_WIDTH, '0'),
  registryPk: 'chains',
  sealPk: 'seals',
  recordSk: (at: string, chainId: string, seq: number) => `${at}#${chainId}#${String(seq).padStart(SEQ_WIDTH, '0')}`,
  timeShard: (day: string, shard: number) => `${day}#${shard}`,
} as const;
