/**
 * `steward certify --record PLATFORM:KIND:ID [--record ...] | --since ISO --until ISO [--out FILE]`: a proof-of-deletion
 * certificate, signed with the project's key. With --out, FILE holds exactly the signed text (RFC 8785 JSON), and
 * next to it go its signature (FILE with .sig, DER), the public key (.pub.pem) and a Markdown rendering (.md); the
 * command prints the `openssl dgst -sha256 -verify` line that checks it without Steward. Exit 1 when a record
 * named was not purged or a deletion cannot be proven.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { IsoTimeSchema as ISO } from '../../lib/domain/clock';
import { BadInputError, EXIT_OK, EXIT_VIOLATION } from '../../lib/domain/errors';
import { parseTypedRecordKey } from '../../lib/domain/records';
import { parseJson } from '../../lib/domain/json';
import { certifySigned, parseCertificate, renderCertificateMarkdown, SignedCertificateSchema, type CertifyScope, type SignedCertificate } from '../../lib/jobs/certify';
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

const baseOf = (out: string) => (out.endsWith('.json') ? out.slice(0, -'.json'.length) : out);
export const markdownPathOf = (out: string): string => `${baseOf(out)}.md`;
/** The DER signature written next to a certificate file. */
export const signaturePathOf = (out: string): string => `${baseOf(out)}.sig`;
/** The signer's public key (PEM) written next to a certificate file. */
export const publicKeyPathOf = (out: string): string => `${baseOf(out)}.pub.pem`;

/** Quote a path for a shell command line when it needs it. */
const shellQuote = (path: string) => (/^[\w./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);

/** The OpenSSL command that checks a certificate file without Steward. */
export function opensslCommand(out: string): string {
  return `openssl dgst -sha256 -verify ${shellQuote(publicKeyPathOf(out))} -signature ${shellQuote(signaturePathOf(out))} ${shellQuote(out)}`;
}

/** The command's work on a job context (tests call this directly). */
export async function runCertify(ctx: JobContext, scope: CertifyScope, out?: string, prefix = 'npx steward'): Promise<CommandResult> {
  return presentCertificate(await certifySigned(ctx, scope), out, prefix);
}

/**
 * Print a certificate, or write it: the signed text byte for byte, its signature, the public key and the Markdown.
 * Exit 1 when a deletion is not proven.
 */
async function presentCertificate(signed: SignedCertificate, out?: string, prefix = 'npx steward'): Promise<CommandResult> {
  const cert = signed.certificate;
  const markdown = renderCertificateMarkdown(cert);
  const exitCode = cert.ok ? EXIT_OK : EXIT_VIOLATION;
  // --json prints the certificate itself; its signature and public key go to files with --out.
  const json = cert;
  if (out) {
    await writeFile(out, signed.text);
    await writeFile(signaturePathOf(out), Buffer.from(signed.signature, 'base64'));
    await writeFile(publicKeyPathOf(out), signed.publicKey);
    await writeFile(markdownPathOf(out), markdown);
    const head = cert.ok ? `certificate: ${cert.purges.length} deletion(s) proven` : `certificate: NOT proven (${cert.problems.length} problem(s))`;
    return {
      exitCode,
      json,
      text: [
        head,
        `  written to ${out} (signed text), ${signaturePathOf(out)} (signature), ${publicKeyPathOf(out)} (public key) and ${markdownPathOf(out)}`,
        `  signed by key ${cert.signedBy?.keyFingerprint ?? '(none)'}`,
        `  check the signature without Steward: ${opensslCommand(out)}`,
        `  check it against the log later: ${prefix} verify --certificate ${out}`,
      ].join('\n'),
    };
  }
  return { exitCode, json, text: markdown };
}

/** The deployed function's answer: the certificate is the signed text itself. */
function signedFromAnswer(answer: { text: string; signature: string; publicKey: string }): SignedCertificate {
  return { ...answer, certificate: parseCertificate(parseJson(answer.text), 'the certify function\'s answer') };
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
          deployed: async (stack) => presentCertificate(signedFromAnswer(await stack.invoke('certify', { ...scope }, SignedCertificateSchema)), options.out, cliPrefix(context.globals)),
        });
      }),
    );
}
