/**
 * Least-privilege access to the data vault, spelled as explicit IAM actions (never the `grant*` helpers, whose
 * wildcards such as `s3:GetObject*` or `s3:DeleteObject*` would hand a collector delete rights). Jobs and lab
 * members both get their policies here, so "what can touch the data" is answered in one file.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AUDIT_TABLE, LEDGER_TABLE, type TableDefinition } from '../store/tables';
import { EXPORTS_PREFIX } from '../domain/exports';
import { RECORDS_PREFIX, type DataVault } from './data-vault';
import { S3_ANCHOR_PREFIX } from '../store/seal-anchors';
import { PUBLICATIONS_PREFIX } from '../store/publication-store';

/** What a principal may do with record objects (`list-versions`: see every version, read none). */
export type ObjectRight = 'put' | 'read' | 'list' | 'list-versions' | 'purge';
/** Ledger rights are cumulative: write includes read, delete includes write. */
export type LedgerRight = 'read' | 'write' | 'delete';
/** The audit log is append-only: conditional puts only; nobody gets update, delete or batch write. */
export type AuditRight = 'read' | 'append';

/**
 * Analysis exports (`exports/` prefix): `read` lists and reads parts, manifests and copy records; `write` also
 * writes them and deletes every version of a replaced part. Never any right on `records/`.
 */
export type ExportRight = 'read' | 'write';

export interface VaultAccess {
  readonly objects: readonly ObjectRight[];
  readonly exports?: ExportRight;
  /**
   * Planned publications (`exports/publications/`, one JSON object each): `write` puts them (never deletes). Reading
   * them is part of `exports: 'read'`.
   */
  readonly publications?: 'write';
  readonly ledger?: LedgerRight;
  readonly audit?: AuditRight;
}

const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'];
const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE = ['kms:Encrypt', 'kms:GenerateDataKey'];

/** The table and each of its indexes by name (no `index/*` wildcard). */
function tableResources(tableArn: string, definition: TableDefinition): string[] {
  return [tableArn, ...definition.globalSecondaryIndexes.map((index) => `${tableArn}/index/${index.indexName}`)];
}

/** The statements that give `access` to the vault; attach them to a role or a policy. */
export function vaultStatements(vault: DataVault, access: VaultAccess): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const records = vault.bucket.arnForObjects(`${RECORDS_PREFIX}*`);
  const add = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    statements.push(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));

  const objects = new Set(access.objects);
  if (objects.has('put')) {
    add('PutRecordObjects', ['s3:PutObject'], [records]);
  }
  if (objects.has('read')) {
    add('ReadRecordObjects', ['s3:GetObject'], [records]);
  }
  if (objects.has('list')) {
    add('ListRecordObjects', ['s3:ListBucket'], [vault.bucket.bucketArn], { StringLike: { 's3:prefix': [`${RECORDS_PREFIX}*`] } });
  }
  if (objects.has('purge') || objects.has('list-versions')) {
    add('ListRecordVersions', ['s3:ListBucketVersions'], [vault.bucket.bucketArn], { StringLike: { 's3:prefix': [`${RECORDS_PREFIX}*`] } });
  }
  if (objects.has('purge')) {
    add('DeleteRecordVersions', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [records]);
  }
  if (access.exports) {
    const exportObjects = vault.bucket.arnForObjects(`${EXPORTS_PREFIX}*`);
    add('ListExports', ['s3:ListBucket'], [vault.bucket.bucketArn], { StringLike: { 's3:prefix': [`${EXPORTS_PREFIX}*`] } });
    add('ReadExports', ['s3:GetObject'], [exportObjects]);
    if (access.exports === 'write') {
      add('WriteExports', ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], [exportObjects]);
      add('ListExportVersions', ['s3:ListBucketVersions'], [vault.bucket.bucketArn], { StringLike: { 's3:prefix': [`${EXPORTS_PREFIX}*`] } });
    }
  }
  if (access.publications === 'write') {
    add('WritePublications', ['s3:PutObject'], [vault.bucket.arnForObjects(`${PUBLICATIONS_PREFIX}*`)]);
  }
  // Exports are encrypted with the content key too: reading one decrypts, writing one encrypts.
  const readsContent = objects.has('read') || access.exports !== undefined;
  const writesContent = objects.has('put') || access.exports === 'write' || access.publications === 'write';
  const contentKmsActions = [...(readsContent ? KMS_READ : []), ...(writesContent ? KMS_WRITE : [])];
  if (contentKmsActions.length > 0) add('UseContentKey', contentKmsActions, [vault.contentKey.keyArn]);

  // The ledger and the audit log share the evidence key.
  const evidenceKmsActions = new Set<string>();
  if (access.ledger) {
    const actions = [...TABLE_READ];
    if (access.ledger !== 'read') actions.push(...TABLE_WRITE);
    if (access.ledger === 'delete') actions.push('dynamodb:DeleteItem');
    add(`Ledger${access.ledger[0]!.toUpperCase()}${access.ledger.slice(1)}`, actions, tableResources(vault.ledgerTable.tableArn, LEDGER_TABLE));
    KMS_READ.forEach((a) => evidenceKmsActions.add(a));
    if (access.ledger !== 'read') KMS_WRITE.forEach((a) => evidenceKmsActions.add(a));
  }
  if (access.audit) {
    add('AuditRead', [...TABLE_READ], tableResources(vault.auditTable.tableArn, AUDIT_TABLE));
    KMS_READ.forEach((a) => evidenceKmsActions.add(a));
    if (access.audit === 'append') {
      // PutItem only: every audit write is conditional (attribute_not_exists), so it can add an item and never
      // replace one; no UpdateItem, DeleteItem or BatchWriteItem (whose puts carry no condition and which deletes).
      add('AuditAppend', ['dynamodb:PutItem'], [vault.auditTable.tableArn]);
      KMS_WRITE.forEach((a) => evidenceKmsActions.add(a));
    }
  }
  if (evidenceKmsActions.size > 0) add('UseEvidenceKey', [...evidenceKmsActions], [vault.evidenceKey.keyArn]);
  return statements;
}

