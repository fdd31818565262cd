/**
 * SDK v3 clients for the embedded local services. They are the very classes production uses (S3Client,
 * DynamoDBClient, DynamoDBDocumentClient), only pointed at 127.0.0.1, so adapters and jobs take them as they
 * are and have no test-only branches.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb';

import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';

export { LOCAL_CREDENTIALS, LOCAL_REGION };

/** What a client needs to reach the local services. `LocalServices` is one. */
export interface LocalAwsEndpoints {
  readonly dynamoEndpoint: string;
  readonly s3Endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * S3 client for s3rver: path-style URLs, and checksums only when an operation requires them (with the SDK
 * default, streamed uploads would be stored with aws-chunked framing, silently corrupted).
 */
export function makeLocalS3Client(
  endpoints: Pick<LocalAwsEndpoints, 's3Endpoint' | 'region' | 'credentials'>,
  config: Omit<S3ClientConfig, 'endpoint' | 'region' | 'credentials'> = {},
): S3Client {
  return new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
    endpoint: endpoints.s3Endpoint,
    region: endpoints.region,
    credentials: { ...endpoints.credentials },
  });
}

export interface LocalDynamoClients {
  /** The low-level client (attribute values). */
  readonly client: DynamoDBClient;
  /** The document client over `client` (plain JS values); destroying `client` also closes it. */
  readonly doc: DynamoDBDocumentClient;
}

/** DynamoDB clients for DynamoDB Local. `translateConfig` is passed to the document client as is. */
export function makeLocalDynamoClients(
  endpoints: Pick<LocalAwsEndpoints, 'dynamoEndpoint' | 'region' | 'credentials'>,
  options: { readonly config?: Omit<DynamoDBClientConfig, 'endpoint' | 'region' | 'credentials'>; readonly translateConfig?: TranslateConfig } = {},
): LocalDynamoClients {
  const client = new DynamoDBClient({
    ...options.config,
    endpoint: endpoints.dynamoEndpoint,
    region: endpoints.region,
    credentials: { ...endpoints.credentials },
  });
  return { client, doc: DynamoDBDocumentClient.from(client, options.translateConfig) };
}

/**
 * The local endpoints as exported into an environment by `LocalServices.env()` (and by the jest global setup).
 * Returns undefined when the environment does not point at local services.
 */
export function localEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalAwsEndpoints | undefined {
  const dynamoEndpoint = env.STEWARD_TEST_DDB_ENDPOINT ?? env.AWS_ENDPOINT_URL_DYNAMODB;
  const s3Endpoint = env.STEWARD_TEST_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3;
  if (!dynamoEndpoint || !s3Endpoint) return undefined;
  return {
    dynamoEndpoint,
    s3Endpoint,
    region: env.AWS_REGION ?? LOCAL_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? LOCAL_CREDENTIALS.accessKeyId,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? LOCAL_CREDENTIALS.secretAccessKey,
    },
  };
}
