/**
 * `steward query "SQL" [--csv] [--out FILE] [--limit N] [--timeout S]` and `steward query --describe VIEW`: read-only
 * SQL over the current export versions (views: lib/domain/query-views.ts). With `--local`, DuckDB over the vault's
 * export files (lib/jobs/query); without it, Athena through the deployed query function (bin/cli/query-deployed.ts).
 * Bad SQL, a write or a file read is exit 2 with the engine's message and writes nothing; every query that runs is
 * audited (`query.run`).
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { QUERY_VIEW_NAMES, QUERY_VIEWS, queryView, viewDictionaryMarkdown } from '../../lib/domain/query-views';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../../lib/jobs/query/limits';
import { ATHENA_UNAVAILABLE_VIEWS, checkDeployedSql } from '../../lib/jobs/query/audited';
import { action } from './action';
import { jobProgress } from './job-progress';
import { OutFileSchema, parseOptions } from './options';
import type { CliIo, CommandResult } from './output';
import { presentQueryResult } from './query-output';
import { runDeployedQuery } from './query-deployed';
import { actingMember, onTarget } from './runtime';

/** Rows a terminal shows by default. */
export const DEFAULT_QUERY_LIMIT = 40;

const QueryOptionsSchema = z
  .object({
    describe: z.string().min(1).optional(),
    csv: z.boolean().default(false),
    out: OutFileSchema.optional(),
    limit: z.coerce.number({ message: 'a whole number of rows, e.g. 20' }).int({ message: 'a whole number of rows, e.g. 20' }).min(1, { message: 'at least 1 row' }).max(100_000).default(DEFAULT_QUERY_LIMIT),
    timeout: z.coerce.number({ message: 'seconds, e.g. 30' }).positive({ message: 'seconds, more than 0' }).max(3600, { message: 'at most 3600 seconds' }).default(DEFAULT_QUERY_TIMEOUT_MS / 1000),
  })
  .strict();

function describe(name: string): CommandResult {
  let view;
  try {
    view = queryView(name);
  } catch {
    throw new BadInputError(`--describe: "${name}" is not a view; views: ${QUERY_VIEW_NAMES.join(', ')}`);
  }
  return { exitCode: 0, json: view, text: viewDictionaryMarkdown(view).trimEnd() };
}

export function registerQueryCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('query')
    .description(`read-only SQL over the current exports (views: ${QUERY_VIEWS.map((v) => v.name).join(', ')}); --local: DuckDB, deployed: Athena`)
    .argument('[sql]', 'one SELECT over the views, e.g. "SELECT region_code, count(*) FROM videos GROUP BY 1"')
    .option('--describe <view>', 'print a view\'s columns: type, personal data, meaning (docs/data-dictionary.md)')
    .option('--csv', 'every row as CSV (on stdout, or into --out)', false)
    .option('--out <file>', 'write every row into FILE (CSV; JSON with --json or a .json name)')
    .option('--limit <n>', `rows a terminal shows (default ${DEFAULT_QUERY_LIMIT}); --csv, --json and --out give every row`)
    .option('--timeout <seconds>', `stop a query that runs longer (default ${DEFAULT_QUERY_TIMEOUT_MS / 1000})`)
    .action((sql: string | undefined, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(QueryOptionsSchema, raw);
        const json = context.globals.json;
        if (options.describe !== undefined) {
          if (sql !== undefined) throw new BadInputError('--describe: give a view name or SQL, not both');
          return describe(options.describe);
        }
        if (sql === undefined || sql.trim() === '') throw new BadInputError(`SQL: give one SELECT over the views, e.g. steward query --local "SELECT count(*) FROM videos" (views: ${QUERY_VIEW_NAMES.join(', ')}; steward query --describe VIEW lists a view's columns)`);
        if (options.csv && json && !options.out) throw new BadInputError('--csv: choose --csv or --json for stdout, not both');
        // Bad SQL is answered before anything opens: locally the guard, DuckDB's parser and binding against empty
        // views; deployed the guard (Athena's own dialect is for Athena to judge; the query function guards again).
        // DuckDB (a native addon) is loaded here, on first use: never on other commands' start. (A require, not
        // import(): under the tsx fallback of bin/launch.cjs an import() of a .ts path finds no loader.)
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const local = context.globals.local ? (require('../../lib/jobs/query') as typeof import('../../lib/jobs/query')) : undefined;
        const checkedViews = local ? await local.checkQuerySql(sql) : checkDeployedSql(sql, ATHENA_UNAVAILABLE_VIEWS).views;
        const output = { csv: options.csv, json, limit: options.limit, ...(options.out ? { out: options.out } : {}) };
        return onTarget(
          context,
          {
            local: async (runtime) => {
              // Parts and the export catalog are read where s3rver keeps them; through the object store (parts staged into a
              // temp dir) when its directory is not known.
              // eslint-disable-next-line @typescript-eslint/no-require-imports
              const { inPlaceObjects, inPlacePartFiles } = require('../../lib/local/export-files') as typeof import('../../lib/local/export-files');
              const s3Dir = (runtime.services.s3 as { directory?: string } | undefined)?.directory;
              const progress = jobProgress(io, json || options.csv, 'query');
              try {
                // The answer comes once its evidence (run.started) is stored; how the query ended is written after
                // it is printed (the after step), and the command exits only once that is stored too.
                const { answer, close } = await local!.answerQuery(runtime.ctx, { sql, timeoutMs: options.timeout * 1000 }, {
                  ...(s3Dir ? { files: inPlacePartFiles(s3Dir, runtime.bucket), catalog: inPlaceObjects(s3Dir, runtime.bucket) } : {}),
                  ...(progress.sink ? { progress: progress.sink } : {}),
                  checkedViews,
                });
                progress.stop();
                const after = () =>
                  close().catch((error: unknown) => {
                    throw new Error(`the answer was given, but closing its audit run ${answer.runId} failed (${(error as Error).message}); its evidence (run.started) is stored, and the next run closes it as run.interrupted`, { cause: error });
                  });
                try {
                  return { ...(await presentQueryResult({ ...answer, engine: 'duckdb' }, output)), after };
                } catch (error) {
                  // --out could not be written: the run is closed all the same before the error is reported.
                  await close();
                  throw error;
                }
              } finally {
                progress.stop();
              }
            },
            // Athena through the query function (audited there), results read with the member's credentials.
            deployed: async (stack, config) => {
              const member = actingMember(context.globals, config, 'query').name;
              const every = json || options.csv || options.out !== undefined;
              const result = await runDeployedQuery(stack, config, sql, { member, timeoutSeconds: options.timeout, maxRows: every ? Number.POSITIVE_INFINITY : options.limit });
              return presentQueryResult(result, output);
            },
          },
          // CSV on stdout is data: the synthetic-data notice goes to stderr then.
          { act: 'query', dataOnStdout: options.csv && !options.out },
        );
      })(rawOptions, command),
    );
}
