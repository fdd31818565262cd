/**
 * Jest global setup: ONE set of embedded AWS services for the whole run (DynamoDB Local in memory in one JVM,
 * s3rver on a temp dir), exported to every worker through process.env. Workers are started after this runs and
 * inherit the environment, so a bare `new S3Client({})` / `new DynamoDBClient({})` in job code reaches the local
 * services with no test-only branch. Suites that need isolation create uniquely named tables and buckets
 * (test/support/local-aws.ts).
 *
 * Set STEWARD_TEST_LOCAL_AWS=off to skip the services (e.g. `STEWARD_TEST_LOCAL_AWS=off npx jest test/unit`).
 */
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { FAST_START_JVM_OPTIONS, JVM_OPTIONS_ENV } from '../lib/local/dynamodb-local';
import { startLocalServices, type LocalServices } from '../lib/local/services';

const HANDLE = '__STEWARD_LOCAL_AWS__';

export default async function globalSetup(): Promise<void> {
  useMemoryTmpdir();
  if (process.env.STEWARD_TEST_LOCAL_AWS === 'off') return;
  // Hermetic: nothing from the developer's AWS setup may redirect or sign requests during tests.
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete process.env[name];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  // The SDK warns on every client load under Node 20 (toolchain notes, G3): noise in every worker.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  // Every DynamoDB Local the tests start besides this one (the CLI's `--local` children, the demo) starts the same
  // way: C1-only JIT and the serial collector. The C2 compiler alone took half of the demo's JVM time.
  process.env[JVM_OPTIONS_ENV] = FAST_START_JVM_OPTIONS.join(' ');

  const started = Date.now();
  const services = await startLocalServices({ buckets: [], dynamoJvmOptions: FAST_START_JVM_OPTIONS });
  (globalThis as Record<string, unknown>)[HANDLE] = services satisfies LocalServices;
  Object.assign(process.env, services.env(), {
    STEWARD_TEST_DDB_ENDPOINT: services.dynamoEndpoint,
    STEWARD_TEST_S3_ENDPOINT: services.s3Endpoint,
    /** Where s3rver keeps its objects (tests that read export files in place, as `steward query --local` does). */
    STEWARD_TEST_S3_DIR: services.s3.directory,
    STEWARD_TEST_LOCAL_AWS_STARTUP_MS: String(Date.now() - started),
  });
}

/**
 * Temp files of the run (s3rver's objects, the CLI tests' state dirs, SQLite files of persistent DynamoDB Local)
 * go to a fresh folder on /dev/shm when the machine has one: on a disk, writing and then deleting tens of thousands
 * of small object files cost seconds per suite (the s3rver temp dir alone took 10 s to remove after one large
 * suite). TMPDIR reaches every worker (they start after this) and every child process the tests spawn.
 * STEWARD_TEST_TMPDIR=keep leaves TMPDIR alone. Folders of runs that died (their jest pid is gone) are removed here.
 */
function useMemoryTmpdir(): void {
  if (process.env.STEWARD_TEST_TMPDIR === 'keep') return;
  const shm = '/dev/shm';
  try {
    if (!statSync(shm).isDirectory()) return;
    accessSync(shm, constants.W_OK);
  } catch {
    return;
  }
  for (const name of readdirSync(shm)) {
    const owner = /^steward-test-(\d+)-/.exec(name);
    if (owner && !isRunning(Number(owner[1]))) rmSync(path.join(shm, name), { recursive: true, force: true });
  }
  const root = mkdtempSync(path.join(shm, `steward-test-${process.pid}-`));
  process.env.TMPDIR = root;
  process.env.STEWARD_TEST_TMP_ROOT = root;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
