/**
 * AWS SDK clients, created once per execution environment and shared by every invocation. Region, credentials and
 * (in tests) endpoints come from the standard AWS_* variables.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const s3 = new S3Client({});
export const dynamo = new DynamoDBClient({});
export const secretsManager = new SecretsManagerClient({});
export const kms = new KMSClient({});
