/**
 * `steward verify [--content full|N] [--certificate FILE]`: recompute the audit log (chains, seal log, registry) and cross-check ledger,
 * storage and obligations; or re-check a deletion certificate against the log. Exit 1 with the list of violations.
 */
import { holdText } from '../../lib/jobs/report/render';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError, EXIT_OK, EXIT_VIOLATION } from '../../lib/domain/errors';
import { parseJson } from '../../lib/domain/json';
import { checkCertificate, parseCertificate, type CertificateCheck, type CertificateFileBytes, type DeletionCertificate } from '../../lib/jobs/certify';
import type { JobContext, ProgressSink } from '../../lib/jobs/context';
import { DEFAULT_CONTENT_SAMPLE, verify, type VerifyReport } from '../../lib/jobs/verify';
import { signaturePathOf } from './certify-command';
import type { DeployedStack } from './deployed';
import { action } from './action';
import { parseOptions } from './options';
import type { CliIo, CommandResult } from './output';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';
import { withJobProgress } from './job-progress';

/** `--content full` or a sample size: how many stored objects are hashed against the ledger. */
export const ContentOptionSchema = z
  .string()
  .regex(/^(full|\d{1,9})$/, { message: 'use "full" (hash every object) or a sample size (a whole number, e.g. 500)' })
  .transform((v) => (v === 'full' ? ('full' as const) : Number(v)));

const VerifyOptionsSchema = z.object({ certificate: z.string().min(1).optional(), content: ContentOptionSchema.optional(), signature: z.string().min(1).optional() }).strict();

/** Violations of one kind a terminal shows. */
const LISTED_PER_KIND = 20;

/** A verify report; the deployed check may list only the first violations and count the rest. */
type VerifyAnswer = VerifyReport & { readonly omittedViolations?: number };

export function verifyText(r: VerifyAnswer): string {
  const lines = [
    `verify: ${r.audit.chains} chain(s), ${r.audit.events} event(s), ${r.audit.seals} seal(s)` +
      (r.audit.head ? `; seal head #${r.audit.head.seq} ${r.audit.head.hash}` : ''),
    ...(r.audit.anchors
      ? [
          `        ${r.audit.anchors.count} seal anchor(s) outside the table` +
            (r.audit.anchors.head ? `, newest #${r.audit.anchors.head.seq}` : '') +
            (r.audit.anchors.unanchoredTail > 0 ? ` (${r.audit.anchors.unanchoredTail} newer seal(s) pinned by the next anchor)` : '') +
            `; signing key ${r.audit.anchors.keyFingerprint}`,
        ]
      : []),
    `        ${r.ledger.active} active record(s), ${r.ledger.tombstoned} tombstone(s), ${r.ledger.pendingPurges} pending purge(s); ${r.storage.objects} object(s), ${r.storage.versions} version(s)`,
  ];
  if (r.exports && r.exports.exports > 0) lines.push(`        ${r.exports.exports} export(s), ${r.exports.rows} row(s)`);
  // A pulled copy holding purged records is its holder's obligation: listed until released (overdue ones also fail).
  for (const stale of r.exports?.staleCopies ?? []) lines.push(`  pulled copy: ${stale}`);
  if (r.content) {
    lines.push(
      r.content.mode === 'full'
        ? `        content: hashed all ${r.content.checked} stored object(s) of ${r.content.of} active record(s) against the ledger (full pass)`
        : `        content: hashed a random sample of ${r.content.checked} of ${r.content.of} active record(s)' objects against the ledger (--content full checks every one, --content N samples N)`,
    );
  }
  // Records the purge fuse kept, waiting for the PI (past the purge window they are also a violation).
  for (const hold of r.holds ?? []) lines.push(`  ${holdText(hold)}`);
  if (r.ok) lines.push('OK: the audit log is intact, the ledger agrees with it and with storage, nothing is overdue.');
  else {
    lines.push(`${r.violations.length + (r.omittedViolations ?? 0)} violation(s):`);
    // Thousands of overdue records would bury the rest: a few of each kind on a terminal, every one with --json.
    const byKind = new Map<string, string[]>();
    for (const v of r.violations) {
      const messages = byKind.get(v.kind) ?? [];
      messages.push(v.message);
      byKind.set(v.kind, messages);
    }
    for (const [kind, messages] of byKind) {
      for (const message of messages.slice(0, LISTED_PER_KIND)) lines.push(`  [${kind}] ${message}`);
      if (messages.length > LISTED_PER_KIND) lines.push(`  [${kind}] … and ${messages.length - LISTED_PER_KIND} more (${messages.length} in all; --json lists every one)`);
    }
    if (r.omittedViolations) lines.push(`  … and ${r.omittedViolations} more (the deployed check lists the first ${r.violations.length}; --json has the counts by kind)`);
  }
  return lines.join('\n');
}

