/**
 * Seal anchors (port `SealAnchors`): each seal head, signed, written outside the audit table. The statement and
 * its checks are in lib/domain/seal-anchor.ts; here only where the bytes go. Deployed: one object per seal in a
 * bucket with S3 Object Lock, each put in compliance mode until the project ends plus a tail, so nobody (root
 * included) can delete or overwrite it before then. Locally: an append-only file (lib/local/signer.ts).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ChainSeal } from '../domain/audit';
import { AnchorRecordSchema, sealStatementText } from '../domain/seal-anchor';
import type { AnchoredSeal, SealAnchors, Signer } from './ports';

/** Where anchor records go: one write per seal, read back in seal seq order. */
export interface AnchorSink {
  write(seq: number, record: string): Promise<void>;
  read(): AsyncIterable<{ record: string; where: string }>;
}

/** Signs each seal's statement and hands the record to a sink. */
export class SignedSealAnchors implements SealAnchors {
  constructor(
    private readonly sink: AnchorSink,
    private readonly signer: Signer,
    private readonly project: string,
  ) {}

  async anchor(seal: ChainSeal): Promise<void> {
    const key = await this.signer.publicKey();
    const statement = sealStatementText(this.project, seal, key.fingerprint);
    const signature = (await this.signer.sign(Buffer.from(statement, 'utf8'))).toString('base64');
    await this.sink.write(seal.seq, JSON.stringify({ statement, signature }));
  }

  async *list(): AsyncIterable<AnchoredSeal> {
    for await (const { record, where } of this.sink.read()) {
      let parsed: { statement: string; signature: string };
      try {
        parsed = AnchorRecordSchema.parse(JSON.parse(record));
      } catch {
        // checkAnchors reports it as not a seal statement.
        parsed = { statement: record, signature: '' };
      }
      yield { ...parsed, where };
    }
  }
}

/** Object key of seal `seq`'s anchor: zero-padded so keys list in seq order. */
export function anchorObjectKey(seq: number): string {
  return `${S3_ANCHOR_PREFIX}${String(seq).padStart(12, '0')}.json`;
}
export const S3_ANCHOR_PREFIX = 'seals/';

export interface S3AnchorSinkOptions {
  /** Object Lock retention of each anchor (compliance mode): the project end plus the configured tail. */
  readonly retainUntil: Date;
}

/** Anchors in the seal-anchor bucket (Object Lock, compliance mode, per object). */
export class S3AnchorSink implements AnchorSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3AnchorSinkOptions,
  ) {}

  async write(seq: number, record: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: anchorObjectKey(seq),
        Body: record,
        ContentType: 'application/json',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: this.options.retainUntil,
        // S3 requires a checksum on every put that sets Object Lock.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async *read(): AsyncIterable<{ record: string; where: string }> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: S3_ANCHOR_PREFIX, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        yield { record: (await out.Body?.transformToString('utf8')) ?? '', where: `s3://${this.bucket}/${object.Key}` };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
