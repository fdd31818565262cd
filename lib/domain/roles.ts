/**
 * Who may do what. A lab has one PI and up to nine researchers (config `members`); the schedules act as
 * `@schedule`. Changing commands need an actor who is a member; what a member may do depends on the role:
 *
 * | action | pi | researcher |
 * | --- | --- | --- |
 * | read (audit, report, certify, verify, quota plan) | yes | yes |
 * | erase (an erasure request, filed in the member's name) | yes | yes |
 * | collect, refresh, purge (the schedules' routine work, run by hand) | yes | no |
 * | export (create an analysis dataset, pull a copy, release it) | yes | yes |
 * | query (SQL over the current exports: `steward query`; audited as `query.run`) | yes | yes |
 * | expire, purge release / dismiss (decisions the terms leave to the PI) | yes | no |
 * | publication add (plan a paper: its notice to the platform becomes an obligation, its dataset is frozen) | yes | yes |
 * | publication done (the paper is out: its notice stops being an obligation) | yes | no |
 *
 * Planning a paper is a researcher's work and only adds an obligation; marking it done removes one from the
 * calendar, which the PI answers for (the notice was given), so only the PI may.
 *
 * Deployed, the schedules do the routine work: member roles may invoke the functions of read, erase, export, expire,
 * purge release/dismiss and publications only, each as this table allows (lib/infra/lab-access.ts); a function that
 * acts for members checks the role of the member whose alias was invoked (lambdas/shared/member-identity.ts).
 *
 * The same table decides the deployed member roles (lib/infra/lab-access.ts) and the local CLI checks.
 *
 * @example
 * const member = memberNamed(config.members, 'grace');
 * if (!member || !mayAct(member, 'expire')) throw new BadInputError('...');
 */

export type MemberRole = 'pi' | 'researcher';

export interface RoleHolder {
  readonly name: string;
  readonly role: MemberRole;
}

/** Everything a member may be asked to do. */
export const MEMBER_ACTIONS = ['read', 'erase', 'collect', 'refresh', 'purge', 'export', 'query', 'expire', 'purge.release', 'purge.dismiss', 'publication.add', 'publication.done'] as const;
export type MemberAction = (typeof MEMBER_ACTIONS)[number];

/** The actions each role may take (the table above). */
export const ROLE_ACTIONS: Readonly<Record<MemberRole, ReadonlySet<MemberAction>>> = {
  pi: new Set(MEMBER_ACTIONS),
  researcher: new Set<MemberAction>(['read', 'erase', 'export', 'query', 'publication.add']),
};

/** How messages say an action whose name is not a verb. */
const ACTION_WORDS: Partial<Record<MemberAction, string>> = { 'publication.add': 'plan a publication', 'publication.done': 'mark a publication done' };

/** Whether `member` may take `action`. */
export function mayAct(member: RoleHolder, action: MemberAction): boolean {
  return ROLE_ACTIONS[member.role].has(action);
}

/** The roles allowed to take `action`, for messages ("only the pi may ..."). */
export function rolesFor(action: MemberAction): MemberRole[] {
  return (Object.keys(ROLE_ACTIONS) as MemberRole[]).filter((role) => ROLE_ACTIONS[role].has(action));
}

/** The member called `name` (names are lowercase slugs in the config), or undefined. */
export function memberNamed<M extends RoleHolder>(members: readonly M[], name: string): M | undefined {
  return members.find((m) => m.name === name);
}

export type RoleCheck<M extends RoleHolder> = { readonly ok: true; readonly member: M } | { readonly ok: false; readonly reason: string };

/**
 * Check that `name` is a member allowed to take `action`; the reason says what is wrong and how to fix it.
 * `undefined` means nobody was named.
 */
export function checkActor<M extends RoleHolder>(members: readonly M[], name: string | undefined, action: MemberAction): RoleCheck<M> {
  const names = members.map((m) => `${m.name} (${m.role})`).join(', ');
  if (name === undefined || name === '') {
    return { ok: false, reason: `${action} changes the project's data: say who acts with --as MEMBER or STEWARD_RESEARCHER (members: ${names})` };
  }
  const member = memberNamed(members, name);
  if (!member) return { ok: false, reason: `"${name}" is not a member of this project (members: ${names}); act as a member with --as MEMBER (or STEWARD_RESEARCHER)` };
  if (!mayAct(member, action)) {
    return { ok: false, reason: `${member.name} is a ${member.role}: only the ${rolesFor(action).join(' or ')} may ${ACTION_WORDS[action] ?? action.replace('.', ' ')}` };
  }
  return { ok: true, member };
}
