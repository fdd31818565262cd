import { judge } from '../../lib/domain/evidence';
import { DEFAULT_POLICIES, PolicySchema } from '../../lib/domain/policy';

const policy = DEFAULT_POLICIES['tiktok-research'];

describe('judge: purge only on confirmed evidence', () => {
  it.each([
    ['a 500 after retries', { kind: 'failed', reason: 'internal_error' } as const],
    ['a timeout', { kind: 'failed', reason: 'timeout' } as const],
    ['a throttle', { kind: 'failed', reason: 'rate_limit_exceeded' } as const],
  ])('never purges on %s', (_what, observation) => {
    expect(judge(observation, 2, policy)).toEqual({ kind: 'retry', reason: observation.reason });
  });

  it('purges when a completed lookup returned other ids of the same batch but not this one', () => {
    const verdict = judge({ kind: 'absent-from-lookup', peersFound: 41, logId: 'L1' }, 0, policy);
    expect(verdict).toEqual({ kind: 'purge', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 41 } });
  });

  it('counts an empty answer as a miss, not as evidence, until the consecutive-miss limit', () => {
    const empty = { kind: 'absent-from-lookup', peersFound: 0, logId: 'L2' } as const;
    expect(judge(empty, 0, policy)).toEqual({ kind: 'miss', missCount: 1 });
    expect(judge(empty, 1, policy)).toEqual({ kind: 'miss', missCount: 2 });
    expect(judge(empty, 2, policy)).toMatchObject({ kind: 'purge', evidence: { rule: 'consecutive-misses', misses: 3 } });
  });

  it('purges on a completed compliance task that does not list the id', () => {
    expect(judge({ kind: 'invalid-in-compliance-task', taskId: 'T9' }, 0, policy)).toEqual({
      kind: 'purge',
      evidence: { rule: 'compliance-task', taskId: 'T9' },
    });
  });

  it('follows the policy when batch-lookup evidence is switched off', () => {
    const strict = PolicySchema.parse({ ...policy, confirmation: { batchLookup: false, consecutiveMisses: 2 } });
    expect(judge({ kind: 'absent-from-lookup', peersFound: 10, logId: 'L3' }, 0, strict)).toEqual({ kind: 'miss', missCount: 1 });
    expect(judge({ kind: 'absent-from-lookup', peersFound: 10, logId: 'L3' }, 1, strict)).toMatchObject({ kind: 'purge' });
  });

  it('keeps what was found', () => {
    expect(judge({ kind: 'found' }, 2, policy)).toEqual({ kind: 'keep' });
  });
});
