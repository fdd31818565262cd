/**
 * Jest global teardown: stop the services of global-setup.ts. Jest runs it whether tests passed or failed; if
 * Jest itself dies first, DynamoDB Local's exit hook and watchdog still end the JVM (lib/local/dynamodb-local.ts).
 */
import type { LocalServices } from '../lib/local/services';

const HANDLE = '__STEWARD_LOCAL_AWS__';

export default async function globalTeardown(): Promise<void> {
  const store = globalThis as Record<string, unknown>;
  const services = store[HANDLE] as LocalServices | undefined;
  delete store[HANDLE];
  await services?.stop();
}
