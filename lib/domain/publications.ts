/**
 * Planned publications: the terms oblige the lab to give the platform advance notice of a publication (and let it
 * review the paper), and a paper's dataset must be known afterwards: which records it used, and how many of them
 * the platform or an erasure has removed since. A publication holds its title, planned date, the notice due date
 * (planned date less the notice period) and, when it names an export version, that version frozen as its dataset:
 * the export's identity and digest, and the keyed hashes of its records (never ids or content).
 *
 * The notice period is policy data (`publicationNoticeDays` of the policy in force, domain/policy.ts), default 30
 * days: the terms require advance notice, but the period is UNVERIFIED (reference/platform-api-facts.md); set it to
 * what the lab's agreement says. A publication keeps the period and the policy version it was dated under.
 */
import * as z from 'zod';
import { MS_PER_DAY } from './clock';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
export const PlannedDateSchema = z
  .string()
  .regex(ISO_DAY, { message: 'must be a date written YYYY-MM-DD, e.g. 2027-03-15' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: 'is not a real calendar date' });

export const PublicationIdSchema = z.string().regex(/^pub-\d{8}-[a-z0-9-]{1,40}$/, { message: 'is not a publication id: use the id `steward publication list` shows, e.g. pub-20270315-attrition-paper' });

export const PublicationSchema = z
  .object({
    schema: z.literal('steward.publication/1'),
    id: PublicationIdSchema,
    title: z.string().min(1).max(200),
    plannedDate: PlannedDateSchema,
    noticeDays: z.int().min(0).max(365),
    /** When the advance notice must have been given (00:00 UTC). */
    noticeDueAt: z.string(),
    /** The policy (and its version) the period came from; absent in publications added before it was policy data. */
    noticePolicy: z.object({ id: z.string(), version: z.int().min(1) }).strict().optional(),
    status: z.enum(['planned', 'done']),
    createdAt: z.string(),
    createdBy: z.string(),
    doneAt: z.string().optional(),
    doneBy: z.string().optional(),
    /** The export version frozen as the paper's dataset. */
    dataset: z
      .object({
        export: z.string(),
        version: z.int().min(1),
        format: z.string(),
        digest: z.string(),
        asOf: z.string(),
        rows: z.int().min(0),
        /** Keyed hashes of the records it held (hashing.ts). */
        recordHashes: z.array(z.string().regex(/^[0-9a-f]{32}$/)),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Publication = z.infer<typeof PublicationSchema>;

export function noticeDueAt(plannedDate: string, noticeDays: number): string {
  return new Date(Date.parse(`${plannedDate}T00:00:00Z`) - noticeDays * MS_PER_DAY).toISOString();
}

/** `pub-YYYYMMDD-<title words>`: readable, and the same title on the same date is the same publication. */
export function publicationId(plannedDate: string, title: string): string {
  const slug = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '') || 'untitled';
  return `pub-${plannedDate.replace(/-/g, '')}-${slug}`;
}
