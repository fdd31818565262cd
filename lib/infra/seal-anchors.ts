/**
 * Proof that outlives the stack's own tables: the signing key and the seal anchor bucket, on the evidence side.
 *
 * - The signing key is an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): it signs deletion certificates and
 *   seal anchors; its private half never leaves KMS, its public half is what a third party checks with OpenSSL.
 * - The anchor bucket keeps every seal head of the audit log, one signed object per seal, under S3 Object Lock in
 *   compliance mode (each object locked until the project end plus `storage.sealAnchorTailDays`; the bucket policy
 *   refuses any put without compliance mode). The audit log holds no content, so write-once storage is allowed
 *   here, and only here: the data bucket still refuses Object Lock (data-vault.ts).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_ANCHOR_PREFIX } from '../store/seal-anchors';

export { S3_ANCHOR_PREFIX };

export interface SealAnchorsProps {
  readonly projectId: string;
  /** Encrypts the anchors (they outlive the content, like the rest of the evidence). */
  readonly evidenceKey: kms.IKey;
  /** Where the bucket's server access logs go. */
  readonly accessLogBucket: s3.IBucket;
}

/** The `s3-access/` prefix of the anchor bucket's access logs in the log bucket. */
export const ANCHOR_ACCESS_LOG_PREFIX = 's3-access/seal-anchors/';

export class SealAnchors extends Construct {
  /** Signs certificates and seal anchors (ECDSA P-256, SHA-256). */
  public readonly signingKey: kms.Key;
  /** Seal anchors, write-once (Object Lock, compliance mode). */
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SealAnchorsProps) {
    super(scope, id);
    this.signingKey = new kms.Key(this, 'SigningKey', {
      alias: `alias/steward/${props.projectId}/signing`,
      description: `Steward ${props.projectId}: signs deletion certificates and audit seal anchors (ECDSA P-256)`,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // Certificates signed years ago are checked with this key's public half: it must never go away with the stack.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.evidenceKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: ANCHOR_ACCESS_LOG_PREFIX,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // Every anchor is locked in compliance mode: a put without it (or with governance mode) is refused.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RequireComplianceLock',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
      }),
    );
  }
}
