/**
 * Running a job handler in-process as Lambda would: the environment the stack sets (fresh bucket and tables on the
 * local services of the jest global setup), the project config the stack inlines, Secrets Manager stubbed with
 * aws-sdk-client-mock (there is no local Secrets Manager), and the TikTok emulator as the source's base URL.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { JOB_ENV } from '../../../lib/config/deployed';
import type { ProjectConfig } from '../../../lib/config/schema';
import { startEmulator, type RunningEmulator, type WorldOptions } from '../../../lib/emulator';
import { testConfig, TEST_SECRET } from '../../support/job-context';
import { hmacHasher } from '../../../lib/domain/hashing';
import { makeAwsStores, type AwsStores } from '../../../lib/store';
import { testDynamoClients, testS3Client } from '../../support/local-aws';
import { freshBucket, freshTables } from '../store/support';

export const CLIENT = { clientKey: 'lab-key', clientSecret: 'lab-secret' };
const WORLD = { users: 200, videosPerDay: 20, historyDays: 40, futureDays: 5, maxCommentsPerVideo: 4, adsPerYear: 300, advertisers: 20 };
const ACCOUNT = 'arn:aws:secretsmanager:us-east-1:123456789012:secret';
export const HASH_KEY_ARN = `${ACCOUNT}:steward/test/hash-key-AbCdEf`;
export const sourceSecretArn = (source: string) => `${ACCOUNT}:steward/test/${source}-AbCdEf`;
export const SIGNING_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/5191c0de-0000-0000-0000-000000000000';

/**
 * KMS stubbed with aws-sdk-client-mock (there is no local KMS) over a real P-256 key: Sign of a DIGEST answers a
 * DER ECDSA signature, GetPublicKey the DER public key, as an ECC_NIST_P256 SIGN_VERIFY key does.
 */
