/**
 * The lab member a request comes from, as Lambda states it (lib/domain/member-alias.ts): the alias `member-<name>`
 * the request was invoked through. Functions that act for members use this instead of trusting a name in the
 * event; an event may still name the member (older CLIs do), and a name that disagrees with the alias is refused.
 *
 * - `identifyMember`: for actions only a member takes (pull, release, erase): an unqualified invocation, an alias of
 *   no member, a member whose role does not allow the action, or an event naming someone else: BadInputError
 *   (the CLI's exit 2), thrown before anything is written.
 * - `memberIfAny`: for actions a schedule or another job may also take (a standing export's create): the member
 *   when invoked through an alias, else undefined; an unqualified event that names a member is refused (nobody
 *   vouches for that name).
 * - `refuseMemberAlias`: for job-to-job actions (an export rebuild) a member may never take.
 *
 * @example
 * export const handler = jobHandler(Schema, async (event, context) => {
 *   const { ctx } = await deployment();
 *   const member = identifyMember(context, ctx.config.members, { action: 'export', claimed: event.member });
 *   return doIt({ ...ctx, actor: { type: 'researcher', name: member.name } });
 * });
 */
import { BadInputError } from '../../lib/domain/errors';
import { memberAliasName, memberOfInvokedArn, qualifierOfInvokedArn } from '../../lib/domain/member-alias';
import { checkActor, type MemberAction, type RoleHolder } from '../../lib/domain/roles';

/** The part of the Lambda context identity comes from. */
export interface InvokedContext {
  readonly invokedFunctionArn?: string;
}

export interface IdentifyOptions {
  /** What the member asks to do (lib/domain/roles.ts): the member's role must allow it. */
  readonly action: MemberAction;
  /** The member the event names, if it names one (a claim, checked against the alias). */
  readonly claimed?: string | undefined;
  /** The event field that carries the claim, for messages. @default 'member' */
  readonly field?: string;
}

function checkClaim(member: string, claimed: string | undefined, field: string): void {
  if (claimed !== undefined && claimed !== member) {
    throw new BadInputError(
      `${field}: the event names "${claimed}" but the request came through the alias ${memberAliasName(member)} (member ${member}); a member acts only as themself: drop "${field}" or invoke as ${claimed} (steward --as ${claimed} with ${claimed}'s role)`,
    );
  }
}

function knownMember<M extends RoleHolder>(members: readonly M[], member: string, action: MemberAction): M {
  const check = checkActor(members, member, action);
  if (!check.ok) throw new BadInputError(`member: the alias ${memberAliasName(member)}: ${check.reason}`);
  return check.member;
}

/** The member a member-only action comes from; throws BadInputError when Lambda names none or the event disagrees. */
export function identifyMember<M extends RoleHolder>(context: InvokedContext, members: readonly M[], options: IdentifyOptions): M {
  const field = options.field ?? 'member';
  const member = memberOfInvokedArn(context.invokedFunctionArn);
  if (member === undefined) {
    const qualifier = qualifierOfInvokedArn(context.invokedFunctionArn);
    throw new BadInputError(
      `${field}: ${options.action} is a lab member's action and this request came through ${qualifier ? `the qualifier "${qualifier}"` : 'the unqualified function'}, which names no member; ` +
        `invoke the member's alias ${memberAliasName('<name>')} (steward does, from --as or STEWARD_RESEARCHER); a name in the event is not trusted`,
    );
  }
  checkClaim(member, options.claimed, field);
  return knownMember(members, member, options.action);
}

/** The member when the request came through a member alias; undefined for a schedule's or a job's unqualified request. */
export function memberIfAny<M extends RoleHolder>(context: InvokedContext, members: readonly M[], options: IdentifyOptions): M | undefined {
  const field = options.field ?? 'member';
  const member = memberOfInvokedArn(context.invokedFunctionArn);
  if (member === undefined) {
    if (options.claimed !== undefined) {
      throw new BadInputError(
        `${field}: the event names "${options.claimed}" but the request came through no member alias, so nothing vouches for that name; invoke the alias ${memberAliasName(options.claimed)} (steward --as ${options.claimed} does), or drop "${field}" for a scheduled run`,
      );
    }
    return undefined;
  }
  checkClaim(member, options.claimed, field);
  return knownMember(members, member, options.action);
}

/** Refuse a job-to-job action (`what`) that came through a member's alias. */
export function refuseMemberAlias(context: InvokedContext, what: string): void {
  const member = memberOfInvokedArn(context.invokedFunctionArn);
  if (member !== undefined) throw new BadInputError(`action: ${what} is taken by Steward's own jobs, not by a member (the request came through ${memberAliasName(member)})`);
}
