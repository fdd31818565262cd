/**
 * The project file (`steward.config.json`): one validated document from which the CLI, the demo and the CDK app
 * all work. Every rule here names the JSON path and the fix, because a research engineer edits this by hand.
 */
import * as z from 'zod';
import { EXPORT_FORMATS, exportFieldProblems } from '../domain/exports';
import { POLICY_IDS, PolicySchema } from '../domain/policy';
import { videoQuerySchema } from '../platforms/tiktok/query';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = (what: string) =>
  z
    .string()
    .regex(ISO_DATE, { message: `${what} must be a date written YYYY-MM-DD, e.g. 2027-06-30` })
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
      message: `${what} is not a real calendar date`,
    });

/** Lower-case slug: safe in resource names, S3 keys and DynamoDB keys. */
const slug = (what: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, {
      message: `${what} must be 3-40 characters of a-z, 0-9 and '-', starting with a letter (e.g. climate-videos)`,
    });

/** EventBridge Scheduler expressions. */
export const ScheduleSchema = z
  .string()
  .regex(/^(rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(\S+( \S+){5}\))$/, {
    message: 'must be an EventBridge schedule such as "rate(1 day)", "rate(6 hours)" or "cron(0 3 * * ? *)"',
  });

export const MemberSchema = z
  .object({
    name: slug('a member name'),
    role: z.enum(['pi', 'researcher'], { message: 'role must be "pi" or "researcher"' }),
    /** IAM principal allowed to assume the member's read-only role when deployed. */
    iamPrincipalArn: z
      .string()
      .regex(/^arn:aws:iam::\d{12}:(user|role)\/[\w+=,.@/-]+$/, { message: 'must be an IAM user or role ARN, e.g. arn:aws:iam::123456789012:user/ada' })
      .optional(),
  })
  .strict();

/** Where credentials come from: Secrets Manager when deployed, environment variables on a workstation. */
export const CredentialsSchema = z.union(
  [
    z.object({ secretName: z.string().min(1) }).strict(),
    z.object({ clientKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/), clientSecretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) }).strict(),
  ],
  { message: 'credentials must be {"secretName": "..."} (Secrets Manager) or {"clientKeyEnv": "VAR", "clientSecretEnv": "VAR"}; never the secret itself' },
);

export const SourceSchema = z
  .object({
    api: z.enum(['tiktok-research', 'tiktok-commercial'], { message: 'api must be "tiktok-research" or "tiktok-commercial"' }),
    baseUrl: z.url({ message: 'baseUrl must be a URL such as https://open.tiktokapis.com' }).default('https://open.tiktokapis.com'),
    credentials: CredentialsSchema,
    /** The lab's approved daily limits (shared by the whole lab). */
    dailyRequests: z.number().int().min(1).max(1_000_000).default(1_000),
    dailyRecords: z.number().int().min(1).max(100_000_000).default(100_000),
    /**
     * Share of the daily request quota that collection must leave for refreshes: a floor. Collection also leaves
     * whatever the records due today need when that is more (lib/jobs/quota-plan.ts `refreshNeedToday`).
     */
    refreshReserve: z.number().min(0).max(0.95).default(0.3),
  })
  .strict();

const WindowSchema = z.union(
  [
    z.object({ start: isoDate('window.start'), end: isoDate('window.end') }).strict(),
    z.object({ rollingDays: z.number().int().min(1).max(365) }).strict(),
  ],
  { message: 'window must be {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"} or {"rollingDays": N}' },
);

