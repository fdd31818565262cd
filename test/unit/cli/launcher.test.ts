/**
 * The launcher (bin/launch.cjs) runs the compiled CLI only while it is fresh: a bundle built from files that
 * changed since must never run (the TypeScript runs instead), while a file rewritten with the same content (a
 * checkout) keeps it. And `--version` answers on every command.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, STEWARD_VERSION } from '../../../bin/cli/program';
import { captureIo } from '../../support/cli';
import packageJson from '../../../package.json';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isFresh } = require('../../../bin/launch.cjs') as { isFresh(root: string, name: string): boolean };

function project(): { root: string; write(file: string, text: string): void; build(): void } {
  const root = mkdtempSync(join(tmpdir(), 'steward-launcher-'));
  mkdirSync(join(root, 'lib'));
  mkdirSync(join(root, 'dist'));
  const files = new Map<string, string>();
  const write = (file: string, text: string) => {
    files.set(file, text);
    writeFileSync(join(root, file), text);
  };
  const build = () => {
    writeFileSync(join(root, 'dist', 'steward.cjs'), '// bundle');
    const inputs = Object.fromEntries(
      [...files].map(([file, text]) => [file, { mtimeMs: require('node:fs').statSync(join(root, file)).mtimeMs as number, sha1: createHash('sha1').update(text).digest('hex') }]),
    );
    writeFileSync(join(root, 'dist', 'steward.inputs.json'), JSON.stringify(inputs));
  };
  return { root, write, build };
}

describe('the compiled CLI runs only while it is fresh', () => {
  it('is fresh right after the build', () => {
    const p = project();
    p.write('lib/a.ts', 'export const a = 1;');
    p.write('package.json', '{}');
    p.build();
    expect(isFresh(p.root, 'steward')).toBe(true);
  });

  it('is stale once a source it was built from changed', () => {
    const p = project();
    p.write('lib/a.ts', 'export const a = 1;');
    p.build();
    writeFileSync(join(p.root, 'lib/a.ts'), 'export const a = 2;');
    utimesSync(join(p.root, 'lib/a.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(isFresh(p.root, 'steward')).toBe(false);
  });

  it('stays fresh when a source was rewritten with the same content (a checkout)', () => {
    const p = project();
    p.write('lib/a.ts', 'export const a = 1;');
    p.build();
    utimesSync(join(p.root, 'lib/a.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(isFresh(p.root, 'steward')).toBe(true);
  });

  it('is stale when a source is gone, the bundle or its manifest is missing, or the manifest is empty', () => {
    const p = project();
    p.write('lib/a.ts', 'export const a = 1;');
    p.build();
    expect(isFresh(p.root, 'demo')).toBe(false);
    require('node:fs').rmSync(join(p.root, 'lib/a.ts'));
    expect(isFresh(p.root, 'steward')).toBe(false);
    const empty = project();
    empty.build();
    expect(isFresh(empty.root, 'steward')).toBe(false);
  });
});

describe('--version', () => {
  it.each([[['--version']], [['-V']], [['collect', '--version']], [['quota', 'plan', '--version']]])('steward %j prints the package version and exits 0', async (args) => {
    const io = captureIo();
    expect(await runCli(args, io)).toBe(0);
    expect(io.out.trim()).toBe(packageJson.version);
    expect(STEWARD_VERSION).toBe(packageJson.version);
  });
});

describe('the TypeScript fallback (tsx)', () => {
  it('loads the lazily required local runtime: a --state-dir that is a file is exit 2 from inside it', () => {
    // Prepare: STEWARD_NO_DIST=1 is what a launcher does when dist/ is stale
    const dir = mkdtempSync(join(tmpdir(), 'steward-fallback-'));
    const notADir = join(dir, 'state');
    writeFileSync(notADir, 'x');
    // Act
    const run = spawnSync(
      process.execPath,
      [join(__dirname, '../../../bin/steward.cjs'), '--config', join(__dirname, '../../../examples/steward.config.json'), '--local', '--emulator', '--state-dir', notADir, 'quota', 'plan'],
      { encoding: 'utf8', env: { ...process.env, STEWARD_NO_DIST: '1' } },
    );
    // Assess: the message of lib/local (reached through the lazy require), not a module-loading failure
    expect(run.stderr).not.toMatch(/Cannot find module/);
    expect(run.stderr).toMatch(/--state-dir/);
    expect(run.status).toBe(2);
  }, 60_000);
});
