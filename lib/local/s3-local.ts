/**
 * Local S3: s3rver, in-process, on 127.0.0.1, storing objects as files in one directory.
 *
 * Two fixes are applied (see the toolchain notes, G8 and G9):
 * - s3rver signs ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 disables; every truncated
 *   listing would answer HTTP 500. `installDesShim()` maps `des` to 3DES with the key repeated (K‖K‖K), which
 *   computes exactly the same cipher.
 * - the SDK's default CRC32 request checksums make it send streamed bodies aws-chunked, which s3rver stores
 *   verbatim. Clients must use `requestChecksumCalculation: 'WHEN_REQUIRED'` (see aws-clients.ts and env()).
 *
 * s3rver has no versioning: PutBucketVersioning, ListObjectVersions and VersionId do not work here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import S3rver from 's3rver';

import { LocalServiceError } from './errors';

export interface S3LocalOptions {
  /** TCP port on 127.0.0.1. Default: a free port. */
  readonly port?: number;
  /** Where objects are kept (created if missing; kept at stop). Default: a temp dir removed at stop. */
  readonly directory?: string;
  /** Buckets that exist from the start (existing ones and their objects are kept). */
  readonly buckets?: readonly string[];
}

export interface S3Local {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** True when `directory` is a temp dir that stop() removes. */
  readonly temporary: boolean;
  /** Close the server (and remove a temp directory). Idempotent. */
  stop(): Promise<void>;
}

const SHIM_MARK = Symbol.for('steward.local.desShim');
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type CipherFactory = (algorithm: string, key: unknown, iv: unknown, options?: unknown) => unknown;

/**
 * Let `crypto.createCipheriv('des', …)` and `createDecipheriv('des', …)` work under OpenSSL 3 (s3rver's list
 * tokens). Only the exact algorithm `des` (DES-CBC) is remapped; it becomes `des-ede3-cbc` with key K‖K‖K, which
 * is the same function. Patches the shared `node:crypto` module object (an `import * as` namespace would be a
 * copy). Idempotent, and a no-op when DES still works (e.g. `--openssl-legacy-provider`).
 */
export function installDesShim(): void {
  const crypto = require('node:crypto') as Record<string | symbol, unknown>;
  if (crypto[SHIM_MARK]) return;
  crypto[SHIM_MARK] = true;
  if (desWorks(crypto)) return;
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = crypto[name] as CipherFactory;
    crypto[name] = function desAs3Des(algorithm: string, key: unknown, iv: unknown, options?: unknown): unknown {
      if (typeof algorithm === 'string' && algorithm.toLowerCase() === 'des' && Buffer.isBuffer(key) && key.length === 8) {
        return original('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options);
      }
      return original(algorithm, key, iv, options);
    };
  }
}

function desWorks(crypto: Record<string | symbol, unknown>): boolean {
  try {
    (crypto.createCipheriv as CipherFactory)('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

/** Start s3rver on 127.0.0.1 and resolve once it listens. */
export async function startS3Local(options: S3LocalOptions = {}): Promise<S3Local> {
  const buckets = options.buckets ?? [];
  const invalid = buckets.filter((name) => !BUCKET_NAME.test(name));
  if (invalid.length > 0) {
    throw new LocalServiceError(
      `invalid S3 bucket name(s): ${invalid.join(', ')} (3-63 characters: lowercase letters, digits, dots, hyphens)`,
    );
  }
  installDesShim();

  const temporary = options.directory === undefined;
  const directory = temporary ? mkdtempSync(path.join(tmpdir(), 'steward-s3-')) : path.resolve(options.directory as string);
  mkdirSync(directory, { recursive: true });
  const cleanup = (): void => {
    if (!temporary) return;
    temporaryDirs.delete(directory);
    rmSync(directory, { recursive: true, force: true });
  };
  if (temporary) removeAtExit(directory);

  // Our own http.Server around s3rver's Koa callback: s3rver.run() has no 'error' listener, so a port in use
  // would crash the process instead of rejecting.
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  let server: http.Server;
  try {
    await s3rver.configureBuckets();
    server = await listen(http.createServer(s3rver.callback()), options.port ?? 0);
  } catch (error) {
    cleanup();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    temporary,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          cleanup();
          if (error) reject(error);
          else resolve();
        });
        // Idle keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** Temp dirs still in use; removed at process exit if stop() was never reached. */
const temporaryDirs = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(directory: string): void {
  temporaryDirs.add(directory);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function listen(server: http.Server, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalServiceError(`local S3 could not listen on 127.0.0.1:${port}: the port is in use. Pick another port.`, {
              cause: error,
            })
          : new LocalServiceError(`local S3 could not listen on 127.0.0.1:${port}: ${error.message}`, { cause: error }),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      // Requests in flight at shutdown should not crash the process.
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}
