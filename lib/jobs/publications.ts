/**
 * `steward publication add|list|show|done`: planned publications, their advance-notice obligation, and the export
 * version frozen as each paper's dataset (domain/publications.ts). `show` answers which records a paper used (how
 * many, by keyed hash) and how many of them have been deleted since (tombstones in the ledger): the attrition of
 * the paper's sample. Content-free.
 */
import { BadInputError } from '../domain/errors';
import { exportLabel, parseExportRef, type ExportManifest } from '../domain/exports';
import { noticeDueAt, publicationId, type Publication } from '../domain/publications';
import { policyIdForApi } from '../config/load';
import type { PolicyId } from '../domain/policy';
import { ObjectPublicationStore, type PublicationStore } from '../store/publication-store';
import { AuditEventSchema, type AuditEvent } from '../domain/audit';
import { newRunId, type JobContext } from './context';
import { exportStoreOf } from './export';
import { openExportRun } from './export/build';

export const publicationStoreOf = (ctx: Pick<JobContext, 'objects'>): PublicationStore => new ObjectPublicationStore(ctx.objects);

export interface AddPublicationInput {
  readonly title: string;
  readonly plannedDate: string;
  /** `NAME@vN`: the export version the paper uses. */
  readonly export?: string;
}

/** The manifest of `NAME@vN` (any format that has that version), or bad input naming `--export`. */
async function frozenManifest(ctx: JobContext, ref: string): Promise<ExportManifest> {
  let parsed: ReturnType<typeof parseExportRef>;
  try {
    parsed = parseExportRef(ref);
  } catch (error) {
    throw new BadInputError(`--export: ${(error as Error).message}`);
  }
  if (parsed.version === undefined) throw new BadInputError(`--export: name the version the paper uses, e.g. ${parsed.name}@v1 (steward export list shows them)`);
  const store = exportStoreOf(ctx);
  const formats = (await store.latestVersions(parsed.name)).map((v) => v.format).sort();
  for (const format of formats) {
    const manifest = await store.getManifest(parsed.name, format, parsed.version);
    if (manifest) return manifest;
  }
  throw new BadInputError(`--export: no export ${exportLabel(parsed.name, parsed.version)} (steward export list shows the exports and their versions)`);
}

/**
 * The notice period of a paper: the policy of the source its dataset came from (the export's spec), else the
 * longest period of the policies of the project's sources (a paper without a frozen dataset may draw on any).
 */
export function noticePolicy(ctx: Pick<JobContext, 'config' | 'policies'>, exportSpec?: string): { readonly days: number; readonly policy: { readonly id: PolicyId; readonly version: number } } {
  const { config, policies } = ctx;
  const source = exportSpec !== undefined ? config.specs.find((s) => s.name === exportSpec)?.source : undefined;
  const apis = source !== undefined && config.sources[source] ? [config.sources[source]!.api] : Object.values(config.sources).map((s) => s.api);
  const candidates = [...new Set(apis.map(policyIdForApi))].map((id) => policies[id]);
  const strictest = candidates.reduce((a, b) => (b.publicationNoticeDays > a.publicationNoticeDays ? b : a));
  return { days: strictest.publicationNoticeDays, policy: { id: strictest.id, version: strictest.version } };
}

type PublicationAction = 'publication.added' | 'publication.done';

/**
 * The audit event of a publication planned or done, checked before anything is written. Content-free: a paper's
 * title may name people, and its id's slug comes from the title, so the event holds the id's keyed hash
 * (`publication`; hash `publication:ID` to find a paper's events), the export version of its dataset and its
 * planned date, never the title or the id.
 */
function publicationEvent(ctx: JobContext, action: PublicationAction, p: Publication, at: string, runId: string): AuditEvent {
  return AuditEventSchema.parse({
    at,
    action,
    actor: ctx.actor,
    runId,
    evidence: {
      publication: ctx.hasher.hash(`publication:${p.id}`),
      plannedDate: p.plannedDate,
      ...(p.dataset ? { export: exportLabel(p.dataset.export, p.dataset.version) } : {}),
      ...(action === 'publication.added' ? { noticeDueAt: p.noticeDueAt } : {}),
    },
  });
}

/** Store a publication as planned or done, in its own audited run (the event is checked before the first write). */
async function putAudited(ctx: JobContext, action: PublicationAction, p: Publication): Promise<void> {
  const job = action === 'publication.added' ? 'publication-add' : 'publication-done';
  publicationEvent(ctx, action, p, ctx.clock.now().toISOString(), newRunId(job, ctx.clock.now()));
  const run = await openExportRun(ctx, job);
  await publicationStoreOf(ctx).put(p);
  await run.chain.append([publicationEvent(ctx, action, p, ctx.clock.now().toISOString(), run.runId)]);
  await run.finish({ publications: 1 });
}