/** A standing export of the spec: a new version on this schedule (`steward export create` by the schedules). */
const StandingExportSchema = z
  .object({
    schedule: ScheduleSchema,
    format: z.enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` }).default('parquet'),
    fields: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const specCommon = {
  name: slug('a spec name'),
  source: z.string().min(1),
  schedule: ScheduleSchema,
  export: StandingExportSchema.optional(),
};

export const VideoSpecSchema = z
  .object({
    ...specCommon,
    kind: z.literal('video'),
    /**
     * The Research API query object: {"and"|"or"|"not": [conditions]}, checked against the grammar here (fields,
     * operations, value forms), so a query TikTok would reject fails at config load and `cdk synth`, not at collect.
     */
    query: videoQuerySchema,
    window: WindowSchema,
    maxCount: z.number().int().min(1).max(100).default(100),
  })
  .strict();

export const CommentSpecSchema = z
  .object({
    ...specCommon,
    kind: z.literal('comment'),
    /** Collect comments of the videos collected by this spec. */
    parentSpec: slug('parentSpec'),
    maxPerVideo: z.number().int().min(1).max(1_000).default(100),
  })
  .strict();

export const UserSpecSchema = z
  .object({
    ...specCommon,
    kind: z.literal('user'),
    /** Collect the authors of the videos collected by this spec. */
    parentSpec: slug('parentSpec'),
  })
  .strict();

export const AdSpecSchema = z
  .object({
    ...specCommon,
    kind: z.literal('ad'),
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, { message: 'country codes are two capital letters, e.g. DE' })).min(1),
    searchTerm: z.string().max(50, { message: 'searchTerm may have at most 50 characters (platform limit)' }).optional(),
    window: WindowSchema,
  })
  .strict();

export const SpecSchema = z.discriminatedUnion('kind', [VideoSpecSchema, CommentSpecSchema, UserSpecSchema, AdSpecSchema], {
  message: 'kind must be one of "video", "comment", "user", "ad"',
});

export const ProjectConfigSchema = z
  .object({
    project: z
      .object({
        id: slug('project.id'),
        title: z.string().min(1).max(200),
        /** When the approved project ends: everything collected must be gone by then. */
        endDate: isoDate('project.endDate'),
        /**
         * Moved: the notice period is policy data (`policies.<id>.publicationNoticeDays`). Kept in the schema only to
         * refuse it with a message naming the new place (below), instead of "unrecognized key".
         */
        publicationNoticeDays: z.unknown().optional(),
      })
      .strict(),
    members: z.array(MemberSchema).min(1).max(10, { message: 'the platform allows at most 10 researchers per project (a PI and 9 collaborators)' }),
    sources: z.record(slug('a source name'), SourceSchema).refine((s) => Object.keys(s).length > 0, { message: 'define at least one source' }),
    /** Overrides of the default policies; a changed duty needs a higher version. */
    policies: z.partialRecord(z.enum(POLICY_IDS), PolicySchema.partial().extend({ version: z.number().int().positive() })).default({}),
    storage: z
      .object({
        /** Object Lock or backup retention would keep content Steward is obliged to delete. */
        objectLock: z.literal(false, { message: 'Object Lock must stay off: it would block the deletions the platform terms require' }).default(false),
        backupRetentionDays: z.literal(0, { message: 'backups of content must stay off (0): a backup would keep records that must be deleted' }).default(0),
        /**
         * Seal anchors (signed seal heads of the audit log, which holds no content) are write-once until the project
         * ends plus this many days (S3 Object Lock, compliance mode): the proof outlives the data.
         */
        sealAnchorTailDays: z.number().int().min(1).max(36_500).default(1825),
      })
      .strict()
      .default({ objectLock: false, backupRetentionDays: 0, sealAnchorTailDays: 1825 }),
    specs: z.array(SpecSchema).default([]),
    /** How the stack runs on AWS (cdk deploy); every field has a default that fits a new AWS account. */
    deployment: z
      .object({
        /**
         * Refresh workers running at once in a sweep (one per due-index shard, 16 shards). A new AWS account may run
         * only 10 Lambda functions at once in all; the default leaves room for collect, purge and the others.
         */
        refreshConcurrency: z
          .number()
          .int()
          .min(1, { message: 'deployment.refreshConcurrency must be 1..16 (one worker per due-index shard at most)' })
          .max(16, { message: 'deployment.refreshConcurrency must be 1..16 (one worker per due-index shard at most)' })
          .optional(),
        /** Extra tags on every resource of the stack (besides steward:project and steward:managed-by). */
        tags: z.record(z.string().min(1).max(128).regex(/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, { message: 'a tag key: letters, digits, spaces and _.:/=+-@, not starting with aws:' }), z.string().max(256)).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.project.publicationNoticeDays !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['project', 'publicationNoticeDays'],
        message:
          'the publication notice period is policy data now: remove it here and set "policies": { "tiktok-research": { "version": 2, "publicationNoticeDays": N } } (a changed duty needs a higher version)',
      });
    }
    const pis = config.members.filter((m) => m.role === 'pi').length;
    if (pis !== 1) ctx.addIssue({ code: 'custom', path: ['members'], message: `exactly one member must have role "pi" (found ${pis})` });
    const memberNames = new Set<string>();
    config.members.forEach((m, i) => {
      if (memberNames.has(m.name)) ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `duplicate member name "${m.name}"` });
      memberNames.add(m.name);
    });
    const specNames = new Map<string, (typeof config.specs)[number]>();
    config.specs.forEach((spec, i) => {
      if (specNames.has(spec.name)) ctx.addIssue({ code: 'custom', path: ['specs', i, 'name'], message: `duplicate spec name "${spec.name}"` });
      specNames.set(spec.name, spec);
    });
    config.specs.forEach((spec, i) => {
      const source = config.sources[spec.source];
      if (!source) {
        ctx.addIssue({
          code: 'custom',
          path: ['specs', i, 'source'],
          message: `unknown source "${spec.source}"; define it under "sources" (defined: ${Object.keys(config.sources).join(', ') || 'none'})`,
        });
      } else {
        const wanted = spec.kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research';
        if (source.api !== wanted) {
          ctx.addIssue({ code: 'custom', path: ['specs', i, 'source'], message: `a ${spec.kind} spec needs a source with api "${wanted}", not "${source.api}"` });
        }
      }
      if (spec.kind === 'comment' || spec.kind === 'user') {
        const parent = specNames.get(spec.parentSpec);
        if (!parent || parent.kind !== 'video') {
          ctx.addIssue({ code: 'custom', path: ['specs', i, 'parentSpec'], message: `parentSpec must name a video spec of this config (got "${spec.parentSpec}")` });
        }
      }
      if ('window' in spec && 'start' in spec.window && spec.window.start > spec.window.end) {
        ctx.addIssue({ code: 'custom', path: ['specs', i, 'window'], message: 'window.start must not be after window.end' });
      }
      // A standing export's fields are checked here (config load, cdk synth), not when its schedule first fires.
      const fields = spec.export?.fields ?? [];
      fields.forEach((field, j) => {
        const problem = exportFieldProblems(spec.kind, [field])[0] ?? (fields.indexOf(field) !== j ? `"${field}" is named twice` : undefined);
        if (problem) ctx.addIssue({ code: 'custom', path: ['specs', i, 'export', 'fields', j], message: problem });
      });
    });
  });

export type ProjectConfig = z.infer<typeof ProjectConfigSchema>;
export type Spec = z.infer<typeof SpecSchema>;
export type VideoSpec = z.infer<typeof VideoSpecSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;
