/**
 * Platform policies as data. Terms change, so every duty Steward enforces comes from a versioned policy object,
 * and every ledger item records the policy version it was stamped with.
 */
import * as z from 'zod';

export const POLICY_IDS = ['tiktok-research', 'tiktok-commercial'] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export const PolicySchema = z
  .object({
    id: z.enum(POLICY_IDS),
    /** Bump whenever any duty below changes; records are re-stamped and their due dates recomputed. */
    version: z.number().int().positive(),
    /** Stored data must be refreshed at least this often (TikTok Research Tools terms: 15 days). */
    refreshWithinDays: z.number().int().min(1).max(365),
    /** Start refreshing this many hours before the deadline, so a failed sweep can be retried in time. */
    refreshLeadHours: z.number().int().min(1).max(24 * 14).default(72),
    /**
     * How a refresh checks videos and comments: `lookup` re-fetches their content by id (100 per request), so
     * changed content is rewritten; `existence-check` only asks a batch compliance task which ids are still
     * served (up to 10,000 per task, a few requests), re-stamping the rest without new content. Accounts and ads
     * have no compliance task and are always looked up.
     */
    refreshBy: z.enum(['lookup', 'existence-check']).default('lookup'),
    /** What to do when the platform no longer serves a record. */
    whenUnavailable: z.enum(['purge']),
    /** What counts as confirmed unavailability; transient errors never do. */
    confirmation: z.object({
      /** Absent from a successful id lookup that returned other ids of the same batch. */
      batchLookup: z.boolean().default(true),
      /** Listed as invalid by a completed batch compliance task. */
      complianceTask: z.boolean().default(true),
      /**
       * Otherwise this many consecutive misses (answers that are not errors but lack the record). At least 2: one
       * such answer may be an empty page, which is never evidence.
       */
      consecutiveMisses: z
        .number()
        .int()
        .min(2, { message: 'must be at least 2: a single answer without the record may be an empty page, which is never evidence' })
        .max(30)
        .default(3),
      /**
       * Misses count only this many hours apart (and a missed record is looked at again no sooner), so one outage
       * that answers empty for hours cannot add up to a purge. (consecutiveMisses - 1) x missSpacingHours must stay
       * below refreshLeadHours, so a deleted record is confirmed before its refresh deadline.
       */
      missSpacingHours: z.number().int().min(1).max(24 * 7).default(12),
    }),
    /**
     * Accounts no kept video names any more (their last collected video went). `purge` (default): Steward collects an
     * account only as the author of collected videos, so it goes with the last of them (reason `cascade`, rule
     * `orphaned`: never `unavailable`, the platform may still serve it). `keep`: it stays and is refreshed through
     * the username in its own stored copy, and goes only on confirmed unavailability, erasure or expiry.
     */
    orphanedAccounts: z.enum(['purge', 'keep']).default('purge'),
    /**
     * The fuse against mass purges (domain/purge-fuse.ts): an outage that answers empty, a wrong world or key, or an
     * API bug must never purge a corpus. A sweep holds for the PI, instead of purging, what one source confirms
     * unavailable while the fuse is tripped. Defaults chosen from the emulator's natural attrition (README).
     */
    purgeFuse: z
      .object({
        /**
         * Trips when the records one source newly confirmed unavailable (by their own lookup or listing, not those
         * that go with a parent) within 24 h are more than this share of the records it checked in that time...
         */
        maxShare: z.number().gt(0, { message: 'must be above 0 (a share such as 0.05): 0 would hold every purge' }).max(1).default(0.05),
        /** ...and at least this many: a few deletions in a small sweep are never a mass purge. */
        minCount: z.number().int().min(1).max(1_000_000).default(50),
        /**
         * Also trips when an id lookup (a video lookup request, a compliance task) of at least this many ids comes
         * back successful with none of them: what an outage that answers empty, or a wrong key, looks like.
         */
        allMissingBatch: z.number().int().min(2, { message: 'must be at least 2: a lone id missing is an ordinary miss' }).max(10_000).default(20),
      })
      .strict()
      .default({ maxShare: 0.05, minCount: 50, allMissingBatch: 20 }),
    /** Purge within this many hours after unavailability is confirmed (and decide a purge hold within as many). */
    purgeWithinHours: z.number().int().min(1).max(24 * 30).default(24),
    atProjectEnd: z.enum(['purge-all']),
    /**
     * Days of advance notice the platform gets before a publication that uses its data (steward publication add
     * dates the notice this many days before the planned date). The terms require advance notice; the period is
     * UNVERIFIED (README, Publications): set it from the lab's agreement (raising the version, like any duty).
     */
    publicationNoticeDays: z.number().int().min(0).max(365).default(30),
    /** Optional hard limit on how long any record may be kept, whatever the project end. */
    maxRetentionDays: z.number().int().min(1).optional(),
    /** Where the duty comes from, for reports. */
    source: z.string().min(1),
  })
  .strict();

export type Policy = z.infer<typeof PolicySchema>;

/**
 * A policy with its cross-field rules checked (PolicySchema itself stays refinement-free, so the config schema can
 * take `.partial()` of it): confirming a deletion by misses must finish inside the refresh lead time.
 */
export const CheckedPolicySchema = PolicySchema.superRefine((policy, ctx) => {
  const { consecutiveMisses, missSpacingHours } = policy.confirmation;
  const span = (consecutiveMisses - 1) * missSpacingHours;
  if (span >= policy.refreshLeadHours) {
    const most = Math.max(1, Math.floor((policy.refreshLeadHours - 1) / (consecutiveMisses - 1)));
    ctx.addIssue({
      code: 'custom',
      path: ['confirmation', 'missSpacingHours'],
      message: `${consecutiveMisses} misses ${missSpacingHours} h apart take ${span} h to confirm a deletion, not less than refreshLeadHours (${policy.refreshLeadHours} h): a deleted record would pass its refresh deadline unconfirmed; set missSpacingHours to at most ${most}, or lower consecutiveMisses, or raise refreshLeadHours`,
    });
  }
});

/** Defaults from DESIGN.md; a project config may override any field (and must then bump the version). */
export const DEFAULT_POLICIES: Readonly<Record<PolicyId, Policy>> = {
  'tiktok-research': CheckedPolicySchema.parse({
    id: 'tiktok-research',
    version: 1,
    refreshWithinDays: 15,
    whenUnavailable: 'purge',
    confirmation: {},
    atProjectEnd: 'purge-all',
    source: 'TikTok Research Tools Terms of Service: refresh at least every 15 days; delete what is no longer available; delete at project end',
  }),
  'tiktok-commercial': CheckedPolicySchema.parse({
    id: 'tiktok-commercial',
    version: 1,
    refreshWithinDays: 30,
    whenUnavailable: 'purge',
    confirmation: {},
    atProjectEnd: 'purge-all',
    source: 'TikTok Commercial Content API terms: refresh within 30 days; delete what is no longer available; delete at project end',
  }),
};
