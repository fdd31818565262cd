/**
 * s3rver (started once by the jest global setup) with our two fixes: exact bytes for streamed uploads (checksums
 * only when required) and paginated listings (the DES shim).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';

import { makeLocalS3Client } from '../../../lib/local/aws-clients';
import { installDesShim } from '../../../lib/local/s3-local';
import { createTestBucket, destroyTestClients, localAws, testS3Client } from '../../support/local-aws';

let bucket: string;

beforeAll(async () => {
  bucket = await createTestBucket('s3-local');
});

afterAll(() => destroyTestClients());

async function getBytes(client: S3Client, key: string): Promise<Buffer> {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

/** A deterministic body of `size` bytes (not all the same byte, so framing or truncation shows). */
function bodyOf(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) % 251;
  return out;
}

describe('s3rver', () => {
  it('returns a JSON body with a 19-digit id byte for byte', async () => {
    const s3 = testS3Client();
    const json = '{"id":7301234567890123456,"author_id":6912345678901234567,"text":"café ✓","n":[1,2.5]}';
    const body = Buffer.from(json, 'utf8');
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'records/7301234567890123456.json', Body: body, ContentType: 'application/json', Metadata: { sha256: createHash('sha256').update(body).digest('hex') } }),
    );
    const got = await getBytes(s3, 'records/7301234567890123456.json');
    expect(got.equals(body)).toBe(true);
    expect(got.toString('utf8')).toContain('7301234567890123456');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'records/7301234567890123456.json' }));
    expect(head.ContentType).toBe('application/json');
    expect(head.Metadata?.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('stores a streamed body intact with WHEN_REQUIRED checksums', async () => {
    const s3 = testS3Client();
    const body = bodyOf(300_000);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'stream/ok.bin', Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), ContentLength: body.length }),
    );
    const got = await getBytes(s3, 'stream/ok.bin');
    expect(got.length).toBe(body.length);
    expect(got.equals(body)).toBe(true);
  });

  it('shows why: with the SDK default checksums the same upload is stored aws-chunked (silently wrong)', async () => {
    const defaults = makeLocalS3Client(localAws(), {
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });
    try {
      const body = bodyOf(1_800);
      await defaults.send(new PutObjectCommand({ Bucket: bucket, Key: 'stream/chunked.bin', Body: Readable.from([body]), ContentLength: body.length }));
      const got = await getBytes(testS3Client(), 'stream/chunked.bin');
      // If this starts failing, s3rver or the SDK changed and the WHEN_REQUIRED setting may no longer be needed.
      expect(got.equals(body)).toBe(false);
    } finally {
      defaults.destroy();
    }
  });

  it('paginates ListObjectsV2 over more than one page (DES continuation tokens)', async () => {
    const s3 = testS3Client();
    const keys = Array.from({ length: 23 }, (_, i) => `list/${String(i).padStart(3, '0')}.json`);
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}' }))));

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 10 }, { Bucket: bucket, Prefix: 'list/' })) {
      pages.push((page.Contents ?? []).map((o) => o.Key as string));
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toEqual(keys);
  });

  it('installs the DES shim once (idempotent)', () => {
    const crypto = require('node:crypto') as typeof import('node:crypto');
    installDesShim();
    const patched = crypto.createCipheriv;
    installDesShim();
    expect(crypto.createCipheriv).toBe(patched);
    const key = Buffer.from('S3RVER\0\0');
    const iv = Buffer.alloc(8, 1);
    const cipher = crypto.createCipheriv('des', key, iv);
    const encrypted = Buffer.concat([cipher.update('us-east-1/b/k', 'utf8'), cipher.final()]);
    const decipher = crypto.createDecipheriv('des', key, iv);
    expect(Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8')).toBe('us-east-1/b/k');
  });

  it('is reached by a bare `new S3Client({})` through the environment alone (path-style on an IP endpoint)', async () => {
    const bare = new S3Client({});
    try {
      await bare.send(new PutObjectCommand({ Bucket: bucket, Key: 'bare/x.txt', Body: Readable.from([Buffer.from('hello')]), ContentLength: 5 }));
      expect((await getBytes(bare, 'bare/x.txt')).toString()).toBe('hello');
    } finally {
      bare.destroy();
    }
  });
});