export function certificateCheckText(file: string, c: CertificateCheck): string {
  const signer = c.signature
    ? `signature ${c.signature.verified ? 'verifies' : 'does NOT verify'}; signed by key ${c.signature.keyFingerprint}${c.signature.projectKey ? " (this project's signing key)" : ' (NOT this project\'s signing key)'}`
    : 'unsigned';
  if (c.ok) return `certificate ${file}: OK, ${c.purges} deletion(s) still proven by the log, the ledger and storage (checked ${c.checkedAt}); ${signer}.`;
  return [`certificate ${file}: NOT valid now, ${c.problems.length} problem(s); ${signer}:`, ...c.problems.map((p) => `  - ${p}`)].join('\n');
}

/**
 * Read and parse a certificate file and its signature (`--signature`, default: FILE with .sig next to it; bad
 * input: exit 2 before anything opens). A missing signature file is not bad input: the check reports it.
 */
export async function readCertificateFile(file: string, signatureFile = signaturePathOf(file)): Promise<CertificateFile> {
  const cert = await readCertificate(file);
  const text = await readFile(file, 'utf8');
  let signature: string | undefined;
  try {
    signature = (await readFile(signatureFile)).toString('base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new BadInputError(`--signature: cannot read ${signatureFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { file, cert, bytes: { text, ...(signature ? { signature } : {}) } };
}

/** Read and parse a certificate file (bad input: exit 2 before anything opens). */
export async function readCertificate(file: string): Promise<DeletionCertificate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BadInputError(`--certificate: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = parseJson(text);
  } catch {
    throw new BadInputError(`--certificate: ${file} is not valid JSON`);
  }
  return parseCertificate(json, `--certificate ${file}`);
}

type CertificateFile = { file: string; cert: DeletionCertificate; bytes?: CertificateFileBytes };

const presentCheck = (certificate: CertificateFile, check: CertificateCheck): CommandResult => ({
  exitCode: check.ok ? EXIT_OK : EXIT_VIOLATION,
  json: check,
  text: certificateCheckText(certificate.file, check),
});
const presentVerify = (report: VerifyAnswer): CommandResult => ({ exitCode: report.ok ? EXIT_OK : EXIT_VIOLATION, json: report, text: verifyText(report) });

/** The command's work on a job context (tests call this directly). */
export async function runVerify(ctx: JobContext, options: { certificate?: CertificateFile; content?: 'full' | number }, progress?: ProgressSink): Promise<CommandResult> {
  if (options.certificate) return presentCheck(options.certificate, await checkCertificate(ctx, options.certificate.cert, options.certificate.bytes));
  return presentVerify(await verify(ctx, { ...(progress ? { progress } : {}), ...(options.content === undefined ? {} : { content: options.content }) }));
}

const CheckAnswerSchema = answerSchema<CertificateCheck>({
  ok: z.boolean(),
  checkedAt: z.string(),
  purges: z.number(),
  problems: z.array(z.string()),
  signature: z.object({ verified: z.boolean(), keyFingerprint: z.string(), projectKey: z.boolean() }).optional(),
});
const VerifyAnswerSchema = answerSchema<VerifyAnswer>({ ok: z.boolean(), checkedAt: z.string(), violations: z.array(z.looseObject({ kind: z.string(), message: z.string() })) });

/** The same on the deployed stack: the compliance-check function, asked for the violations themselves. */
async function runVerifyDeployed(stack: DeployedStack, options: { certificate?: CertificateFile; content?: 'full' | number }): Promise<CommandResult> {
  if (options.certificate) {
    const { cert, bytes } = options.certificate;
    return presentCheck(options.certificate, await stack.invoke('verify', { certificate: cert, ...(bytes ? { certificateFile: bytes } : {}) }, CheckAnswerSchema));
  }
  return presentVerify(await stack.invoke('verify', { details: true, ...(options.content === undefined ? {} : { content: options.content }) }, VerifyAnswerSchema));
}

export function registerVerifyCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('recompute the audit log and cross-check ledger, storage and obligations (exit 1 with the violations); --certificate re-checks a deletion certificate')
    .option('--certificate <file>', 'a certificate written by `steward certify`: check its signature and re-check it against the log')
    .option('--signature <file>', "the certificate's signature (DER; default: the certificate file with .sig)")
    .option('--content <full|N>', `hash stored objects against the ledger: "full" for every one, or a random sample of N (default ${DEFAULT_CONTENT_SAMPLE})`)
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(VerifyOptionsSchema, raw);
        if (options.signature && !options.certificate) throw new BadInputError('--signature goes with --certificate FILE');
        const certificate = options.certificate ? { certificate: await readCertificateFile(options.certificate, options.signature) } : {};
        const run = { ...certificate, ...(options.content === undefined ? {} : { content: options.content }) };
        return onTarget(context, {
          local: (runtime) => withJobProgress(io, context.globals.json, 'verify', (sink) => runVerify(runtime.ctx, run, sink)),
          deployed: (stack) => runVerifyDeployed(stack, run),
        });
      }),
    );
}
