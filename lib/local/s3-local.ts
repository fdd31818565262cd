/**
 * Local S3: s3rver on 127.0.0.1, in a worker thread (s3-worker.cjs), storing objects as files in one directory.
 *
 * s3rver runs on its own event loop: in the caller's thread its request handling (Koa, signature checks, file
 * writes) took turns with the SDK clients and the code under test, and was about half of the main thread's time
 * when collect PUTs objects (see bench/ingest.ts). In a worker it uses the second core.
 *
 * Two fixes are applied (see the toolchain notes, G8 and G9):
 * - s3rver signs ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 disables; every truncated
 *   listing would answer HTTP 500. `installDesShim()` (des-shim.cjs, installed in the worker) maps `des` to 3DES
 *   with the key repeated (K‖K‖K), which computes exactly the same cipher.
 * - the SDK's default CRC32 request checksums make it send streamed bodies aws-chunked, which s3rver stores
 *   verbatim. Clients must use `requestChecksumCalculation: 'WHEN_REQUIRED'` (see aws-clients.ts and env()).
 *
 * s3rver has no versioning: PutBucketVersioning, ListObjectVersions and VersionId do not work here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

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

const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Let `crypto.createCipheriv('des', …)` and `createDecipheriv('des', …)` work under OpenSSL 3 in the calling
 * thread (s3rver's list tokens); the worker installs it for itself. Idempotent; see des-shim.cjs.
 */
export function installDesShim(): void {
  (require('./des-shim.cjs') as { installDesShim(): void }).installDesShim();
}

type WorkerMessage = { type: 'listening'; port: number } | { type: 'failed'; code?: string; message: string };

/** Start s3rver on 127.0.0.1 and resolve once it listens. */
export async function startS3Local(options: S3LocalOptions = {}): Promise<S3Local> {
  const buckets = options.buckets ?? [];
  const invalid = buckets.filter((name) => !BUCKET_NAME.test(name));
  if (invalid.length > 0) {
    throw new LocalServiceError(
      `invalid S3 bucket name(s): ${invalid.join(', ')} (3-63 characters: lowercase letters, digits, dots, hyphens)`,
    );
  }
  const temporary = options.directory === undefined;
  const directory = temporary ? mkdtempSync(path.join(tmpdir(), 'steward-s3-')) : path.resolve(options.directory as string);
  mkdirSync(directory, { recursive: true });
  const cleanup = (): void => {
    if (!temporary) return;
    temporaryDirs.delete(directory);
    rmSync(directory, { recursive: true, force: true });
  };
  if (temporary) removeAtExit(directory);

  const requestedPort = options.port ?? 0;
  const worker = new Worker(path.join(__dirname, 's3-worker.cjs'), {
    workerData: { directory, port: requestedPort, buckets: [...buckets] },
    // The worker needs no loader hooks (tsx, jest): it is plain CommonJS.
    execArgv: [],
  });
  let exited: Promise<number>;
  let port: number;
  try {
    exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (message: WorkerMessage) => {
        if (message.type === 'listening') resolve(message.port);
        else reject(startError(message, requestedPort));
      });
      worker.once('error', (error) => reject(new LocalServiceError(`local S3 failed to start: ${error.message}`, { cause: error })));
      void exited.then((code) => reject(new LocalServiceError(`local S3 worker exited during start-up (code ${code})`)));
    });
  } catch (error) {
    await worker.terminate();
    cleanup();
    throw error;
  }
  // A failure after start-up (a bug in s3rver) ends the worker; requests then fail with connection errors.
  worker.on('error', (error) => process.emitWarning(`local S3 (s3rver worker) failed: ${error.message}`));

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    temporary,
    stop() {
      stopping ??= (async () => {
        worker.postMessage({ type: 'stop' });
        const code = await exited;
        cleanup();
        if (code !== 0) throw new LocalServiceError(`local S3 did not stop cleanly (worker exit code ${code})`);
      })();
      return stopping;
    },
  };
}

function startError(message: { code?: string; message: string }, port: number): LocalServiceError {
  return message.code === 'EADDRINUSE'
    ? new LocalServiceError(`local S3 could not listen on 127.0.0.1:${port}: the port is in use. Pick another port.`)
    : new LocalServiceError(`local S3 could not listen on 127.0.0.1:${port}: ${message.message}`);
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