/** What a job does with the signing key and the seal anchors. */
export interface SealAccess {
  /** `write`: sign and store anchors (audit appenders); `read`: list and check them (verify). */
  readonly anchors?: 'write' | 'read';
  /** Sign certificates (certify). */
  readonly sign?: boolean;
}

/** The statements that give `access` to the signing key and the anchor bucket. */
export function sealStatements(seals: { signingKey: { keyArn: string }; bucket: { bucketArn: string; arnForObjects(p: string): string } }, access: SealAccess): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const anchors = seals.bucket.arnForObjects(`${S3_ANCHOR_PREFIX}*`);
  const keyActions = new Set<string>();
  if (access.anchors === 'write') {
    // Put only: an anchor is never read back, deleted or unlocked by the job that writes it.
    statements.push(new iam.PolicyStatement({ sid: 'WriteSealAnchors', actions: ['s3:PutObject', 's3:PutObjectRetention'], resources: [anchors] }));
    keyActions.add('kms:Sign').add('kms:GetPublicKey');
  }
  if (access.anchors === 'read') {
    statements.push(
      new iam.PolicyStatement({ sid: 'ListSealAnchors', actions: ['s3:ListBucket'], resources: [seals.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${S3_ANCHOR_PREFIX}*`] } } }),
      new iam.PolicyStatement({ sid: 'ReadSealAnchors', actions: ['s3:GetObject'], resources: [anchors] }),
    );
    keyActions.add('kms:GetPublicKey');
  }
  if (access.sign) keyActions.add('kms:Sign').add('kms:GetPublicKey');
  if (keyActions.size > 0) statements.push(new iam.PolicyStatement({ sid: 'UseSigningKey', actions: [...keyActions], resources: [seals.signingKey.keyArn] }));
  return statements;
}

/** The `Resource::...` part of a cdk-nag IAM5 finding for `element`'s Arn plus `suffix`, e.g. `/records/*`. */
export function arnFinding(element: IConstruct, suffix: string): string {
  const cfn = (element.node.defaultChild ?? element) as CfnElement;
  return `Resource::<${Stack.of(element).resolve(cfn.logicalId)}.Arn>${suffix}`;
}

/**
 * Acknowledge the one wildcard object access needs: objects are one per record, named by platform id, so no
 * policy can list them in advance. Scope is the `records/` prefix and exactly the actions of `access`.
 */
export function acknowledgeRecordObjects(scope: IConstruct, vault: DataVault, access: VaultAccess): void {
  if (access.exports) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(vault.bucket, `/${EXPORTS_PREFIX}*`)}]`,
      reason: `Export parts, manifests and copy records are named by spec, version and bucket; access is limited to the ${EXPORTS_PREFIX} prefix (${access.exports}; asserted in test/infra).`,
    });
  }
  if (access.publications) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(vault.bucket, `/${PUBLICATIONS_PREFIX}*`)}]`,
      reason: `Planned publications are one JSON object each, named by their id; access is limited to the ${PUBLICATIONS_PREFIX} prefix and to put (asserted in test/infra).`,
    });
  }
  const objectActions = access.objects.filter((right) => right !== 'list' && right !== 'list-versions');
  if (objectActions.length === 0) return;
  Validations.of(scope).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(vault.bucket, `/${RECORDS_PREFIX}*`)}]`,
    reason: `Record objects (one per record, named by platform id) cannot be listed in advance; access is limited to the ${RECORDS_PREFIX} prefix and to ${objectActions.join('/')} (asserted in test/infra).`,
  });
}
