/**
 * Wiring for the store integration tests, on top of test/support/local-aws.ts (the local services of the jest
 * global setup): tables created from the shared definitions, and a document client configured as in Lambda.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeLocalDynamoClients, makeLocalS3Client } from '../../../lib/local/aws-clients';
import { ensureTables } from '../../../lib/store/bootstrap';
import { tableNames, type TableNames } from '../../../lib/store/tables';
import { localAws, uniqueName } from '../../support/local-aws';

export interface DynamoFixture {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly names: TableNames;
}

/** Fresh tables (unique prefix) created by ensureTables from the shared definitions; own clients (destroy them). */
export async function freshTables(prefix: string): Promise<DynamoFixture> {
  const { client, doc } = makeLocalDynamoClients(localAws(), { translateConfig: { marshallOptions: { removeUndefinedValues: true } } });
  const names = tableNames(uniqueName(prefix));
  await ensureTables(client, names);
  return { client, doc, names };
}

/** A fresh bucket on s3rver, with its own client (destroy it). */
export async function freshBucket(prefix: string): Promise<{ s3: S3Client; bucket: string }> {
  const s3 = makeLocalS3Client(localAws());
  const bucket = uniqueName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { s3, bucket };
}
