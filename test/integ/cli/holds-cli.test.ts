/**
 * `steward purge holds | release | dismiss` and the purge fuse's policy as a user meets them: bad input exits 2
 * naming the problem, and writes nothing (no state dir; on an existing state, no hold and no audit event).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson } from '../../../lib/domain/json';
import { localCli } from '../../support/cli';

jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());

const workDir = mkdtempSync(join(tmpdir(), 'steward-holds-cli-'));

function writeConfig(name: string, policies: Record<string, unknown> = {}): string {
  const file = join(workDir, name);
  writeFileSync(
    file,
    JSON.stringify({
      project: { id: 'cli-holds', title: 'CLI holds test', endDate: '2027-06-30' },
      members: [{ name: 'ada', role: 'pi' }, { name: 'grace', role: 'researcher' }],
      sources: { research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' } } },
      policies,
      specs: [],
    }),
  );
  return file;
}

const good = writeConfig('steward.config.json');
const NOW = '2026-03-01T10:00:00Z';

describe('steward purge holds, release, dismiss', () => {
  it.each([
    ['release of a malformed hold id', good, ['purge', 'release', 'not-a-hold'], /HOLD "not-a-hold" is not a hold id/],
    ['dismiss of a malformed hold id', good, ['purge', 'dismiss', 'hold-research-2026'], /is not a hold id/],
    ['release without a hold', good, ['purge', 'release'], /missing required argument 'hold'/],
    ['a zero maxShare', writeConfig('zero-share.json', { 'tiktok-research': { version: 2, purgeFuse: { maxShare: 0 } } }), ['refresh'], /\$\.policies\.tiktok-research\.purgeFuse\.maxShare: must be above 0/],
    ['an allMissingBatch of 1', writeConfig('batch-one.json', { 'tiktok-research': { version: 2, purgeFuse: { allMissingBatch: 1 } } }), ['purge', 'holds'], /purgeFuse\.allMissingBatch: must be at least 2/],
    ['a changed fuse at the default version', writeConfig('same-version.json', { 'tiktok-research': { version: 1, purgeFuse: { minCount: 5 } } }), ['refresh'], /\$\.policies\.tiktok-research\.version: a policy that changes a duty needs a version above 1/],
  ])('exits 2 on %s, names the problem, and writes nothing', async (_what, config, args, message) => {
    // Prepare
    const stateDir = join(workDir, `state-${Math.random().toString(36).slice(2)}`);

    // Act
    const run = await localCli({ config, stateDir })(args, { now: NOW });

    // Assess
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('an unknown hold exits 2 and changes nothing; a state without trips lists no hold', async () => {
    // Prepare
    const steward = localCli({ config: good, stateDir: join(workDir, 'state-unknown') });
    const before = await steward(['purge', 'holds'], { now: NOW, json: true });

    // Act
    const release = await steward(['purge', 'release', 'hold-research-20260301T100000Z'], { now: NOW });
    const dismiss = await steward(['purge', 'dismiss', 'hold-research-20260301T100000Z'], { now: NOW });
    const byResearcher = await steward(['purge', 'dismiss', 'hold-research-20260301T100000Z'], { now: NOW, as: 'grace' });
    const after = await steward(['purge', 'holds'], { now: NOW, json: true });
    const audit = await steward(['audit', '--action', 'purge.released', '--since', '2026-03-01T00:00:00Z', '--until', '2026-03-02T00:00:00Z'], { now: NOW, json: true });

    // Assess
    expect(before.code).toBe(0);
    expect(parseJson(before.out)).toMatchObject({ holds: [], open: 0, overdue: 0 });
    for (const run of [release, dismiss]) {
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/HOLD: no hold hold-research-20260301T100000Z; `steward purge holds` lists them/);
    }
    // releasing and dismissing are the PI's
    expect(byResearcher.code).toBe(2);
    expect(byResearcher.err).toMatch(/grace/);
    expect(parseJson(after.out)).toMatchObject({ holds: [], open: 0 });
    expect(audit.code).toBe(0);
    expect(parseJson(audit.out)).toMatchObject({ events: [] });
  }, 60_000);
});
