import 'aws-sdk-client-mock-jest';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { sealManifest } from '../../../lib/domain/exports';
import { ExportVersionTakenError, ObjectExportStore } from '../../../lib/store/export-store';
import { S3ObjectStore } from '../../../lib/store/s3-object-store';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const manifest = sealManifest({
  schema: 'steward.export/1',
  name: 'climate-videos',
  spec: 'climate-videos',
  kind: 'video',
  format: 'parquet',
  version: 4,
  fields: ['id'],
  queryFingerprint: 'q',
  sourceQueryFingerprints: [],
  asOf: '2026-03-01T00:00:00.000Z',
  createdBy: 'ada',
  reason: 'create',
  policyVersions: {},
  buckets: 1,
  rowCount: 0,
  parts: [],
});

describe('Class: ObjectExportStore', () => {
  describe('Method: putManifest', () => {
    it('writes a version only if it does not exist (If-None-Match), with the project key', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});
      const store = new ObjectExportStore(new S3ObjectStore(new S3Client({}), 'steward-data', { kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc' }));

      // Act
      await store.putManifest(manifest);

      // Assess
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
        Bucket: 'steward-data',
        Key: 'exports/manifests/climate-videos/parquet/v000004.json',
        IfNoneMatch: '*',
        ServerSideEncryption: 'aws:kms',
      });
      // then its outline, after the manifest (the worker whose manifest was stored writes it)
      expect(s3Mock).toHaveReceivedNthCommandWith(2, PutObjectCommand, { Bucket: 'steward-data', Key: 'exports/outlines/climate-videos/parquet/v000004.json', ServerSideEncryption: 'aws:kms' });
    });

    it('a version written meanwhile by another worker (412) is ExportVersionTakenError', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }));
      const store = new ObjectExportStore(new S3ObjectStore(new S3Client({}), 'steward-data'));

      // Act
      const error = await store.putManifest(manifest).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ExportVersionTakenError);
      expect((error as Error).message).toBe('climate-videos@v4 (parquet) was written meanwhile by another worker');
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1); // no outline for the other worker's manifest
    });
  });
});
