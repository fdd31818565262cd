import { effectivePolicies, parseProjectConfig } from '../../../lib/config/load';
import { BadInputError } from '../../../lib/domain/errors';
import { noticePolicy } from '../../../lib/jobs/publications';
import { BAD_CONFIGS as BAD, EXAMPLE_CONFIG as example, variant } from '../../support/bad-configs';

describe('project config', () => {
  it('accepts the documented example and applies defaults', () => {
    // Act
    const config = parseProjectConfig(example);
    // Assess
    expect(config.specs).toHaveLength(3);
    expect(config.sources.ads!.dailyRequests).toBe(1000);
    expect(config.storage).toEqual({ objectLock: false, backupRetentionDays: 0, sealAnchorTailDays: 1825 });
    expect(effectivePolicies(config)['tiktok-research'].refreshWithinDays).toBe(15);
    expect(effectivePolicies(config)['tiktok-commercial'].refreshWithinDays).toBe(30);
  });

  it('applies a policy override that raises the version', () => {
    const config = parseProjectConfig(variant((d) => (d.policies = { 'tiktok-research': { version: 2, refreshWithinDays: 30 } })));
    expect(effectivePolicies(config)['tiktok-research']).toMatchObject({ version: 2, refreshWithinDays: 30, whenUnavailable: 'purge' });
  });

  it('takes the publication notice period from the policy (default 30 days), a paper on an ad spec from the commercial one', () => {
    const config = parseProjectConfig(variant((d) => (d.policies = { 'tiktok-commercial': { version: 2, publicationNoticeDays: 90 } })));
    const policies = effectivePolicies(config);
    expect(policies['tiktok-research'].publicationNoticeDays).toBe(30);
    const adSpec = config.specs.find((s) => s.kind === 'ad')!.name;
    const videoSpec = config.specs.find((s) => s.kind === 'video')!.name;
    expect(noticePolicy({ config, policies }, adSpec)).toEqual({ days: 90, policy: { id: 'tiktok-commercial', version: 2 } });
    expect(noticePolicy({ config, policies }, videoSpec)).toEqual({ days: 30, policy: { id: 'tiktok-research', version: 1 } });
    // No dataset: the longest period of the project's sources.
    expect(noticePolicy({ config, policies })).toEqual({ days: 90, policy: { id: 'tiktok-commercial', version: 2 } });
  });

  it.each(BAD)('rejects %s, naming the field', (_what, doc, path, fix) => {
    // Act
    let error: unknown;
    try {
      parseProjectConfig(doc);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(BadInputError);
    const lines = (error as BadInputError).problems.filter((p) => p.startsWith(`${path}:`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(fix);
  });

  it('has at least 20 distinct bad cases', () => {
    expect(new Set(BAD.map(([what]) => what)).size).toBeGreaterThanOrEqual(20);
  });
});
