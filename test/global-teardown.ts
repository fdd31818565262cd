/**
 * Jest global teardown: stop the services of global-setup.ts. Jest runs it whether tests passed or failed; if
 * Jest itself dies first, DynamoDB Local's exit hook and watchdog still end the JVM (lib/local/dynamodb-local.ts).
 */
import { rmSync } from 'node:fs';

import type { LocalServices } from '../lib/local/services';

const HANDLE = '__STEWARD_LOCAL_AWS__';

export default async function globalTeardown(): Promise<void> {
  const store = globalThis as Record<string, unknown>;
  const services = store[HANDLE] as LocalServices | undefined;
  delete store[HANDLE];
  try {
    await services?.stop();
  } finally {
    // the in-memory temp root of global-setup.ts (STEWARD_TEST_TMP_ROOT), with everything the tests left in it
    const root = process.env.STEWARD_TEST_TMP_ROOT;
    if (root?.startsWith('/dev/shm/steward-test-')) rmSync(root, { recursive: true, force: true });
  }
}
