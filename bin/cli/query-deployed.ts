/**
 * `steward query "SQL"` without --local: the query function runs the SQL on Athena in the project's workgroup and
 * audits it (lambdas/query.ts); the CLI invokes it through the member's alias, then reads the result with the
 * member's own credentials (GetQueryResults, which the member role may call on that workgroup only), as many rows
 * as the output needs: the terminal's `--limit`, every row for --csv, --json and --out.
 */
import * as z from 'zod';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/domain/errors';
import type { ResultPage } from '../../lib/store/athena-queries';
import { DeployedJobError, type DeployedStack } from './deployed';
import type { QueryResult } from './query-output';

/** What the query function answers (lambdas/query.ts `QueryAnswer`). */
export const QueryAnswerSchema = z.discriminatedUnion('ok', [
  z.looseObject({
    ok: z.literal(true),
    executionId: z.string().min(1),
    rows: z.number().int().min(0),
    sqlDigest: z.string(),
    views: z.array(z.string()),
    runId: z.string(),
    bytesScanned: z.number().optional(),
  }),
  z.looseObject({ ok: z.literal(false), error: z.object({ kind: z.enum(['bad-input', 'engine']), message: z.string() }) }),
]);

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int']);
const FLOAT_TYPES = new Set(['double', 'real', 'float']);

/**
 * Athena's text values as JSON-ready values, as the local engine answers them: integers as numbers, but every value
 * of a `bigint` column as a decimal string once one of them is beyond 2^53 (ids stay exact); booleans; NULL as null;
 * anything else (varchar, decimal, dates, arrays as Athena renders them) as text.
 */
export function typedRows(columns: ResultPage['columns'], rows: ReadonlyArray<ReadonlyArray<string | null>>): unknown[][] {
  const exactAsText = columns.map((c, i) => c.type === 'bigint' && rows.some((r) => r[i] != null && !Number.isSafeInteger(Number(r[i]))));
  return rows.map((row) =>
    row.map((value, i) => {
      if (value === null) return null;
      const type = columns[i]?.type ?? 'varchar';
      if (type === 'bigint') return exactAsText[i] ? value : Number(value);
      if (INTEGER_TYPES.has(type) || FLOAT_TYPES.has(type)) return Number(value);
      if (type === 'boolean') return value === 'true';
      return value;
    }),
  );
}

export interface DeployedQueryOptions {
  readonly member: string;
  readonly timeoutSeconds: number;
  /** Rows to read: the terminal's limit, or every row. */
  readonly maxRows: number;
}

/** Run `sql` through the query function and read its result; bad SQL or Athena's refusal is bad input (exit 2). */
export async function runDeployedQuery(stack: DeployedStack, _config: ProjectConfig, sql: string, options: DeployedQueryOptions): Promise<QueryResult & { rowCount: number }> {
  const answer = await stack.invoke('query', { sql, timeoutSeconds: options.timeoutSeconds }, QueryAnswerSchema, { as: options.member });
  if (!answer.ok) {
    if (answer.error.kind === 'bad-input') throw new BadInputError(answer.error.message);
    throw new DeployedJobError(`query: ${answer.error.message}`);
  }
  // Loaded on first use: the Athena client is not part of any other command's start. (A require for the project
  // file: under the tsx fallback of bin/launch.cjs an import() of a .ts path finds no loader.)
  const { AthenaClient } = await import('@aws-sdk/client-athena');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { athenaResultPages } = require('../../lib/store/athena-queries') as typeof import('../../lib/store/athena-queries');
  const athena = new AthenaClient({ region: stack.outputs.region });
  let columns: ResultPage['columns'] = [];
  const raw: Array<ReadonlyArray<string | null>> = [];
  try {
    for await (const page of athenaResultPages(athena, answer.executionId)) {
      columns = page.columns;
      raw.push(...page.rows);
      if (raw.length >= options.maxRows) break;
    }
  } catch (error) {
    const e = error as Error;
    throw new DeployedJobError(
      `the query ran (execution ${answer.executionId}, ${answer.rows} row(s), audited as run ${answer.runId}) but its result could not be read: ${e.name}: ${e.message}; ` +
        'check that your credentials are your member role (AWS_PROFILE); results are kept for one day',
      { cause: error },
    );
  } finally {
    athena.destroy();
  }
  const rows = typedRows(columns, raw.slice(0, options.maxRows));
  return {
    engine: 'athena',
    columns: columns.map((c) => ({ name: c.name, type: c.type.toUpperCase() })),
    rows,
    rowCount: answer.rows,
    views: answer.views,
    sqlDigest: answer.sqlDigest,
    runId: answer.runId,
    notes: [`Athena execution ${answer.executionId}; its result expires after one day`],
  };
}
