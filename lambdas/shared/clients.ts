/**
 * AWS SDK clients, created once per execution environment and shared by every invocation. Region, credentials and
 * (in tests) endpoints come from the standard AWS_* variables. Deployed, each call is a traced subsegment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from './powertools';

export const s3 = tracer.captureAWSv3Client(new S3Client({}));
export const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
export const secretsManager = tracer.captureAWSv3Client(new SecretsManagerClient({}));
export const kms = tracer.captureAWSv3Client(new KMSClient({}));
