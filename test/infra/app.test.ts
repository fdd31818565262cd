/** bin/app.ts: which config files it reads, and that it refuses what the schema refuses. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { buildApp, configFiles } from '../../bin/app';
import { BadInputError } from '../../lib/domain/errors';
import { EXAMPLE_CONFIG_FILE, testApp } from './support';

const dir = mkdtempSync(join(tmpdir(), 'steward-app-'));
const example = JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as Record<string, any>;
function writeConfig(name: string, change: (doc: Record<string, any>) => void): string {
  const doc = structuredClone(example);
  change(doc);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('bin/app.ts', () => {
  it('reads the config path from -c config, else STEWARD_CONFIG, else steward.config.json', () => {
    expect(configFiles(testApp({ context: { config: 'a.json' } }), { STEWARD_CONFIG: 'b.json' })).toEqual(['a.json']);
    expect(configFiles(testApp(), { STEWARD_CONFIG: 'b.json' })).toEqual(['b.json']);
    expect(configFiles(testApp(), {})).toEqual(['steward.config.json']);
    expect(configFiles(testApp({ context: { config: 'a.json, b.json' } }), {})).toEqual(['a.json', 'b.json']);
  });

  it('builds one stack per research project, named after the project', async () => {
    const second = writeConfig('second.json', (doc) => {
      doc.project.id = 'second-project';
      doc.sources.research.credentials.secretName = 'steward/second/research';
      doc.sources.ads.credentials.secretName = 'steward/second/ads';
    });
    const app = await buildApp(testApp({ context: { config: `${EXAMPLE_CONFIG_FILE},${second}` } }), {});
    expect(app.node.children.filter(Stack.isStack).map((s) => s.stackName)).toEqual(['Steward-climate-talk', 'Steward-second-project']);
  });

  it('refuses two configs of the same project', async () => {
    await expect(buildApp(testApp({ context: { config: `${EXAMPLE_CONFIG_FILE},${EXAMPLE_CONFIG_FILE}` } }), {})).rejects.toThrow(/already used by/);
  });

  it('validates with the CLI schema: Object Lock is refused with the JSON path', async () => {
    const locked = writeConfig('locked.json', (doc) => {
      doc.storage = { objectLock: true };
    });
    const attempt = buildApp(testApp({ context: { config: locked } }), {});
    await expect(attempt).rejects.toThrow(BadInputError);
    await expect(buildApp(testApp({ context: { config: locked } }), {})).rejects.toThrow(/\$\.storage\.objectLock: Object Lock must stay off/);
  });

  it('refuses a video query TikTok would reject (the query grammar is part of the schema), naming the condition', async () => {
    const query = writeConfig('query.json', (doc) => {
      doc.specs[0].query = { and: [{ operation: 'EQ', field_name: 'region_code', field_values: ['de'] }] };
    });
    await expect(buildApp(testApp({ context: { config: query } }), {})).rejects.toThrow(/\$\.specs\[0\]\.query\.and\[0\]\.field_values\[0\]: region_code values are 2 upper-case letters/);
  });

  it('refuses a standing export naming an unknown field, with the path and the valid fields', async () => {
    const standing = writeConfig('standing.json', (doc) => {
      doc.specs[1].export = { schedule: 'rate(7 days)', fields: ['text', 'likes'] };
    });
    await expect(buildApp(testApp({ context: { config: standing } }), {})).rejects.toThrow(/\$\.specs\[1\]\.export\.fields\[1\]: "likes" is not a field of a comment; fields: id, video_id, text/);
  });

  it('names a missing config file and the fix', async () => {
    // the fix names cdk's own option (-c config=FILE) with the example, not the CLI's --config
    const attempt = buildApp(testApp({ context: { config: join(dir, 'missing.json') } }), {});
    await expect(attempt).rejects.toThrow(BadInputError);
    await expect(buildApp(testApp({ context: { config: join(dir, 'missing.json') } }), {})).rejects.toThrow(
      /config file .*missing\.json not found: name yours with -c config=FILE .*npx cdk synth -c config=examples\/steward\.config\.json/,
    );
    await expect(buildApp(testApp(), {})).rejects.toThrow(/steward\.config\.json not found: name yours with -c config=FILE/);
  });
});
