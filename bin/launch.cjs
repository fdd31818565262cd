'use strict';
/**
 * Shared by the launchers bin/steward.cjs and bin/demo.cjs: run the compiled bundle `dist/<name>.cjs` when it is
 * fresh (every project file it was built from unchanged since the build, see scripts/build-cli.mjs), else the
 * TypeScript entry `bin/<name>.ts` through tsx. STEWARD_NO_DIST=1 always takes the TypeScript.
 *
 * The bundle is compiled with V8's code cache (`dist/<name>.cjs.cache`, written by the build after a first run):
 * parsing 2 MB of JavaScript was half of `steward --help`'s start. A cache V8 rejects (another Node.js version)
 * only costs the normal compile.
 */
const { createHash } = require('node:crypto');
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');

/** True when `<root>/dist/<name>.cjs` exists and none of its inputs changed since it was built. */
function isFresh(root, name) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(root, 'dist', `${name}.inputs.json`), 'utf8'));
    statSync(join(root, 'dist', `${name}.cjs`));
  } catch {
    return false;
  }
  if (typeof inputs !== 'object' || inputs === null || Object.keys(inputs).length === 0) return false;
  for (const [file, built] of Object.entries(inputs)) {
    const path = join(root, file);
    try {
      if (statSync(path).mtimeMs === built.mtimeMs) continue;
      // touched: fresh only if the content is what was built
      if (createHash('sha1').update(readFileSync(path)).digest('hex') !== built.sha1) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Run a CommonJS bundle as the main module, compiled with (and, when asked, writing) its V8 code cache. */
function runBundle(file) {
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // a shebang line is no JavaScript inside the module wrapper (keep the line count for stack traces)
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env.STEWARD_WRITE_CODE_CACHE === '1') {
    // After the run, so the functions it compiled are in the cache too.
    process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  }
  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  mod.loaded = true;
  require.main = mod;
  process.mainModule = mod;
  const fn = script.runInThisContext({ displayErrors: true });
  fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
}

function launch(name) {
  // The SDK warns on every client that Node 20 support ends in 2027; the Lambda runtime is pinned separately.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.env.STEWARD_NO_DIST !== '1' && isFresh(ROOT, name)) {
    runBundle(join(ROOT, 'dist', `${name}.cjs`));
    return;
  }
  require('tsx/cjs');
  require(join(__dirname, `${name}.ts`));
}

module.exports = { launch, isFresh, runBundle };
