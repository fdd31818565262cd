/**
 * Storage: ports and their AWS adapters. `makeAwsStores` wires the adapters the same way in Lambda, the CLI and
 * tests; only the clients (and the versioning mode) differ between deployed and local runs.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../domain/clock';
import type { KeyedHasher } from '../domain/hashing';
import { DynamoDbAuditLog } from './dynamodb-audit-log';
import { DynamoDbLedger } from './dynamodb-ledger';
import type { SealAnchors } from './ports';
import type { RetryOptions } from './retry';
import { S3ObjectStore, type VersioningMode } from './s3-object-store';

export * from './ports';
export * from './tables';
export { ensureTables, createTableInput, schemaDifferences, type EnsureTablesOptions, type EnsureTablesResult } from './bootstrap';
export { S3ObjectStore, ObjectExistsError, PurgeError, VersioningUnavailableError, type S3ObjectStoreOptions, type VersioningMode } from './s3-object-store';
export { DynamoDbLedger, dueShardOf, recordItem, tombstoneItem, type DynamoDbLedgerOptions } from './dynamodb-ledger';
export { DynamoDbAuditLog, auditItem, timeShardOf, type DynamoDbAuditLogOptions } from './dynamodb-audit-log';
export { SignedSealAnchors, S3AnchorSink, anchorObjectKey, type AnchorSink } from './seal-anchors';
export { KmsSigner } from './kms-signer';
export { CapacityMeter, type CapacityReport, type Units } from './capacity-meter';
export { AuditOverwriteError, AuditTableMissingError, BadCursorError, RecordNotFoundError, UnprocessedItemsError, type RetryOptions } from './retry';

export interface AwsStoresConfig {
  readonly s3: S3Client;
  /** The plain DynamoDB client; a document client (removeUndefinedValues) is built on it and shares its middleware. */
  readonly dynamo: DynamoDBClient;
  readonly bucket: string;
  readonly ledgerTable: string;
  readonly auditTable: string;
  readonly hasher: KeyedHasher;
  /** SSE-KMS key for object PUTs (deployed). */
  readonly kmsKeyId?: string;
  /** `'required'` when deployed; `'auto'` for local S3 without versioning. */
  readonly versioning: VersioningMode;
  readonly clock?: Clock;
  readonly retry?: RetryOptions;
  /** Where seals are also written, signed, outside the audit table (domain/seal-anchor.ts). */
  readonly anchors?: SealAnchors;
  /** A seal stored but not anchored (default: console.error). */
  readonly onAnchorError?: (info: { seq: number; error: unknown }) => void;
  /** Reports the `'auto'` fallback (default: console.warn). */
  readonly onUnversionedFallback?: (info: { bucket: string; reason: string }) => void;
}

export interface AwsStores {
  readonly objects: S3ObjectStore;
  readonly ledger: DynamoDbLedger;
  readonly audit: DynamoDbAuditLog;
  /** The document client the ledger and audit log share. */
  readonly doc: DynamoDBDocumentClient;
}

export function makeAwsStores(config: AwsStoresConfig): AwsStores {
  const doc = DynamoDBDocumentClient.from(config.dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    doc,
    objects: new S3ObjectStore(config.s3, config.bucket, {
      kmsKeyId: config.kmsKeyId,
      versioning: config.versioning,
      onUnversionedFallback: config.onUnversionedFallback,
    }),
    ledger: new DynamoDbLedger(doc, config.ledgerTable, config.hasher, { retry: config.retry }),
    audit: new DynamoDbAuditLog(doc, config.auditTable, { clock: config.clock, retry: config.retry, anchors: config.anchors, onAnchorError: config.onAnchorError }),
  };
}
