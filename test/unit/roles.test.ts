import { checkActor, MEMBER_ACTIONS, mayAct, rolesFor } from '../../lib/domain/roles';

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
  ] as const)('%s: pi %s, researcher %s', (action, pi, researcher) => {
    expect(mayAct(MEMBERS[0]!, action)).toBe(pi);
    expect(mayAct(MEMBERS[1]!, action)).toBe(researcher);
  });

  it('covers every action in the table', () => {
    expect(MEMBER_ACTIONS).toHaveLength(10);
    expect(rolesFor('expire')).toEqual(['pi']);
    expect(rolesFor('erase')).toEqual(['pi', 'researcher']);
  });

  it('refuses nobody, a non-member and a role that may not, saying how to fix it', () => {
    expect(checkActor(MEMBERS, undefined, 'collect')).toEqual({ ok: false, reason: expect.stringMatching(/--as MEMBER or STEWARD_RESEARCHER \(members: ada \(pi\), grace \(researcher\)\)/) });
    expect(checkActor(MEMBERS, 'mallory', 'erase')).toEqual({ ok: false, reason: expect.stringMatching(/"mallory" is not a member of this project/) });
    expect(checkActor(MEMBERS, 'grace', 'expire')).toEqual({ ok: false, reason: 'grace is a researcher: only the pi may expire' });
    expect(checkActor(MEMBERS, 'grace', 'purge.release')).toEqual({ ok: false, reason: 'grace is a researcher: only the pi may purge release' });
    expect(checkActor(MEMBERS, 'grace', 'erase')).toEqual({ ok: true, member: MEMBERS[1] });
  });
});
