/**
 * Issue 3's corpus of bad configs and specs, through the CLI as a user meets it: `steward --local collect` with
 * each one exits 2, prints a message naming the JSON path (and a word of the fix), and writes nothing: no state
 * directory, no embedded services started, nothing next to the config file. The same corpus is the parser's
 * unit test (test/unit/config/config.test.ts).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../bin/cli/program';
import { BAD_CONFIGS } from '../../support/bad-configs';
import { captureIo } from '../../support/cli';

const root = mkdtempSync(join(tmpdir(), 'steward-bad-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh directory holding only the config file; the state directory would go next to it. */
function workspace(doc: unknown): { dir: string; config: string; stateDir: string } {
  const dir = mkdtempSync(join(root, 'case-'));
  const config = join(dir, 'steward.config.json');
  writeFileSync(config, JSON.stringify(doc, null, 2));
  return { dir, config, stateDir: join(dir, 'state') };
}

/** The lines of the CLI's message that are about `path` (`  - $.a.b: what is wrong; the fix`). */
const linesAbout = (text: string, path: string) => text.split('\n').filter((line) => line.startsWith(`  - ${path}: `));

describe('steward --local collect with a bad config', () => {
  it('has a corpus of at least 20 distinct bad configs and specs', () => {
    expect(new Set(BAD_CONFIGS.map(([what]) => what)).size).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_CONFIGS)('rejects %s: exit 2, names the field, writes nothing', async (_what, doc, path, fix) => {
    // Prepare
    const { dir, config, stateDir } = workspace(doc);
    const io = captureIo();
    // Act
    const code = await runCli(['--config', config, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, 'collect'], io);
    // Assess
    expect(code).toBe(2);
    expect(io.out).toBe('');
    const lines = linesAbout(io.err, path);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(fix);
    expect(existsSync(stateDir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['steward.config.json']);
  });
});