export function kmsSigningKey(): { kms: ReturnType<typeof mockClient>; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'steward-kms-')), 'key.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const kms = mockClient(KMSClient);
  kms.on(GetPublicKeyCommand, { KeyId: SIGNING_KEY_ARN }).resolves({ KeyId: SIGNING_KEY_ARN, PublicKey: publicKey.export({ format: 'der', type: 'spki' }), KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  kms.on(SignCommand, { KeyId: SIGNING_KEY_ARN, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }).callsFake((input: { Message: Uint8Array }) => {
    if (input.Message.length !== 32) throw new Error('a DIGEST message is 32 bytes');
    // node:crypto always hashes what it signs; OpenSSL's pkeyutl signs a digest as given, as KMS does.
    const signed = spawnSync('openssl', ['pkeyutl', '-sign', '-inkey', keyFile], { input: Buffer.from(input.Message) });
    if (signed.status !== 0) throw new Error(`openssl pkeyutl failed: ${signed.stderr.toString()}`);
    return { KeyId: SIGNING_KEY_ARN, Signature: new Uint8Array(signed.stdout), SigningAlgorithm: 'ECDSA_SHA_256' };
  });
  return { kms, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}


/** A recorded scheduler event from test/events/scheduler/. */
export function schedulerEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'scheduler', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The context of `member`'s invocation of `functionName` through the member's alias (lib/domain/member-alias.ts). */
export function memberContext(functionName: string, member: string, remainingMs = 300_000) {
  return lambdaContext(`${functionName}:member-${member}`, remainingMs);
}

/**
 * A fake Lambda context with `remainingMs` left. `invoked` may carry a qualifier, as a caller names it
 * (`fn:member-ada`, a member alias): the context's invokedFunctionArn then carries it, as Lambda's does.
 */
export function lambdaContext(invoked: string, remainingMs = 300_000) {
  const deadline = Date.now() + remainingMs;
  const [functionName] = invoked.split(':') as [string];
  return {
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${invoked}`,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface DeployedFixture {
  readonly config: ProjectConfig;
  readonly emulator: RunningEmulator;
  readonly bucket: string;
  readonly tables: { ledger: string; audit: string };
  readonly secrets: ReturnType<typeof mockClient>;
  /** KMS, stubbed over a real P-256 signing key. */
  readonly kms: ReturnType<typeof mockClient>;
  /** The seal anchor bucket (s3rver keeps no Object Lock: the put's lock headers are asserted on the stack). */
  readonly anchorBucket: string;
  /** The fixture's bucket and tables through the same adapters, for arranging and asserting. */
  stores(): AwsStores;
  /** Everything written to stdout (Powertools logs and EMF metrics) since the fixture started. */
  stdout(): string;
  close(): Promise<void>;
}

/**
 * Set up the environment of a job function named `job` (with TikTok sources when `tiktok`), and return the
 * fixture. The handler module must be required after this (it reads the environment at import).
 */
export async function deployedFixture(
  job: string,
  options: { tiktok?: boolean; change?: (doc: Record<string, any>) => void; env?: Record<string, string>; world?: Partial<WorldOptions> } = {},
): Promise<DeployedFixture> {
  const emulator = await startEmulator({ credentials: [CLIENT], world: { ...WORLD, videoDeletionShare: 0, videoPrivateShare: 0, accountDeletionShare: 0, ...options.world } });
  const config = testConfig((doc) => {
    for (const [name, source] of Object.entries<Record<string, unknown>>(doc.sources)) {
      source.credentials = { secretName: `steward/test/${name}` };
      source.baseUrl = emulator.url;
    }
    options.change?.(doc);
  });
  const [{ client, names }, { s3, bucket }, anchors] = await Promise.all([freshTables('handler'), freshBucket('handler'), freshBucket('anchors')]);
  client.destroy();
  s3.destroy();
  anchors.s3.destroy();
  const { kms } = kmsSigningKey();

  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand, { SecretId: HASH_KEY_ARN }).resolves({ SecretString: TEST_SECRET });
  for (const source of Object.keys(config.sources)) {
    secrets.on(GetSecretValueCommand, { SecretId: sourceSecretArn(source) }).resolves({ SecretString: JSON.stringify(CLIENT) });
  }

  const saved = { ...process.env };
  Object.assign(process.env, {
    [JOB_ENV.job]: job,
    [JOB_ENV.bucket]: bucket,
    [JOB_ENV.ledgerTable]: names.ledger,
    [JOB_ENV.auditTable]: names.audit,
    [JOB_ENV.contentKeyArn]: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
    [JOB_ENV.hashKeySecretArn]: HASH_KEY_ARN,
    [JOB_ENV.signingKeyArn]: SIGNING_KEY_ARN,
    [JOB_ENV.anchorBucket]: anchors.bucket,
    ...(options.tiktok ? { [JOB_ENV.sourceSecretArns]: JSON.stringify(Object.fromEntries(Object.keys(config.sources).map((s) => [s, sourceSecretArn(s)]))) } : {}),
    STEWARD_PROJECT_CONFIG: JSON.stringify(config),
    POWERTOOLS_SERVICE_NAME: 'steward',
    POWERTOOLS_METRICS_NAMESPACE: 'Steward',
    ...options.env,
  });

  let captured = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });

  return {
    config,
    emulator,
    bucket,
    tables: names,
    secrets,
    kms,
    anchorBucket: anchors.bucket,
    stdout: () => captured,
    stores() {
      const { client } = testDynamoClients();
      return makeAwsStores({
        s3: testS3Client(),
        dynamo: client,
        bucket,
        ledgerTable: names.ledger,
        auditTable: names.audit,
        hasher: hmacHasher(TEST_SECRET),
        versioning: 'auto',
        onUnversionedFallback: () => {},
      });
    },
    async close() {
      spy.mockRestore();
      secrets.restore();
      kms.restore();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      await emulator.stop();
    },
  };
}

/** The JSON lines of the captured stdout. */
export function jsonLines(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}
