/**
 * Query engine: SQL over the analysis exports where they live (Athena over the Parquet parts in the vault), without
 * copying data out. One Glue table per view (`videos`, `comments`, `users`, `ads`), each over the Parquet exports of
 * its kind (`exports/data/kind=<kind>/format=parquet/`), partitioned by spec with partition projection (no crawler,
 * no partition metadata to keep up to date), and one Athena workgroup that enforces its own result location.
 *
 * Only current export versions are read: the export job keeps exactly the newest version's parts under
 * `exports/data/` (a rebuild deletes every version of each part it replaces, in the run that purged the record;
 * a part a crash left behind is deleted by the hourly purge's reconciliation, and `verify` reports it as
 * `export-file-left` meanwhile), and Athena never reads noncurrent object versions. So a query over a purged
 * record's data returns nothing once its purge run has finished (one running during the rebuild may, for those
 * seconds, read the part being replaced beside its replacement).
 *
 * Query results are derived copies too: they live in a bucket of their own, encrypted with the content key (they
 * are crypto-shredded with the data), and expire after one day, since a result may hold a record purged since.
 * Members never start queries themselves: the query function validates the SQL, runs it in the workgroup and
 * writes `query.run` (lambdas/query.ts); members may read the workgroup's results (`readResultsStatements`).
 * The `records` view reads the provenance columns of every kind through the `export_provenance` table; `purges`
 * (from the audit log) has no source here.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORT_DATA_PREFIX } from '../domain/exports';
import { glueTypeOf, type QueryView, type ViewColumnType } from '../domain/query-views';
import { RECORD_KINDS, type RecordKind } from '../domain/records';
import { LOG_PREFIXES, type DataVault } from './data-vault';
import { pascalCase } from './naming';
import { arnFinding } from './vault-access';

/** Presto (Athena view) types of the view columns, for the `records` view's definition. */
const PRESTO_TYPES: Readonly<Record<ViewColumnType, string>> = {
  id: 'bigint',
  int: 'bigint',
  string: 'varchar',
  bool: 'boolean',
  strings: 'array(varchar)',
  ids: 'array(bigint)',
  json: 'varchar',
};

/** The partition column of every table: the collection spec the export was made of (`spec=<name>` in the keys). */
export const SPEC_PARTITION = 'spec';
/** The partition column of the provenance table: the record kind (`kind=<kind>` in the keys). */
export const KIND_PARTITION = 'kind';
/** The table the `records` view reads: the provenance columns of every Parquet export, all kinds. */
export const PROVENANCE_TABLE = 'export_provenance';
/** Query results expire after one day: a result may hold content purged since it was written. */
export const QUERY_RESULT_RETENTION = Duration.days(1);
/** Prefix of query results inside the results bucket. */
export const QUERY_RESULTS_PREFIX = 'results/';

export interface QueryEngineProps {
  readonly projectId: string;
  readonly vault: DataVault;
  /**
   * The views (lib/domain/query-views.ts): a table per kind view, the `records` view over the provenance table;
   * views whose rows do not come from the exports (`purges`, from the audit log) have no Parquet source here.
   */
  readonly views: readonly QueryView[];
  /** The config's specs: the values of the `spec` partition of each view. */
  readonly specs: ReadonlyArray<{ readonly name: string; readonly kind: RecordKind }>;
  /**
   * A query that would scan more is cancelled by Athena (a cost guard).
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** Glue names allow lowercase letters, digits and underscores: `climate-talk` → `steward_climate_talk`. */
export function glueDatabaseNameOf(projectId: string): string {
  return `steward_${projectId.replace(/-/g, '_')}`;
}

export function workGroupNameOf(projectId: string): string {
  return `steward-${projectId}`;
}

/** Where the Parquet exports of `kind` live, as an S3 URL in `bucketName`. */
export function viewLocation(bucketName: string, kind: RecordKind): string {
  return `s3://${bucketName}/${EXPORT_DATA_PREFIX}kind=${kind}/format=parquet/`;
}

export class QueryEngine extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly databaseName: string;
  public readonly tables: ReadonlyMap<string, glue.CfnTable>;
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly workGroupName: string;
  /** Query results only; every object expires after `resultRetention`. */
  public readonly resultsBucket: s3.Bucket;
  private readonly vault: DataVault;

