/**
 * Test helpers for the embedded AWS services started once by test/global-setup.ts. Clients are built from the
 * environment the setup exported, so tests use the same SDK classes and settings as the CLI's `--local` mode.
 * Everything lives in memory / a temp dir for the run: isolation comes from unique names, not from cleanup.
 *
 * @example
 * afterAll(() => destroyTestClients());
 * it('stores', async () => {
 *   const bucket = await createTestBucket('records');
 *   await testS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
 * });
 */
import { randomBytes } from 'node:crypto';

import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';

import {
  localEndpointsFromEnv,
  makeLocalDynamoClients,
  makeLocalS3Client,
  type LocalAwsEndpoints,
  type LocalDynamoClients,
} from '../../lib/local/aws-clients';

/** The local endpoints; throws (never skips) when the global setup did not start the services. */
export function localAws(): LocalAwsEndpoints {
  const endpoints = localEndpointsFromEnv();
  if (!endpoints) {
    throw new Error(
      'local AWS services are not running: run tests through jest (test/global-setup.ts starts them), and do not set STEWARD_TEST_LOCAL_AWS=off',
    );
  }
  return endpoints;
}

let counter = 0;

/**
 * A name no other test in this run uses, valid both as an S3 bucket and as a DynamoDB table name:
 * `<prefix>-<pid><counter><random>`, lowercase, at most 63 characters.
 */
export function uniqueName(prefix = 'test'): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 36) || 'test';
  counter += 1;
  return `${clean}-${process.pid.toString(36)}${counter.toString(36)}${randomBytes(4).toString('hex')}`;
}

let s3: S3Client | undefined;
let dynamo: LocalDynamoClients | undefined;

/** One S3 client per test file (call destroyTestClients() in afterAll). */
export function testS3Client(): S3Client {
  s3 ??= makeLocalS3Client(localAws());
  return s3;
}

/** One DynamoDB client + document client per test file (call destroyTestClients() in afterAll). */
export function testDynamoClients(): LocalDynamoClients {
  dynamo ??= makeLocalDynamoClients(localAws());
  return dynamo;
}

/** Create an empty bucket with a unique name and return the name. */
export async function createTestBucket(prefix = 'test'): Promise<string> {
  const bucket = uniqueName(prefix);
  await testS3Client().send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Create a table with a unique name (ACTIVE at once on DynamoDB Local) and return the name. */
export async function createTestTable(definition: Omit<CreateTableCommandInput, 'TableName'>, prefix = 'test'): Promise<string> {
  const table = uniqueName(prefix);
  await testDynamoClients().client.send(new CreateTableCommand({ BillingMode: 'PAY_PER_REQUEST', ...definition, TableName: table }));
  return table;
}

/** Close the clients of this test file (their keep-alive sockets would otherwise linger). */
export function destroyTestClients(): void {
  s3?.destroy();
  dynamo?.client.destroy();
  s3 = undefined;
  dynamo = undefined;
}
