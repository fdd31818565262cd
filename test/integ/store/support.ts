/**
 * Wiring for the store integration tests: clients for the embedded local services started by the jest global
 * setup (test/global-setup.ts), and uniquely named tables/buckets so suites never share state.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localEndpointsFromEnv, makeLocalDynamoClients, makeLocalS3Client, type LocalAwsEndpoints } from '../../../lib/local/aws-clients';
import { ensureTables } from '../../../lib/store/bootstrap';
import { tableNames, type TableNames } from '../../../lib/store/tables';

/** The local endpoints; fails (never skips) when the global setup did not start the services. */
export function localEndpoints(): LocalAwsEndpoints {
  const endpoints = localEndpointsFromEnv();
  if (!endpoints) {
    throw new Error('integration tests need the local AWS services: run them through jest (test/global-setup.ts starts DynamoDB Local and s3rver)');
  }
  return endpoints;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface DynamoFixture {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly names: TableNames;
}

/** Fresh tables (unique prefix) created from the shared definitions. */
export async function freshTables(prefix: string): Promise<DynamoFixture> {
  const { client, doc } = makeLocalDynamoClients(localEndpoints(), { translateConfig: { marshallOptions: { removeUndefinedValues: true } } });
  const names = tableNames(uniqueName(prefix));
  await ensureTables(client, names);
  return { client, doc, names };
}

/** A fresh bucket on s3rver. */
export async function freshBucket(prefix: string): Promise<{ s3: S3Client; bucket: string }> {
  const s3 = makeLocalS3Client(localEndpoints());
  const bucket = uniqueName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { s3, bucket };
}
