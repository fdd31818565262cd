/**
 * `steward certify --record PLATFORM:KIND:ID [--record ...] | --since ISO --until ISO [--out FILE]`: a proof-of-deletion
 * certificate. With --out, the JSON goes to FILE and its Markdown rendering next to it (FILE with .md); exit 1
 * when a record named was not purged or a deletion cannot be proven.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { IsoTimeSchema as ISO } from '../../lib/domain/clock';
import { BadInputError, EXIT_OK, EXIT_VIOLATION } from '../../lib/domain/errors';
import { parseTypedRecordKey } from '../../lib/domain/records';
import { certify, DeletionCertificateSchema, renderCertificateMarkdown, type CertifyScope, type DeletionCertificate } from '../../lib/jobs/certify';
import type { JobContext } from '../../lib/jobs/context';
import { action } from './action';
import { cliPrefix, OutFileSchema, parseOptions } from './options';
import type { CliIo, CommandResult } from './output';
import { onTarget } from './runtime';


const CertifyOptionsSchema = z
  .object({ record: z.array(z.string().min(1)).optional(), since: ISO.optional(), until: ISO.optional(), out: OutFileSchema.optional() })
  .strict();

/** Exactly one scope: named records, or a time range. */
export function certifyScopeOf(options: z.infer<typeof CertifyOptionsSchema>): CertifyScope {
  const range = options.since !== undefined || options.until !== undefined;
  if (options.record && range) throw new BadInputError('certify either --record (one or more) or --since/--until, not both');
  if (options.record) {
    for (const key of options.record) {
      try {
        parseTypedRecordKey(key);
      } catch (error) {
        throw new BadInputError(`--record: ${(error as Error).message}`);
      }
    }
    return { records: [...new Set(options.record)] };
  }
  if (options.since === undefined || options.until === undefined) {
    throw new BadInputError('say what to certify: --record PLATFORM:KIND:ID (repeatable), or --since ISO --until ISO');
  }
  if (Date.parse(options.since) > Date.parse(options.until)) throw new BadInputError(`--since (${options.since}) is after --until (${options.until})`);
  return { since: options.since, until: options.until };
}

export function markdownPathOf(out: string): string {
  return out.endsWith('.json') ? `${out.slice(0, -'.json'.length)}.md` : `${out}.md`;
}

/** The command's work on a job context (tests call this directly). */
export async function runCertify(ctx: JobContext, scope: CertifyScope, out?: string, prefix = 'npx steward'): Promise<CommandResult> {
  return presentCertificate(await certify(ctx, scope), out, prefix);
}

/** Print a certificate, or write it (JSON, and Markdown next to it); exit 1 when a deletion is not proven. */
async function presentCertificate(cert: DeletionCertificate, out?: string, prefix = 'npx steward'): Promise<CommandResult> {
  const markdown = renderCertificateMarkdown(cert);
  const exitCode = cert.ok ? EXIT_OK : EXIT_VIOLATION;
  if (out) {
    await writeFile(out, `${JSON.stringify(cert, null, 2)}\n`);
    await writeFile(markdownPathOf(out), markdown);
    const head = cert.ok ? `certificate: ${cert.purges.length} deletion(s) proven` : `certificate: NOT proven (${cert.problems.length} problem(s))`;
    return { exitCode, json: cert, text: `${head}\n  written to ${out} and ${markdownPathOf(out)}\n  check it later: ${prefix} verify --certificate ${out}` };
  }
  return { exitCode, json: cert, text: markdown };
}

export function registerCertifyCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('certify')
    .description('proof-of-deletion certificate for records (--record, repeatable) or every purge in a time range (--since/--until); exit 1 if not proven')
    .option('--record <key...>', 'PLATFORM:KIND:ID of a record to certify (repeatable)')
    .option('--since <iso>', 'certify every purge from this time')
    .option('--until <iso>', 'up to this time')
    .option('--out <file>', 'write the JSON certificate here and its Markdown rendering next to it (.md)')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(CertifyOptionsSchema, raw);
        const scope = certifyScopeOf(options);
        return onTarget(context, {
          local: (runtime) => runCertify(runtime.ctx, scope, options.out, cliPrefix(context.globals)),
                    deployed: async (stack) => presentCertificate(await stack.invoke('certify', { ...scope }, DeletionCertificateSchema), options.out, cliPrefix(context.globals)),
        });
      }),
    );
}
