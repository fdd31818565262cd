/**
 * Jest global setup: ONE set of embedded AWS services for the whole run (DynamoDB Local in memory in one JVM,
 * s3rver on a temp dir), exported to every worker through process.env. Workers are started after this runs and
 * inherit the environment, so a bare `new S3Client({})` / `new DynamoDBClient({})` in job code reaches the local
 * services with no test-only branch. Suites that need isolation create uniquely named tables and buckets
 * (test/support/local-aws.ts).
 *
 * Set STEWARD_TEST_LOCAL_AWS=off to skip the services (e.g. `STEWARD_TEST_LOCAL_AWS=off npx jest test/unit`).
 */
import { FAST_START_JVM_OPTIONS } from '../lib/local/dynamodb-local';
import { startLocalServices, type LocalServices } from '../lib/local/services';

const HANDLE = '__STEWARD_LOCAL_AWS__';

export default async function globalSetup(): Promise<void> {
  if (process.env.STEWARD_TEST_LOCAL_AWS === 'off') return;
  // Hermetic: nothing from the developer's AWS setup may redirect or sign requests during tests.
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete process.env[name];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  // The SDK warns on every client load under Node 20 (toolchain notes, G3): noise in every worker.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const started = Date.now();
  const services = await startLocalServices({ buckets: [], dynamoJvmOptions: FAST_START_JVM_OPTIONS });
  (globalThis as Record<string, unknown>)[HANDLE] = services satisfies LocalServices;
  Object.assign(process.env, services.env(), {
    STEWARD_TEST_DDB_ENDPOINT: services.dynamoEndpoint,
    STEWARD_TEST_S3_ENDPOINT: services.s3Endpoint,
    STEWARD_TEST_LOCAL_AWS_STARTUP_MS: String(Date.now() - started),
  });
}
