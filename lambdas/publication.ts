/**
 * Publication handler: planned publications (lib/jobs/publications.ts), as `steward publication add|list|show|done`.
 *
 * - `add` (a member whose role may plan one: PI or researcher): dates the advance notice from the policy in force and
 *   freezes the named export version as the paper's dataset (keyed hashes of its records).
 * - `done` (the PI only, lib/domain/roles.ts): the paper is out, its notice leaves the calendar.
 * - `list`, `show`: any member; `show` counts the paper's records deleted since (tombstones in the ledger).
 *
 * Who acts is the member alias the request came through (lambdas/shared/member-identity.ts: a member's role may
 * invoke only its own alias of this function), checked against the role table; an event `member` is a claim that
 * must agree. Writes only under `exports/publications/`; reads export manifests and ledger tombstones. Logs ids and
 * counts, never a paper's records or content.
 */
import * as z from 'zod';
import { PlannedDateSchema, PublicationIdSchema } from '../lib/domain/publications';
import type { JobContext } from '../lib/jobs/context';
import { addPublication, listPublications, markPublicationDone, showPublication } from '../lib/jobs/publications';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { identifyMember } from './shared/member-identity';
import { logger } from './shared/powertools';

const Member = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'name the lab member who acts (lowercase), e.g. "grace"' });

export const PublicationEventSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('add'),
      title: z.string().trim().min(1).max(200),
      plannedDate: PlannedDateSchema,
      export: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}@v\d{1,6}$/, { message: 'must be NAME@vN, an export version' }).optional(),
      /** A claim only: who acts is the alias invoked. */
      member: Member.optional(),
    })
    .strict(),
  z.object({ action: z.literal('list') }).strict(),
  z.object({ action: z.literal('show'), id: PublicationIdSchema }).strict(),
  z.object({ action: z.literal('done'), id: PublicationIdSchema, member: Member.optional() }).strict(),
]);
export type PublicationEvent = z.infer<typeof PublicationEventSchema>;

/** The context of the member (identified by the alias invoked) taking the action. */
function asMember(ctx: JobContext, member: { readonly name: string }): JobContext {
  return { ...ctx, actor: { type: 'researcher', name: member.name } };
}

export const handler = jobHandler(PublicationEventSchema, async (event, context) => {
  const { ctx } = await deployment();
  const members = ctx.config.members;
  switch (event.action) {
    case 'add': {
      const member = identifyMember(context, members, { action: 'publication.add', claimed: event.member });
      const acting = asMember(ctx, member);
      const added = await addPublication(acting, { title: event.title, plannedDate: event.plannedDate, ...(event.export ? { export: event.export } : {}) });
      const standing = await showPublication(acting, added.id);
      logger.info('publication planned', { id: added.id, noticeDueAt: added.noticeDueAt, records: standing.records?.used ?? 0, member: member.name });
      return standing;
    }
    case 'list':
      return { publications: await listPublications(ctx) };
    case 'show':
      return showPublication(ctx, event.id);
    case 'done': {
      const member = identifyMember(context, members, { action: 'publication.done', claimed: event.member });
      const acting = asMember(ctx, member);
      const done = await markPublicationDone(acting, event.id);
      logger.info('publication done', { id: done.id, member: member.name });
      return showPublication(acting, event.id);
    }
  }
});
