/**
 * `steward export create|list|show|pull|release`: analysis datasets of a spec's records (Parquet, CSV or JSONL),
 * versioned with manifests; copies pulled out of the vault are recorded as held by the member until released.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { EXPORT_FORMATS, staleCopyText, type CopyStanding, type ExportManifest } from '../../lib/domain/exports';
import {
  checkExportInput,
  checkRelease,
  copyFiles,
  createExport,
  exportStoreOf,
  listExports,
  recordPull,
  releaseCopy,
  resolveExport,
  showExport,
  type ExportDetail,
  type ExportListing,
  type ExportSummary,
  type ReleaseReport,
} from '../../lib/jobs/export';
import { action } from './action';
import { parseOptions } from './options';
import { withJobProgress } from './job-progress';
import { ExportManifestSchema } from '../../lib/store/export-store';
import { answerSchema } from './deployed';
import type { CliIo, CommandResult } from './output';
import type { ProgressSink } from '../../lib/jobs/context';
import { actingMember, onTarget } from './runtime';

const FormatSchema = z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` });
const CreateOptionsSchema = z
  .object({
    spec: z.string({ message: 'name the spec to export, e.g. --spec climate-videos' }).min(1, { message: 'name the spec to export, e.g. --spec climate-videos' }),
    format: FormatSchema.default('parquet'),
    fields: z
      .string()
      .transform((s) => s.split(',').map((f) => f.trim()).filter((f) => f !== ''))
      .optional(),
  })
  .strict();
const ShowOptionsSchema = z.object({ format: FormatSchema.optional() }).strict();
const PullOptionsSchema = z.object({ to: z.string().min(1, { message: 'name a folder' }), format: FormatSchema.optional(), force: z.boolean().default(false) }).strict();
const ReleaseOptionsSchema = z.object({ copy: z.string().regex(/^[a-z0-9-]{1,64}$/, { message: 'a copy id as pull printed it, e.g. c20260302-1a2b3c4d' }) }).strict();

/** `--to`: a new or empty folder, or any folder with --force. Checked before anything is recorded or written. */
async function checkTarget(dir: string, force: boolean): Promise<string> {
  const target = resolve(dir);
  let entries: string[] | undefined;
  try {
    entries = await readdir(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new BadInputError(`--to: ${dir} is a file, not a folder`);
    if (code !== 'ENOENT') throw new BadInputError(`--to: cannot read ${dir} (${code ?? (error as Error).message})`);
  }
  if (entries && entries.length > 0 && !force) throw new BadInputError(`--to: ${dir} exists and is not empty; name a new folder, or add --force to write into it`);
  return target;
}

function copiesText(copies: readonly CopyStanding[]): string[] {
  return copies.map((s) =>
    s.released
      ? `    copy ${s.copy.copyId}: ${s.copy.member}, v${s.copy.version}, pulled ${s.copy.pulledAt}, released ${s.released.at}`
      : s.purgedSince > 0
        ? `    STALE ${staleCopyText(s)}`
        : `    copy ${s.copy.copyId}: ${s.copy.member}, v${s.copy.version}, pulled ${s.copy.pulledAt}`,
  );
}

export function exportListText(list: readonly ExportListing[]): string {
  if (list.length === 0) return 'no exports yet (steward export create --spec NAME)';
  return list
    .map((l) =>
      [
        `${l.current.label} (${l.format}, ${l.kind}): ${l.current.rows} row(s) in ${l.current.parts} part(s), as of ${l.current.asOf}, ${l.current.reason} by ${l.current.createdBy}`,
        ...copiesText(l.copies),
      ].join('\n'),
    )
    .join('\n');
}

export function exportShowText(details: readonly ExportDetail[]): string {
  return details
    .map((d) =>
      [
        `${d.name} (${d.format}, ${d.kind}), newest ${d.current.label}`,
        `  fields            ${d.fields.join(', ')} (+ provenance: steward_record_key, ...)`,
        `  query fingerprint ${d.queryFingerprint}`,
        `  collected by      ${d.sourceQueryFingerprints.join(', ')}`,
        `  policy versions   ${Object.entries(d.policyVersions).map(([p, v]) => `${p} v${v.join(', v')}`).join('; ')}`,
        '  versions:',
        ...d.versions.map(
          (v) =>
            `    ${v.label}${v.current ? ' (current)' : ' (superseded: manifest only)'}: ${v.reason}${v.rebuiltFrom ? ` of v${v.rebuiltFrom.version}, ${v.rebuiltFrom.removed} record(s) removed` : ''}, ${v.rows} row(s), as of ${v.asOf}, digest ${v.digest.slice(0, 16)}`,
        ),
        '  copies:',
        ...(d.copies.length > 0 ? copiesText(d.copies) : ['    none']),
      ].join('\n'),
    )
    .join('\n');
}

const SummaryAnswer = answerSchema<ExportSummary>({ label: z.string(), rows: z.number(), version: z.number() });
const PullAnswer = z.looseObject({ copyId: z.string(), manifest: ExportManifestSchema });
const ReleaseAnswer = z.looseObject({ copyId: z.string(), name: z.string(), version: z.number(), member: z.string() });

const releaseText = (r: ReleaseReport) => `copy ${r.copyId} of ${r.name}@v${r.version} released by ${r.member}${r.alreadyReleased ? ' (released before)' : ''}`;

/** Write a pulled copy: every part, the manifest and COPY.txt (the copy id). */
async function writeCopy(
  target: string,
  copyId: string,
  manifest: ExportManifest,
  member: string,
  files: AsyncIterable<{ path: string; body: Buffer }>,
  progress?: ProgressSink,
): Promise<CommandResult> {
  const written: string[] = [];
  // The parts, then manifest.json.
  const total = manifest.parts.length + 1;
  progress?.({ job: 'export', phase: 'copying files', done: 0, total });
  for await (const file of files) {
    const path = join(target, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.body);
    written.push(file.path);
    progress?.({ job: 'export', phase: 'copying files', done: written.length, total, counts: { rows: manifest.rowCount } });
  }
  await writeFile(join(target, 'COPY.txt'), `${copyId}\n`);
  const json = { copyId, name: manifest.name, version: manifest.version, format: manifest.format, rows: manifest.rowCount, to: target, files: written };
  const text = [
    `pulled ${manifest.name}@v${manifest.version} (${manifest.format}, ${manifest.rowCount} row(s)) to ${target}`,
    `copy id ${copyId}: held by ${member} until released (steward export release ${manifest.name} --copy ${copyId})`,
  ].join('\n');
  return { exitCode: 0, json, text };
}

/** The parts of a deployed export, read from the data bucket with the caller's credentials (a member role). */
async function* s3CopyFiles(region: string, bucket: string, manifest: ExportManifest): AsyncGenerator<{ path: string; body: Buffer }> {
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ region });
  try {
    for (const part of manifest.parts) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: part.key }));
      yield { path: part.key.split('/').slice(-2).join('/'), body: Buffer.from(await out.Body!.transformToByteArray()) };
    }
    yield { path: 'manifest.json', body: Buffer.from(JSON.stringify(manifest, null, 2)) };
  } finally {
    s3.destroy();
  }
}

