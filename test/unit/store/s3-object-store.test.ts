import 'aws-sdk-client-mock-jest';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { PurgeError, S3ObjectStore, VersioningUnavailableError } from '../../../lib/store/s3-object-store';

const s3Mock = mockClient(S3Client);
const BUCKET = 'steward-data';
const KEY = 'records/tiktok/video/7320768196569599275.json';
const LONGER = `${KEY}.bak`;

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

function notFound(): S3ServiceException {
  return serviceError('NotFound', 404);
}

afterEach(() => {
  s3Mock.reset();
});

describe('Class: S3ObjectStore', () => {
  describe('Method: put', () => {
    it('encrypts every PUT with the project KMS key and a bucket key', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});
      const store = new S3ObjectStore(new S3Client({}), BUCKET, { kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc' });

      // Act
      await store.put(KEY, '{"id":7320768196569599275}', { metadata: { sha256: 'ab' } });

      // Assess
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
        Bucket: BUCKET,
        Key: KEY,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
        BucketKeyEnabled: true,
        Metadata: { sha256: 'ab' },
      });
      const body = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body;
      expect(typeof body === 'string' || Buffer.isBuffer(body)).toBe(true);
    });

    it('sends no SSE parameters without a key, and sends byte bodies as Buffers', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      await store.put(KEY, new Uint8Array([1, 2, 3]));

      // Assess
      const input = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
      expect(input.ServerSideEncryption).toBeUndefined();
      expect(input.SSEKMSKeyId).toBeUndefined();
      expect(Buffer.isBuffer(input.Body)).toBe(true);
      expect([...(input.Body as Buffer)]).toEqual([1, 2, 3]);
    });
  });

  describe('Method: get / head', () => {
    it('reads the body fully and returns undefined for a missing key', async () => {
      // Prepare
      // The SDK's streaming body: the store must read it to the end through transformToByteArray.
      const body = { transformToByteArray: async () => new Uint8Array(Buffer.from('{"a":1}')) };
      s3Mock.on(GetObjectCommand, { Key: KEY }).resolves({ Body: body as never, Metadata: { sha256: 'x' } });
      s3Mock.on(GetObjectCommand, { Key: 'missing' }).rejects(new NoSuchKey({ message: 'no', $metadata: { httpStatusCode: 404 } }));
      s3Mock.on(HeadObjectCommand).rejects(notFound());
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const found = await store.get(KEY);
      const missing = await store.get('missing');
      const head = await store.head('missing');

      // Assess
      expect(found?.body.toString('utf8')).toBe('{"a":1}');
      expect(found?.metadata).toEqual({ sha256: 'x' });
      expect(missing).toBeUndefined();
      expect(head).toBeUndefined();
    });
  });

  describe('Method: deleteAllVersions', () => {
    it('pages through every version listing and deletes only versions and delete markers of the exact key', async () => {
      // Prepare: three pages; the longer key shares the prefix and must survive.
      s3Mock
        .on(ListObjectVersionsCommand, { Prefix: KEY, KeyMarker: undefined })
        .resolvesOnce({
          IsTruncated: true,
          NextKeyMarker: KEY,
          NextVersionIdMarker: 'v2',
          Versions: [
            { Key: KEY, VersionId: 'v1' },
            { Key: KEY, VersionId: 'v2' },
          ],
          DeleteMarkers: [{ Key: KEY, VersionId: 'dm1' }],
        })
        .resolves({}); // the confirmation listing: nothing left
      s3Mock.on(ListObjectVersionsCommand, { Prefix: KEY, KeyMarker: KEY, VersionIdMarker: 'v2' }).resolves({
        IsTruncated: true,
        NextKeyMarker: LONGER,
        NextVersionIdMarker: 'l1',
        Versions: [
          { Key: KEY, VersionId: 'v3' },
          { Key: LONGER, VersionId: 'l1' },
        ],
        DeleteMarkers: [{ Key: KEY, VersionId: 'dm2' }],
      });
      s3Mock.on(ListObjectVersionsCommand, { Prefix: KEY, KeyMarker: LONGER, VersionIdMarker: 'l1' }).resolves({
        IsTruncated: false,
        Versions: [{ Key: LONGER, VersionId: 'l2' }],
        DeleteMarkers: [{ Key: LONGER, VersionId: 'ldm' }],
      });
      s3Mock.on(DeleteObjectsCommand).resolves({ Deleted: [] });
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const removed = await store.deleteAllVersions(KEY);

      // Assess
      expect(removed).toBe(5);
      expect(s3Mock).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 4);
      const deletes = s3Mock.commandCalls(DeleteObjectsCommand);
      expect(deletes).toHaveLength(1);
      const objects = deletes[0]!.args[0].input.Delete!.Objects!;
      expect(objects.map((o) => o.VersionId).sort()).toEqual(['dm1', 'dm2', 'v1', 'v2', 'v3']);
      expect(objects.every((o) => o.Key === KEY)).toBe(true);
      expect(store.versioningSupported).toBe(true);
    });

    it('deletes more than 1000 versions in chunks of at most 1000', async () => {
      // Prepare: 2,500 versions over three pages of 1,000 / 1,000 / 500.
      const versions = Array.from({ length: 2500 }, (_, i) => ({ Key: KEY, VersionId: `v${i}` }));
      s3Mock
        .on(ListObjectVersionsCommand)
        .resolvesOnce({ IsTruncated: true, NextKeyMarker: KEY, NextVersionIdMarker: 'v999', Versions: versions.slice(0, 1000) })
        .resolvesOnce({ IsTruncated: true, NextKeyMarker: KEY, NextVersionIdMarker: 'v1999', Versions: versions.slice(1000, 2000) })
        .resolvesOnce({ IsTruncated: false, Versions: versions.slice(2000) })
        .resolves({});
      s3Mock.on(DeleteObjectsCommand).resolves({});
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const removed = await store.deleteAllVersions(KEY);

      // Assess
      expect(removed).toBe(2500);
      const sizes = s3Mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.length);
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
      const deleted = s3Mock.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete!.Objects!.map((o) => o.VersionId));
      expect(new Set(deleted).size).toBe(2500);
    });

    it('throws with the key and the error codes when DeleteObjects reports Errors', async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: KEY, VersionId: 'v1' }, { Key: KEY, VersionId: 'v2' }] });
      s3Mock.on(DeleteObjectsCommand).resolves({
        Deleted: [{ Key: KEY, VersionId: 'v1' }],
        Errors: [{ Key: KEY, VersionId: 'v2', Code: 'AccessDenied', Message: 'Access Denied' }],
      });
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const result = store.deleteAllVersions(KEY);

      // Assess
      await expect(result).rejects.toThrow(PurgeError);
      await expect(result).rejects.toThrow(/records\/tiktok\/video\/7320768196569599275\.json.*AccessDenied/);
      await expect(result).rejects.toMatchObject({ key: KEY, codes: ['AccessDenied'] });
    });

    it('lists again after deleting and removes versions written meanwhile', async () => {
      // Prepare
      s3Mock
        .on(ListObjectVersionsCommand)
        .resolvesOnce({ Versions: [{ Key: KEY, VersionId: 'v1' }] })
        .resolvesOnce({ Versions: [{ Key: KEY, VersionId: 'late' }] })
        .resolves({});
      s3Mock.on(DeleteObjectsCommand).resolves({});
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const removed = await store.deleteAllVersions(KEY);

      // Assess
      expect(removed).toBe(2);
      expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 2);
      expect(s3Mock).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 3);
    });

    it('fails when versions keep reappearing after every round', async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: KEY, VersionId: 'stubborn' }] });
      s3Mock.on(DeleteObjectsCommand).resolves({});
      const store = new S3ObjectStore(new S3Client({}), BUCKET, { maxPurgeRounds: 2 });

      // Act
      const result = store.deleteAllVersions(KEY);

      // Assess
      await expect(result).rejects.toThrow(/1 version\(s\) remain/);
    });

    it('is idempotent: nothing listed means nothing deleted', async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [], DeleteMarkers: [] });
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const removed = await store.deleteAllVersions(KEY);

      // Assess
      expect(removed).toBe(0);
      expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
    });

    it("refuses, in 'required' mode, a bucket that cannot list versions", async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).rejects(serviceError('MethodNotAllowed', 405));
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3 });
      const store = new S3ObjectStore(new S3Client({}), BUCKET, { versioning: 'required' });

      // Act
      const result = store.deleteAllVersions(KEY);

      // Assess
      await expect(result).rejects.toThrow(VersioningUnavailableError);
      expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectCommand, 0);
      expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
    });

    it("falls back in 'auto' mode to DeleteObject plus a HEAD check, and reports it once", async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).rejects(serviceError('NotImplemented', 501));
      s3Mock.on(HeadObjectCommand).resolvesOnce({ ContentLength: 3 }).rejects(notFound());
      s3Mock.on(DeleteObjectCommand).resolves({});
      const fallbacks: string[] = [];
      const store = new S3ObjectStore(new S3Client({}), BUCKET, { versioning: 'auto', onUnversionedFallback: (i) => fallbacks.push(i.reason) });

      // Act
      const removed = await store.deleteAllVersions(KEY);
      const again = await store.deleteAllVersions(KEY);
      const count = await store.countVersions(KEY);

      // Assess
      expect(removed).toBe(1);
      expect(again).toBe(0);
      expect(count).toBe(0);
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]).toMatch(/NotImplemented/);
      expect(store.versioningSupported).toBe(false);
      expect(s3Mock).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: KEY });
    });
  });

  describe('Method: countVersions', () => {
    it('counts versions and delete markers of the exact key only', async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).resolves({
        Versions: [{ Key: KEY, VersionId: 'v1' }, { Key: LONGER, VersionId: 'x' }],
        DeleteMarkers: [{ Key: KEY, VersionId: 'dm' }],
      });
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const count = await store.countVersions(KEY);

      // Assess
      expect(count).toBe(2);
    });
  });

  describe('Method: list', () => {
    it('follows continuation tokens over every page', async () => {
      // Prepare
      s3Mock
        .on(ListObjectsV2Command, { ContinuationToken: undefined })
        .resolves({ IsTruncated: true, NextContinuationToken: 't1', Contents: [{ Key: 'records/a' }, { Key: 'records/b' }] });
      s3Mock.on(ListObjectsV2Command, { ContinuationToken: 't1' }).resolves({ IsTruncated: false, Contents: [{ Key: 'records/c' }] });
      const store = new S3ObjectStore(new S3Client({}), BUCKET);

      // Act
      const keys: string[] = [];
      for await (const key of store.list('records/')) keys.push(key);

      // Assess
      expect(keys).toEqual(['records/a', 'records/b', 'records/c']);
      expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'records/', ContinuationToken: 't1' });
    });
  });
});
