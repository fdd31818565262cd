'use strict';
/**
 * Let `crypto.createCipheriv('des', ...)` and `createDecipheriv('des', ...)` work under OpenSSL 3, for s3rver's
 * ListObjectsV2 continuation tokens (toolchain notes, G9). Only the exact algorithm `des` (DES-CBC) is remapped;
 * it becomes `des-ede3-cbc` with key K||K||K, which is the same function. Patches the shared `node:crypto` module
 * object of the calling thread (each worker thread has its own). Idempotent, and a no-op when DES still works
 * (e.g. `--openssl-legacy-provider`).
 *
 * Plain CommonJS so that both s3-local.ts (main thread) and s3-worker.cjs (a worker thread, which no TypeScript
 * loader reaches under jest) can load it.
 */
const SHIM_MARK = Symbol.for('steward.local.desShim');

function desWorks(crypto) {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

function installDesShim() {
  const crypto = require('node:crypto');
  if (crypto[SHIM_MARK]) return;
  crypto[SHIM_MARK] = true;
  if (desWorks(crypto)) return;
  for (const name of ['createCipheriv', 'createDecipheriv']) {
    const original = crypto[name];
    crypto[name] = function desAs3Des(algorithm, key, iv, options) {
      if (typeof algorithm === 'string' && algorithm.toLowerCase() === 'des' && Buffer.isBuffer(key) && key.length === 8) {
        return original('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options);
      }
      return original(algorithm, key, iv, options);
    };
  }
}

module.exports = { installDesShim };