export function registerExportCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const exportCommand = program.command('export').description('analysis datasets of a spec (Parquet, CSV, JSONL) with lineage; pulled copies tracked until released');

  exportCommand
    .command('create')
    .description('write a new version of a spec\'s dataset: its active records as of now, one row each')
    .option('--spec <name>', 'the collection spec to export')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')}`, 'parquet')
    .option('--fields <a,b,...>', 'data fields to include (default: all of the kind)')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(CreateOptionsSchema, raw);
        const input = { spec: options.spec, format: options.format, ...(options.fields ? { fields: options.fields } : {}) };
        const present = (s: ExportSummary) => ({
          exitCode: 0,
          json: s,
          text: `export ${s.label} (${s.format}, ${s.kind}): ${s.rows} row(s) in ${s.parts} part(s), as of ${s.asOf}; digest ${s.digest}\n  pull it: steward export pull ${s.name} --to DIR`,
        });
        return onTarget(
          context,
          {
            local: async (runtime) =>
              present(await withJobProgress(io, context.globals.json, 'export create', (sink) => createExport(runtime.ctx, exportStoreOf(runtime.ctx), input, { progress: sink }))),
            deployed: async (stack, config) =>
              present(await stack.invoke('export', { action: 'create', ...input }, SummaryAnswer, { as: actingMember(context.globals, config, 'export').name })),
          },
          { validate: (config) => checkExportInput({ config }, input), act: 'export' },
        );
      }),
    );

  exportCommand
    .command('list')
    .description('every export: newest version, rows, pulled copies (stale ones flagged)')
    .action(
      action(io, setExit, async (_raw: unknown, context) =>
        onTarget(context, {
          local: async (runtime) => {
            const list = await listExports(runtime.ctx, exportStoreOf(runtime.ctx));
            return { exitCode: 0, json: list, text: exportListText(list) };
          },
          deployed: async (stack, config) => {
            const as = actingMember(context.globals, config, 'export').name;
            const list = (await stack.invoke('export', { action: 'list' }, z.array(z.looseObject({})), { as })) as unknown as ExportListing[];
            return { exitCode: 0, json: list, text: exportListText(list) };
          },
        }),
      ),
    );

  exportCommand
    .command('show <name>')
    .description('one export\'s lineage: every version, why it was made, its fingerprints and copies')
    .option('--format <format>', 'only this format')
    .action((name: string, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(ShowOptionsSchema, raw);
        return onTarget(context, {
          local: async (runtime) => {
            const details = (await showExport(runtime.ctx, exportStoreOf(runtime.ctx), name.replace(/@v\d+$/, ''))).filter((d) => !options.format || d.format === options.format);
            if (details.length === 0) throw new BadInputError(`NAME: no export named "${name}" (steward export list shows them)`);
            return { exitCode: 0, json: details, text: exportShowText(details) };
          },
          deployed: async (stack, config) => {
            const as = actingMember(context.globals, config, 'export').name;
            const all = (await stack.invoke('export', { action: 'show', name }, z.array(z.looseObject({})), { as })) as unknown as ExportDetail[];
            const details = all.filter((d) => !options.format || d.format === options.format);
            if (details.length === 0) throw new BadInputError(`NAME: no export named "${name}" (steward export list shows them)`);
            return { exitCode: 0, json: details, text: exportShowText(details) };
          },
        });
      })(rawOptions, command),
    );

  exportCommand
    .command('pull <name>')
    .description('copy the newest version of an export to a local folder, recorded as held by you until released')
    .option('--to <dir>', 'a new or empty folder')
    .option('--format <format>', 'the format, when the export exists in several')
    .option('--force', 'write into an existing non-empty folder', false)
    .action((name: string, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(PullOptionsSchema, raw);
        const target = await checkTarget(options.to, options.force);
        return onTarget(context, {
          local: async (runtime) => {
            const store = exportStoreOf(runtime.ctx);
            const manifest = await resolveExport(store, name, options.format);
            const pulled = await recordPull(runtime.ctx, store, manifest);
            return withJobProgress(io, context.globals.json, 'export pull', (sink) => writeCopy(target, pulled.copyId, manifest, runtime.ctx.actor.name, copyFiles(store, manifest), sink));
          },
          // The function records the pull; the parts are read with the member's own role (exports/ only).
          deployed: async (stack, config) => {
            const member = actingMember(context.globals, config, 'export').name;
            const bucket = stack.outputs.bucket;
            if (!bucket) throw new BadInputError(`--outputs: the stack's outputs have no ${'DataBucketName'}; deploy this version of Steward, then write the outputs again`);
            const answer = (await stack.invoke('export', { action: 'pull', name, ...(options.format ? { format: options.format } : {}) }, PullAnswer, { as: member })) as { copyId: string; manifest: ExportManifest };
            return withJobProgress(io, context.globals.json, 'export pull', (sink) =>
              writeCopy(target, answer.copyId, answer.manifest, member, s3CopyFiles(stack.outputs.region, bucket, answer.manifest), sink),
            );
          },
        }, { act: 'export' });
      })(rawOptions, command),
    );

  exportCommand
    .command('release <name>')
    .description('state that a copy you pulled is deleted (every copy of it)')
    .option('--copy <id>', 'the copy id pull printed')
    .action((name: string, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(ReleaseOptionsSchema, raw);
        return onTarget(context, {
          local: async (runtime) => {
            const store = exportStoreOf(runtime.ctx);
            await checkRelease(runtime.ctx, store, name, options.copy);
            const r: ReleaseReport = await releaseCopy(runtime.ctx, store, name, options.copy);
            return { exitCode: 0, json: r, text: releaseText(r) };
          },
          deployed: async (stack, config) => {
            const member = actingMember(context.globals, config, 'export').name;
            const r = (await stack.invoke('export', { action: 'release', name, copy: options.copy }, ReleaseAnswer, { as: member })) as unknown as ReleaseReport;
            return { exitCode: 0, json: r, text: releaseText(r) };
          },
        }, { act: 'export' });
      })(rawOptions, command),
    );
}