export async function addPublication(ctx: JobContext, input: AddPublicationInput): Promise<Publication> {
  const store = publicationStoreOf(ctx);
  const id = publicationId(input.plannedDate, input.title);
  if (await store.get(id)) throw new BadInputError(`--title: a publication "${input.title}" planned for ${input.plannedDate} exists already (${id}); steward publication show ${id}`);
  const manifest = input.export !== undefined ? await frozenManifest(ctx, input.export) : undefined;
  const notice = noticePolicy(ctx, manifest?.name);
  const noticeDays = notice.days;
  const publication: Publication = {
    schema: 'steward.publication/1',
    id,
    title: input.title,
    plannedDate: input.plannedDate,
    noticeDays,
    noticeDueAt: noticeDueAt(input.plannedDate, noticeDays),
    noticePolicy: notice.policy,
    status: 'planned',
    createdAt: ctx.clock.now().toISOString(),
    createdBy: ctx.actor.name,
    ...(manifest
      ? {
          dataset: {
            export: manifest.name,
            version: manifest.version,
            format: manifest.format,
            digest: manifest.digest,
            asOf: manifest.asOf,
            rows: manifest.rowCount,
            recordHashes: [...new Set(manifest.parts.flatMap((p) => p.records.map(([key]) => ctx.hasher.hash(key))))].sort(),
          },
        }
      : {}),
  };
  await putAudited(ctx, 'publication.added', publication);
  return publication;
}

async function existing(ctx: JobContext, id: string): Promise<Publication> {
  const p = await publicationStoreOf(ctx).get(id);
  if (!p) throw new BadInputError(`ID: no publication ${id} (steward publication list shows them)`);
  return p;
}

export async function markPublicationDone(ctx: JobContext, id: string): Promise<Publication> {
  const p = await existing(ctx, id);
  if (p.status === 'done') return p;
  const done: Publication = { ...p, status: 'done', doneAt: ctx.clock.now().toISOString(), doneBy: ctx.actor.name };
  await putAudited(ctx, 'publication.done', done);
  return done;
}

export interface PublicationStanding {
  readonly publication: Omit<Publication, 'dataset'> & { readonly dataset?: Omit<NonNullable<Publication['dataset']>, 'recordHashes'> };
  /** Records of its dataset, and how many of them are purged now (by reason). */
  readonly records?: { readonly used: number; readonly deletedSince: number; readonly byReason: Readonly<Record<string, number>>; readonly share: number };
  readonly noticeOverdue: boolean;
}

export async function showPublication(ctx: JobContext, id: string): Promise<PublicationStanding> {
  const p = await existing(ctx, id);
  const { dataset, ...rest } = p;
  const noticeOverdue = p.status === 'planned' && Date.parse(p.noticeDueAt) < ctx.clock.now().getTime();
  if (!dataset) return { publication: rest, noticeOverdue };
  const { recordHashes, ...identity } = dataset;
  const byReason: Record<string, number> = {};
  let deleted = 0;
  for (let i = 0; i < recordHashes.length; i += 100) {
    for (const t of (await ctx.ledger.getTombstones(recordHashes.slice(i, i + 100))).values()) {
      deleted += 1;
      byReason[t.reason] = (byReason[t.reason] ?? 0) + 1;
    }
  }
  const used = recordHashes.length;
  return { publication: { ...rest, dataset: identity }, records: { used, deletedSince: deleted, byReason, share: used === 0 ? 0 : Math.round((deleted / used) * 10_000) / 10_000 }, noticeOverdue };
}

export async function listPublications(ctx: JobContext): Promise<Array<PublicationStanding['publication']>> {
  return (await publicationStoreOf(ctx).list()).map(({ dataset, ...rest }) => (dataset ? { ...rest, dataset: (({ recordHashes: _h, ...d }) => d)(dataset) } : rest));
}

export function publicationText(s: PublicationStanding): string {
  const p = s.publication;
  const lines = [
    `${p.id}: "${p.title}", planned ${p.plannedDate} (${p.status}${p.doneAt ? ` ${p.doneAt.slice(0, 10)}` : ''})`,
    `  advance notice to the platform due ${p.noticeDueAt.slice(0, 10)} (${p.noticeDays} days before${p.noticePolicy ? `, policy ${p.noticePolicy.id} v${p.noticePolicy.version}` : ''})${s.noticeOverdue ? ': OVERDUE' : ''}`,
  ];
  if (p.dataset) lines.push(`  dataset ${exportLabel(p.dataset.export, p.dataset.version)} (${p.dataset.format}, as of ${p.dataset.asOf}, digest ${p.dataset.digest.slice(0, 16)}…)`);
  if (s.records) {
    const reasons = Object.entries(s.records.byReason).map(([r, n]) => `${r} ${n}`).join(', ');
    lines.push(`  records used ${s.records.used}; deleted since ${s.records.deletedSince} (${(s.records.share * 100).toFixed(1)} %${reasons ? `: ${reasons}` : ''})`);
  } else lines.push('  no dataset frozen (add --export NAME@vN when planning)');
  return lines.join('\n');
}
