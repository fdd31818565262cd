import { checkActor, MEMBER_ACTIONS, mayAct, rolesFor } from '../../lib/domain/roles';
import { memberAliasName, memberOfInvokedArn, qualifierOfInvokedArn } from '../../lib/domain/member-alias';
import { identifyMember, memberIfAny, refuseMemberAlias } from '../../lambdas/shared/member-identity';

const MEMBERS = [
  { name: 'ada', role: 'pi' as const },
  { name: 'grace', role: 'researcher' as const },
];

describe('roles: who may do what', () => {
  it.each([
    ['read', true, true],
    ['erase', true, true],
    ['collect', true, false],
    ['refresh', true, false],
    ['purge', true, false],
    ['export', true, true],
    ['query', true, true],
    ['expire', true, false],
    ['purge.release', true, false],
    ['purge.dismiss', true, false],
    ['publication.add', true, true],
    ['publication.done', true, false],
  ] as const)('%s: pi %s, researcher %s', (action, pi, researcher) => {
    expect(mayAct(MEMBERS[0]!, action)).toBe(pi);
    expect(mayAct(MEMBERS[1]!, action)).toBe(researcher);
  });

  it('covers every action in the table', () => {
    expect(MEMBER_ACTIONS).toHaveLength(12);
    expect(rolesFor('expire')).toEqual(['pi']);
    expect(rolesFor('erase')).toEqual(['pi', 'researcher']);
  });

  it('refuses nobody, a non-member and a role that may not, saying how to fix it', () => {
    expect(checkActor(MEMBERS, undefined, 'collect')).toEqual({ ok: false, reason: expect.stringMatching(/--as MEMBER or STEWARD_RESEARCHER \(members: ada \(pi\), grace \(researcher\)\)/) });
    expect(checkActor(MEMBERS, 'mallory', 'erase')).toEqual({ ok: false, reason: expect.stringMatching(/"mallory" is not a member of this project/) });
    expect(checkActor(MEMBERS, 'grace', 'expire')).toEqual({ ok: false, reason: 'grace is a researcher: only the pi may expire' });
    expect(checkActor(MEMBERS, 'grace', 'purge.release')).toEqual({ ok: false, reason: 'grace is a researcher: only the pi may purge release' });
    expect(checkActor(MEMBERS, 'grace', 'erase')).toEqual({ ok: true, member: MEMBERS[1] });
    expect(checkActor(MEMBERS, 'grace', 'publication.done')).toEqual({ ok: false, reason: 'grace is a researcher: only the pi may mark a publication done' });
    expect(checkActor(MEMBERS, 'grace', 'publication.add')).toEqual({ ok: true, member: MEMBERS[1] });
  });
});

describe('member aliases: who invoked a deployed function, as Lambda states it', () => {
  const arn = (qualifier?: string) => `arn:aws:lambda:eu-central-1:123456789012:function:Steward-p-export${qualifier ? `:${qualifier}` : ''}`;

  it('reads the member from the alias qualifier, and nobody from an unqualified, version or other alias invocation', () => {
    expect(memberAliasName('grace')).toBe('member-grace');
    expect(memberOfInvokedArn(arn('member-grace'))).toBe('grace');
    expect(memberOfInvokedArn(arn())).toBeUndefined();
    expect(memberOfInvokedArn(arn('7'))).toBeUndefined();
    expect(memberOfInvokedArn(arn('$LATEST'))).toBeUndefined();
    expect(memberOfInvokedArn(arn('live'))).toBeUndefined();
    expect(memberOfInvokedArn(undefined)).toBeUndefined();
    expect(qualifierOfInvokedArn(arn('7'))).toBe('7');
  });

  it('identifies a member-only action by the alias; refuses no alias, a non-member, a role that may not, another name', () => {
    const as = (q?: string) => ({ invokedFunctionArn: arn(q) });
    expect(identifyMember(as('member-grace'), MEMBERS, { action: 'export', claimed: 'grace' })).toEqual(MEMBERS[1]);
    expect(() => identifyMember(as(), MEMBERS, { action: 'export', claimed: 'grace' })).toThrow(/^member: export is a lab member's action .* names no member/);
    expect(() => identifyMember(as('member-mallory'), MEMBERS, { action: 'export' })).toThrow(/"mallory" is not a member/);
    expect(() => identifyMember(as('member-grace'), MEMBERS, { action: 'expire' })).toThrow(/grace is a researcher: only the pi may expire/);
    expect(() => identifyMember(as('member-grace'), MEMBERS, { action: 'erase', claimed: 'ada', field: 'requestedBy' })).toThrow(/^requestedBy: the event names "ada" but the request came through the alias member-grace/);
    // A schedule's or a job's request names nobody; naming someone without an alias is refused.
    expect(memberIfAny(as(), MEMBERS, { action: 'export' })).toBeUndefined();
    expect(() => memberIfAny(as(), MEMBERS, { action: 'export', claimed: 'ada' })).toThrow(/came through no member alias/);
    expect(memberIfAny(as('member-ada'), MEMBERS, { action: 'export' })).toEqual(MEMBERS[0]);
    expect(() => refuseMemberAlias(as('member-ada'), 'a rebuild')).toThrow(/a rebuild is taken by Steward's own jobs/);
    expect(() => refuseMemberAlias(as(), 'a rebuild')).not.toThrow();
  });
});