  constructor(scope: Construct, id: string, props: QueryEngineProps) {
    super(scope, id);
    const problems = queryEngineProblems(props);
    if (problems.length > 0) throw new Error(`the query engine cannot be built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    const { vault } = props;
    this.vault = vault;
    const stack = Stack.of(this);
    const retention = QUERY_RESULT_RETENTION;

    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: vault.contentKey,
      bucketKeyEnabled: true,
      // Unversioned on purpose: an expired result is gone, no noncurrent version keeps it.
      versioned: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: vault.logBucket,
      serverAccessLogsPrefix: LOG_PREFIXES.queryResultsAccess,
      lifecycleRules: [{ id: 'expire-query-results', expiration: retention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Results expire within a day whatever happens to the stack; a retained bucket empties itself.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.workGroupName = workGroupNameOf(props.projectId);
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `Steward ${props.projectId}: SQL over the current analysis exports; results expire after ${retention.toDays()} day(s)`,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot override the result location or its encryption.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject(QUERY_RESULTS_PREFIX),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: vault.contentKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.databaseName = glueDatabaseNameOf(props.projectId);
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: `Steward ${props.projectId}: one table per view over the current Parquet exports (partition projection)` },
    });

    const tables = new Map<string, glue.CfnTable>();
    const addTable = (name: string, tableInput: glue.CfnTable.TableInputProperty) => {
      const table = new glue.CfnTable(this, `Table${pascalCase(name.replace(/_/g, '-'))}`, { catalogId: stack.account, databaseName: this.databaseName, tableInput: { name, ...tableInput } });
      table.node.addDependency(this.database);
      tables.set(name, table);
      return table;
    };
    const specsOf = (kind?: RecordKind) => {
      const ofKind = props.specs.filter((s) => kind === undefined || s.kind === kind).map((s) => s.name);
      // A kind no spec collects still gets its table (empty): its projection names every spec, whose prefixes under
      // this kind hold nothing.
      return (ofKind.length > 0 ? ofKind : props.specs.map((s) => s.name)).join(',');
    };
    const bucketName = vault.bucket.bucketName;
    for (const view of props.views) {
      if (view.source.from !== 'exports') continue;
      addTable(view.name, parquetTable(viewLocation(bucketName, view.source.kind), view.description, view.columns, { [SPEC_PARTITION]: specsOf(view.source.kind) }));
    }
    const records = props.views.find((v) => v.source.from === 'export-provenance');
    if (records) {
      const provenance = records.columns.filter((c) => c.from !== undefined);
      const source = addTable(
        PROVENANCE_TABLE,
        parquetTable(
          `s3://${bucketName}/${EXPORT_DATA_PREFIX}`,
          `the provenance columns of every current Parquet export, all kinds (the ${records.name} view reads it)`,
          provenance.map((c) => ({ ...c, name: c.from! })),
          { [KIND_PARTITION]: RECORD_KINDS.join(','), [SPEC_PARTITION]: specsOf() },
        ),
      );
      addTable(records.name, prestoView(this.databaseName, records, PROVENANCE_TABLE)).node.addDependency(source);
    }
    this.tables = tables;
  }

  get workGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
  }

  private glueResources(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      ...[...this.tables.keys()].map((name) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${name}` })),
    ];
  }

  /** Read the catalog of the views: the database and its tables, nothing else of Glue. */
  glueReadStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'ReadQueryCatalog',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: this.glueResources(),
    });
  }

  /**
   * What the query function needs to run a query in the workgroup with its own credentials: start, watch and stop
   * executions of this workgroup, read the catalog and the Parquet exports (`exports/data/`, never `records/`),
   * write and read results in the results bucket, and use the content key for both.
   */
  grantRunQueries(role: iam.Role): void {
    const results = this.resultsBucket.arnForObjects(`${QUERY_RESULTS_PREFIX}*`);
    const dataParts = this.vault.bucket.arnForObjects(`${EXPORT_DATA_PREFIX}*`);
    for (const statement of [
      new iam.PolicyStatement({
        sid: 'RunQueriesInWorkGroup',
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryRuntimeStatistics', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
        resources: [this.workGroupArn],
      }),
      this.glueReadStatement(),
      new iam.PolicyStatement({ sid: 'ListExportParts', actions: ['s3:ListBucket'], resources: [this.vault.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${EXPORT_DATA_PREFIX}*`] } } }),
      new iam.PolicyStatement({ sid: 'ReadExportParts', actions: ['s3:GetObject'], resources: [dataParts] }),
      new iam.PolicyStatement({ sid: 'DataBucketLocation', actions: ['s3:GetBucketLocation'], resources: [this.vault.bucket.bucketArn, this.resultsBucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'ListQueryResults', actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [this.resultsBucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'WriteQueryResults', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [results] }),
      new iam.PolicyStatement({ sid: 'UseContentKeyForQueries', actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [this.vault.contentKey.keyArn] }),
    ]) {
      role.addToPrincipalPolicy(statement);
    }
    this.acknowledgeObjectScopes(role, true);
  }

  /**
   * What a member needs to read a query's results (GetQueryResults reads the result object with the caller's
   * credentials): the executions and results of this workgroup, the catalog, and the result objects. No
   * StartQueryExecution: queries run only through the query function, which audits them.
   */
  readResultsStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ sid: 'ReadQueryResults', actions: ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup'], resources: [this.workGroupArn] }),
      this.glueReadStatement(),
      new iam.PolicyStatement({ sid: 'ReadQueryResultObjects', actions: ['s3:GetObject'], resources: [this.resultsBucket.arnForObjects(`${QUERY_RESULTS_PREFIX}*`)] }),
      new iam.PolicyStatement({ sid: 'QueryResultsBucket', actions: ['s3:GetBucketLocation'], resources: [this.resultsBucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'DecryptQueryResults', actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [this.vault.contentKey.keyArn] }),
    ];
  }

  /** Acknowledge the wildcards of result objects (and, for the query function, export parts) on `scope`. */
  acknowledgeObjectScopes(scope: Construct, withExportParts: boolean): void {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(this.resultsBucket, `/${QUERY_RESULTS_PREFIX}*`)}]`,
      reason: `Athena names each result object by its execution id, unknown in advance; access is limited to the ${QUERY_RESULTS_PREFIX} prefix of the results bucket, whose objects expire after a day.`,
    });
    if (withExportParts) {
      Validations.of(scope).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(this.vault.bucket, `/${EXPORT_DATA_PREFIX}*`)}]`,
        reason: `Athena reads the Parquet parts of the current exports, named by kind, spec, bucket and version; read access is limited to the ${EXPORT_DATA_PREFIX} prefix (never records/).`,
      });
    }
  }
}

