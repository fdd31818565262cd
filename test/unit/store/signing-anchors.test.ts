/**
 * The KMS signer and the S3 anchor sink against stubbed SDK clients (there is no local KMS, and s3rver ignores
 * Object Lock): what is sent (a DIGEST to sign, a COMPLIANCE lock until the configured date) and what comes back.
 */
import 'aws-sdk-client-mock-jest';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { GENESIS_HASH, linkSeal } from '../../../lib/domain/audit';
import { checkAnchors } from '../../../lib/domain/seal-anchor';
import { KmsSigner } from '../../../lib/store/kms-signer';
import { anchorObjectKey, S3AnchorSink, SignedSealAnchors } from '../../../lib/store/seal-anchors';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/5191c0de-0000-0000-0000-000000000000';
const kmsMock = mockClient(KMSClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  kmsMock.reset();
  s3Mock.reset();
});

/** A KMS P-256 key: GetPublicKey answers DER, Sign signs the digest it is given (OpenSSL pkeyutl, as KMS does). */
function stubKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = join(mkdtempSync(join(tmpdir(), 'steward-kms-unit-')), 'key.pem');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  kmsMock.on(GetPublicKeyCommand).resolves({ PublicKey: publicKey.export({ format: 'der', type: 'spki' }) });
  kmsMock.on(SignCommand).callsFake((input: { Message: Uint8Array }) => {
    const out = spawnSync('openssl', ['pkeyutl', '-sign', '-inkey', file], { input: Buffer.from(input.Message) });
    return { Signature: new Uint8Array(out.stdout) };
  });
  return publicKey;
}

describe('Class: KmsSigner', () => {
  it('hashes the message and has KMS sign the digest (any size), so the DER signature verifies over the message itself', async () => {
    // Prepare
    const publicKey = stubKey();
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    const message = Buffer.from('x'.repeat(10_000));

    // Act
    const signature = await signer.sign(message);
    const info = await signer.publicKey();
    await signer.publicKey();

    // Assess
    expect(kmsMock).toHaveReceivedCommandWith(SignCommand, {
      KeyId: KEY_ARN,
      Message: createHash('sha256').update(message).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(verify('sha256', message, publicKey, signature)).toBe(true);
    expect(info.fingerprint).toBe(createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex'));
    expect(info.keyId).toBe(KEY_ARN);
    expect(kmsMock).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
  });

  it('asks again after a failed GetPublicKey', async () => {
    stubKey();
    kmsMock.on(GetPublicKeyCommand).rejectsOnce(new Error('throttled'));
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    await expect(signer.publicKey()).rejects.toThrow('throttled');
    kmsMock.on(GetPublicKeyCommand).resolves({ PublicKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }) });
    await expect(signer.publicKey()).resolves.toMatchObject({ keyId: KEY_ARN });
  });
});

describe('Class: S3AnchorSink', () => {
  it('puts each signed seal locked in compliance mode until the date given, and reads them back for checkAnchors', async () => {
    // Prepare
    stubKey();
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    const retainUntil = new Date('2032-06-30T23:59:59.999Z');
    const s3 = new S3Client({ region: 'eu-west-1' });
    const anchors = new SignedSealAnchors(new S3AnchorSink(s3, 'anchors-bucket', { retainUntil }), signer, 'climate');
    const stored = new Map<string, string>();
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => void stored.set(input.Key, input.Body));
    s3Mock.on(ListObjectsV2Command).callsFake(() => ({ Contents: [...stored.keys()].sort().map((Key) => ({ Key })) }));
    s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: { transformToString: async () => stored.get(input.Key)! } as never }));
    const first = linkSeal({ at: '2026-03-01T00:00:00.000Z', chainId: 'collect-1', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' }, { seq: 0, hash: GENESIS_HASH });
    const second = linkSeal({ at: '2026-03-01T00:01:00.000Z', chainId: 'collect-1', chainSeq: 3, chainHash: 'c'.repeat(64), kind: 'close' }, first);

    // Act
    await anchors.anchor(first);
    await anchors.anchor(second);
    const listed = [];
    for await (const a of anchors.list()) listed.push(a);

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'anchors-bucket',
      Key: anchorObjectKey(2),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: retainUntil,
      ChecksumAlgorithm: 'SHA256',
    });
    expect(listed.map((a) => a.where)).toEqual(['s3://anchors-bucket/seals/000000000001.json', 's3://anchors-bucket/seals/000000000002.json']);
    expect(checkAnchors([first, second], listed, await signer.publicKey(), 'climate')).toEqual({ anchors: 2, head: { seq: 2, hash: second.hash }, unanchoredTail: 0, problems: [] });
    expect(checkAnchors([first], listed, await signer.publicKey(), 'climate').problems).toEqual([expect.stringMatching(/1 anchored seal\(s\) are missing from the audit table/)]);
  });
});
