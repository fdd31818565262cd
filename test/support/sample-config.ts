/**
 * The small project config the CLI tests write: one researcher-API source with env-var credentials, the PI `ada`,
 * and (when a test collects) the `climate-videos` spec over a few days of February 2026.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RESEARCH_SOURCE = { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' } };

/** The `climate-videos` spec (videos tagged #climate) over `window`. */
export function climateVideosSpec(window: { start: string; end: string } = { start: '2026-02-20', end: '2026-02-23' }) {
  return {
    name: 'climate-videos',
    source: 'research',
    kind: 'video',
    query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
    window,
    schedule: 'rate(1 day)',
  };
}

/** A config document for project `id` (ends 2027-06-30); members default to the PI `ada`, specs to none. */
export function sampleConfig(project: { id: string; title: string }, o: { members?: ReadonlyArray<{ name: string; role: string }>; specs?: readonly unknown[] } = {}) {
  return {
    project: { ...project, endDate: '2027-06-30' },
    members: o.members ?? [{ name: 'ada', role: 'pi' }],
    sources: { research: RESEARCH_SOURCE },
    specs: o.specs ?? [],
  };
}

/** A fresh work dir under the OS temp dir, with `doc` written as its steward.config.json. */
export function writeSampleConfig(prefix: string, doc: unknown): { workDir: string; configFile: string } {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const configFile = join(workDir, 'steward.config.json');
  writeFileSync(configFile, JSON.stringify(doc));
  return { workDir, configFile };
}