/** Every problem with the props at once, each with its fix (empty when valid). */
export function queryEngineProblems(props: Pick<QueryEngineProps, 'views' | 'specs'>): string[] {
  const problems: string[] = [];
  for (const view of props.views) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(view.name)) problems.push(`view "${view.name}": Glue table names are lowercase letters, digits and underscores`);
    if (view.columns.some((c) => c.name === SPEC_PARTITION) && view.source.from === 'exports') problems.push(`view "${view.name}": a column may not be named "${SPEC_PARTITION}", the partition column`);
  }
  if (props.specs.length === 0) problems.push('specs: the partition projection needs at least one spec; add a collection spec to the config');
  return problems;
}

/** Where each partition of a table lives, given `kind` (fixed or a partition) and the `spec` partition. */
function locationTemplate(location: string, partitions: readonly string[]): string {
  const kindPart = partitions.includes(KIND_PARTITION) ? `${KIND_PARTITION}=\${${KIND_PARTITION}}/format=parquet/` : '';
  return `${location}${kindPart}${SPEC_PARTITION}=\${${SPEC_PARTITION}}/`;
}

/**
 * A Glue table over Parquet export parts under `location`, partitioned by projection: each partition column's
 * values are listed (`enum`), its folder found from the key layout, nothing registered. Parts sit one folder deeper
 * (`bucket=NNNN/`), which Athena reads as part of the partition.
 */
function parquetTable(
  location: string,
  description: string,
  columns: ReadonlyArray<{ readonly name: string; readonly type: ViewColumnType; readonly meaning: string }>,
  partitions: Readonly<Record<string, string>>,
): glue.CfnTable.TableInputProperty {
  const names = Object.keys(partitions);
  return {
    description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'projection.enabled': 'true',
      ...Object.fromEntries(names.flatMap((p) => [[`projection.${p}.type`, 'enum'], [`projection.${p}.values`, partitions[p]!]])),
      'storage.location.template': locationTemplate(location, names),
    },
    partitionKeys: names.map((name) => ({ name, type: 'string', comment: name === SPEC_PARTITION ? 'the collection spec the export was made of' : 'the record kind' })),
    storageDescriptor: {
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
      columns: columns.map((c) => ({ name: c.name, type: glueTypeOf(c.type), comment: c.meaning.slice(0, 255) })),
    },
  };
}

/**
 * An Athena view as Glue stores one (`VIRTUAL_VIEW`, the Presto definition base64-encoded in the original text):
 * `view` as a SELECT over `table`, each column read from the table column it names (`from`), the kind from the
 * partition.
 */
export function prestoView(database: string, view: QueryView, table: string): glue.CfnTable.TableInputProperty {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const select = view.columns.map((c) => (c.from ? `${quote(c.from)} AS ${quote(c.name)}` : quote(c.name))).join(', ');
  const originalSql = `SELECT ${select} FROM ${quote(database)}.${quote(table)}`;
  const definition = { originalSql, catalog: 'awsdatacatalog', schema: database, columns: view.columns.map((c) => ({ name: c.name, type: PRESTO_TYPES[c.type] })) };
  return {
    description: view.description,
    tableType: 'VIRTUAL_VIEW',
    parameters: { presto_view: 'true', comment: 'Presto View' },
    viewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')} */`,
    viewExpandedText: '/* Presto View */',
    storageDescriptor: {
      columns: view.columns.map((c) => ({ name: c.name, type: glueTypeOf(c.type), comment: c.meaning.slice(0, 255) })),
      serdeInfo: {},
    },
  };
}
