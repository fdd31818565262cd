/**
 * The object store against s3rver. s3rver has no versioning (ListObjectVersions answers 405), so this covers
 * the 'auto' fallback and the 'required' refusal; version-aware deletion is covered by the unit tests (mocks).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sha256Hex } from '../../../lib/domain/hashing';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { S3ObjectStore, VersioningUnavailableError } from '../../../lib/store/s3-object-store';
import { freshBucket } from './support';

let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  ({ s3, bucket } = await freshBucket('steward-it'));
});

afterAll(() => {
  s3?.destroy();
});

const KEY = 'records/tiktok/video/7320768196569599275.json';
const BODY = '{"id":7320768196569599275,"video_description":"ünïcödé ✓"}';

describe('S3ObjectStore on s3rver', () => {
  it('puts and gets bytes exactly, with metadata (SSE-KMS headers are accepted)', async () => {
    // Prepare
    const store = new S3ObjectStore(s3, bucket, { versioning: 'auto', kmsKeyId: 'alias/steward-test', onUnversionedFallback: () => undefined });

    // Act
    await store.put(KEY, BODY, { metadata: { sha256: sha256Hex(BODY) } });
    const got = await store.get(KEY);
    const head = await store.head(KEY);

    // Assess
    expect(got?.body.toString('utf8')).toBe(BODY);
    expect(got?.metadata.sha256).toBe(sha256Hex(BODY));
    expect(head?.sizeBytes).toBe(Buffer.byteLength(BODY));
    expect(await store.get('records/missing.json')).toBeUndefined();
    expect(await store.head('records/missing.json')).toBeUndefined();
  });

  it('lists every key under a prefix across pages', async () => {
    // Prepare
    const store = new S3ObjectStore(s3, bucket, { versioning: 'auto', listPageSize: 2, onUnversionedFallback: () => undefined });
    const keys = Array.from({ length: 5 }, (_, i) => `exports/run-1/part-${i}.jsonl`);
    for (const key of keys) await store.put(key, `line ${key}\n`);
    await store.put('exports/run-10/other.jsonl', 'x');

    const meter = new CapacityMeter();
    const detach = meter.attach(s3);

    // Act
    const listed: string[] = [];
    for await (const key of store.list('exports/run-1/')) listed.push(key);
    detach();

    // Assess
    expect(listed.sort()).toEqual(keys);
    expect(meter.count('ListObjectsV2Command')).toBe(3); // 2 + 2 + 1: continuation tokens really used
  });

  it("'auto' mode purges by DeleteObject plus a HEAD check, reports the fallback once, and proves 0 versions", async () => {
    // Prepare
    const fallbacks: string[] = [];
    const store = new S3ObjectStore(s3, bucket, { versioning: 'auto', onUnversionedFallback: (i) => fallbacks.push(i.reason) });
    await store.put(KEY, BODY);
    await store.put(`${KEY}.bak`, 'keep me'); // shares the prefix: must survive

    // Act
    const before = await store.countVersions(KEY);
    const removed = await store.deleteAllVersions(KEY);
    const again = await store.deleteAllVersions(KEY);

    // Assess
    expect(before).toBe(1);
    expect(removed).toBe(1);
    expect(again).toBe(0);
    expect(await store.countVersions(KEY)).toBe(0);
    expect(await store.get(KEY)).toBeUndefined();
    expect((await store.get(`${KEY}.bak`))?.body.toString()).toBe('keep me');
    expect(store.versioningSupported).toBe(false);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatch(/405|MethodNotAllowed/);
  });

  it("'required' mode refuses to purge on a bucket that cannot list versions, and deletes nothing", async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'records/keep.json', Body: '{}' }));
    const store = new S3ObjectStore(s3, bucket, { versioning: 'required' });

    // Act
    const result = store.deleteAllVersions('records/keep.json');

    // Assess
    await expect(result).rejects.toThrow(VersioningUnavailableError);
    expect(await store.head('records/keep.json')).toBeDefined();
  });
});
