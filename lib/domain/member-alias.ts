/**
 * Who invokes a deployed function, as Lambda itself states it: every function that acts for a lab member (export,
 * erase, ...) has one alias per member, `member-<name>`, and each member's role may invoke only its own alias
 * (lib/infra/member-aliases.ts). The alias a request came through is in the invoked function ARN, which the caller
 * cannot forge; the member an event names is a claim the handler checks against it (lambdas/shared/member-identity.ts).
 *
 * @example
 * memberAliasName('grace');                                                    // 'member-grace'
 * memberOfInvokedArn('arn:aws:lambda:eu-central-1:1:function:f:member-grace');  // 'grace'
 * memberOfInvokedArn('arn:aws:lambda:eu-central-1:1:function:f');               // undefined (unqualified)
 */

export const MEMBER_ALIAS_PREFIX = 'member-';

/** The alias of `member` on a function that acts for members. */
export function memberAliasName(member: string): string {
  return `${MEMBER_ALIAS_PREFIX}${member}`;
}

/** The qualifier (version or alias) of an invoked function ARN, or undefined when the invocation was unqualified. */
export function qualifierOfInvokedArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  const parts = arn.split(':');
  return parts.length >= 8 && parts[7] !== '' ? parts[7] : undefined;
}

/** The member whose alias was invoked, or undefined when the invocation came through no member alias. */
export function memberOfInvokedArn(arn: string | undefined): string | undefined {
  const qualifier = qualifierOfInvokedArn(arn);
  return qualifier?.startsWith(MEMBER_ALIAS_PREFIX) ? qualifier.slice(MEMBER_ALIAS_PREFIX.length) : undefined;
}
