import { effectivePolicies } from '../../lib/config/load';
import { judge, type Observation } from '../../lib/domain/evidence';
import { BadInputError } from '../../lib/domain/errors';
import { CheckedPolicySchema, DEFAULT_POLICIES, PolicySchema } from '../../lib/domain/policy';
import { testConfig } from '../support/job-context';

const policy = DEFAULT_POLICIES['tiktok-research'];
const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;
const hoursAfter = (at: Date, hours: number) => new Date(at.getTime() + hours * HOUR);

describe('judge: purge only on confirmed evidence', () => {
  it.each([
    ['a 500 after retries', { kind: 'failed', reason: 'internal_error' } as const],
    ['a timeout', { kind: 'failed', reason: 'timeout' } as const],
    ['a throttle', { kind: 'failed', reason: 'rate_limit_exceeded' } as const],
  ])('never purges on %s', (_what, observation) => {
    expect(judge(observation, { missCount: 2, lastMissAt: hoursAfter(NOW, -24) }, policy, NOW)).toEqual({ kind: 'retry', reason: observation.reason });
  });

  it('purges when a completed lookup returned other ids of the same batch but not this one', () => {
    const verdict = judge({ kind: 'absent-from-lookup', peersFound: 41, logId: 'L1' }, { missCount: 0 }, policy, NOW);
    expect(verdict).toEqual({ kind: 'purge', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 41 } });
  });

  it('counts an empty answer as a miss, looked at again a spacing later, until the consecutive-miss limit', () => {
    // Prepare
    const empty = { kind: 'absent-from-lookup', peersFound: 0, logId: 'L2' } as const;
    const spacing = policy.confirmation.missSpacingHours;
    const second = hoursAfter(NOW, spacing);
    const third = hoursAfter(second, spacing);

    // Act
    const verdicts = [
      judge(empty, { missCount: 0 }, policy, NOW),
      judge(empty, { missCount: 1, lastMissAt: NOW }, policy, second),
      judge(empty, { missCount: 2, lastMissAt: second }, policy, third),
    ];

    // Assess
    expect(verdicts[0]).toEqual({ kind: 'miss', missCount: 1, notBefore: second, evidence: { missCount: 1, missSpacingHours: spacing } });
    expect(verdicts[1]).toMatchObject({ kind: 'miss', missCount: 2, notBefore: third, evidence: { previousMissAt: NOW.toISOString() } });
    expect(verdicts[2]).toEqual({
      kind: 'purge',
      evidence: { rule: 'consecutive-misses', misses: 3, last: 'L2', missSpacingHours: spacing, previousMissAt: second.toISOString() },
    });
  });

  it('does not count empty answers that come sooner than the miss spacing: one outage is one miss', () => {
    // Prepare: an outage answers empty every hour after a first miss
    const empty = { kind: 'absent-from-lookup', peersFound: 0, logId: 'L4' } as const;
    const spacing = policy.confirmation.missSpacingHours;

    // Act
    const hourly = Array.from({ length: spacing - 1 }, (_, h) => judge(empty, { missCount: 2, lastMissAt: NOW }, policy, hoursAfter(NOW, h + 1)));

    // Assess
    for (const verdict of hourly) expect(verdict).toEqual({ kind: 'too-soon', notBefore: hoursAfter(NOW, spacing) });
  });

  it('counts a miss whose earlier one is not on record (no audit event found)', () => {
    const empty = { kind: 'absent-from-lookup', peersFound: 0, logId: 'L5' } as const;
    expect(judge(empty, { missCount: 1 }, policy, NOW)).toMatchObject({ kind: 'miss', missCount: 2 });
  });

  it('purges on a completed compliance task that does not list the id, whatever the miss history', () => {
    const invalid: Observation = { kind: 'invalid-in-compliance-task', taskId: 'T9' };
    expect(judge(invalid, { missCount: 0 }, policy, NOW)).toEqual({ kind: 'purge', evidence: { rule: 'compliance-task', taskId: 'T9' } });
    expect(judge(invalid, { missCount: 1, lastMissAt: hoursAfter(NOW, -1) }, policy, NOW)).toMatchObject({ kind: 'purge', evidence: { rule: 'compliance-task' } });
  });

  it('follows the policy when batch-lookup evidence is switched off: peers then only make a spaced miss', () => {
    const strict = CheckedPolicySchema.parse({ ...policy, confirmation: { batchLookup: false, consecutiveMisses: 2, missSpacingHours: 6 } });
    const absent = { kind: 'absent-from-lookup', peersFound: 10, logId: 'L3' } as const;
    expect(judge(absent, { missCount: 0 }, strict, NOW)).toMatchObject({ kind: 'miss', missCount: 1, notBefore: hoursAfter(NOW, 6) });
    expect(judge(absent, { missCount: 1, lastMissAt: NOW }, strict, hoursAfter(NOW, 5))).toMatchObject({ kind: 'too-soon' });
    expect(judge(absent, { missCount: 1, lastMissAt: NOW }, strict, hoursAfter(NOW, 6))).toMatchObject({ kind: 'purge', evidence: { missSpacingHours: 6 } });
  });

  it('keeps what was found', () => {
    expect(judge({ kind: 'found' }, { missCount: 2, lastMissAt: NOW }, policy, NOW)).toEqual({ kind: 'keep' });
  });
});

describe('miss spacing in the policy', () => {
  it('defaults to 12 hours: three misses confirm a lone deletion 24 h after it comes due, inside the 72 h lead', () => {
    expect(policy.confirmation).toMatchObject({ consecutiveMisses: 3, missSpacingHours: 12 });
    expect(policy.refreshLeadHours).toBe(72);
    expect(DEFAULT_POLICIES['tiktok-commercial'].confirmation.missSpacingHours).toBe(12);
  });

  it('refuses a spacing that would let confirmation run past the refresh deadline, naming the field and the fix', () => {
    // Act
    const result = CheckedPolicySchema.safeParse({ ...policy, confirmation: { consecutiveMisses: 4, missSpacingHours: 24 } });
    const viaConfig = () => effectivePolicies(testConfig((doc) => (doc.policies = { 'tiktok-research': { version: 2, confirmation: { missSpacingHours: 36 } } })));

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['confirmation', 'missSpacingHours'], message: expect.stringMatching(/at most 23/) });
    expect(viaConfig).toThrow(BadInputError);
    expect(viaConfig).toThrow(/\$\.policies\.tiktok-research\.confirmation\.missSpacingHours: 3 misses 36 h apart take 72 h/);
  });

  it('refuses a single miss as confirmation: one answer without the record may be an empty page', () => {
    expect(PolicySchema.safeParse({ ...policy, confirmation: { consecutiveMisses: 1 } }).success).toBe(false);
  });
});
