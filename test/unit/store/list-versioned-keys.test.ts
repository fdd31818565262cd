/** S3ObjectStore.listVersionedKeys: every key with a version or delete marker left, counted across pages. */
import { ListObjectsV2Command, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../../lib/store/s3-object-store';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

async function collect(store: S3ObjectStore, prefix: string): Promise<Array<{ key: string; versions: number }>> {
  const out: Array<{ key: string; versions: number }> = [];
  for await (const entry of store.listVersionedKeys(prefix)) out.push(entry);
  return out;
}

describe('Method: listVersionedKeys', () => {
  it('counts versions and delete markers per key, also when a key spans two pages', async () => {
    // Prepare: a (current + noncurrent), b (only a delete marker: "deleted", but a version is left), c on page 2 too
    s3Mock
      .on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({
        Versions: [
          { Key: 'records/a.json', VersionId: '2' },
          { Key: 'records/a.json', VersionId: '1' },
          { Key: 'records/c.json', VersionId: '3' },
        ],
        DeleteMarkers: [{ Key: 'records/b.json', VersionId: 'm' }],
        IsTruncated: true,
        NextKeyMarker: 'records/c.json',
        NextVersionIdMarker: '3',
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'records/c.json' })
      .resolves({ Versions: [{ Key: 'records/c.json', VersionId: '2' }, { Key: 'records/d.json', VersionId: '1' }], IsTruncated: false });
    const store = new S3ObjectStore(new S3Client({}), 'bucket');

    // Act
    const found = await collect(store, 'records/');

    // Assess
    expect(found).toEqual([
      { key: 'records/a.json', versions: 2 },
      { key: 'records/b.json', versions: 1 },
      { key: 'records/c.json', versions: 2 },
      { key: 'records/d.json', versions: 1 },
    ]);
  });

  it("falls back to the current keys where the bucket keeps no versions ('auto' mode)", async () => {
    // Prepare
    s3Mock.on(ListObjectVersionsCommand).rejects(new S3ServiceException({ name: 'MethodNotAllowed', $fault: 'client', $metadata: { httpStatusCode: 405 }, message: 'no' }));
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'records/a.json' }], IsTruncated: false });
    const store = new S3ObjectStore(new S3Client({}), 'bucket', { versioning: 'auto', onUnversionedFallback: () => {} });

    // Act
    const found = await collect(store, 'records/');

    // Assess
    expect(found).toEqual([{ key: 'records/a.json', versions: 1 }]);
    expect(store.versioningSupported).toBe(false);
  });
});
