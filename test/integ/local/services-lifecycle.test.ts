/**
 * startLocalServices on its own (not the global setup's instance): persistence under a state dir across a full
 * stop and restart, the JVM really gone after stop(), and the clear errors for a missing Java or a busy port.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

import { makeLocalDynamoClients, makeLocalS3Client } from '../../../lib/local/aws-clients';
import { FAST_START_JVM_OPTIONS, startDynamoDbLocal } from '../../../lib/local/dynamodb-local';
import { JAVA_REQUIRED_MESSAGE } from '../../../lib/local/errors';
import { startS3Local } from '../../../lib/local/s3-local';
import { startLocalServices, type LocalServices } from '../../../lib/local/services';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('startLocalServices with a state dir', () => {
  let stateDir: string;
  const started: LocalServices[] = [];

  beforeAll(() => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'steward-state-'));
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function start(): Promise<LocalServices> {
    const services = await startLocalServices({ stateDir, buckets: ['steward-data'], dynamoJvmOptions: FAST_START_JVM_OPTIONS });
    started.push(services);
    return services;
  }

  it('keeps tables, items and objects across stop + restart, and the JVM is gone after stop()', async () => {
    // A lock left by a process that no longer runs is taken over.
    writeFileSync(path.join(stateDir, '.local-services.lock'), '134217727');
    const first = await start();
    expect(first.stateDir).toBe(path.resolve(stateDir));
    expect(first.dynamo.dbPath).toBe(path.join(stateDir, 'dynamodb'));
    expect(first.s3.directory).toBe(path.join(stateDir, 's3'));
    expect(first.s3.temporary).toBe(false);

    const dynamo1 = makeLocalDynamoClients(first);
    const s3a = makeLocalS3Client(first);
    try {
      await dynamo1.client.send(
        new CreateTableCommand({
          TableName: 'steward-ledger',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      await dynamo1.doc.send(new PutCommand({ TableName: 'steward-ledger', Item: { pk: 'video#7301234567890123456', state: 'active' } }));
      await s3a.send(new PutObjectCommand({ Bucket: 'steward-data', Key: 'records/7301234567890123456.json', Body: '{"id":7301234567890123456}' }));
    } finally {
      dynamo1.client.destroy();
      s3a.destroy();
    }

    const jvmPid = first.dynamo.pid;
    expect(isAlive(jvmPid)).toBe(true);
    await first.stop();
    expect(isAlive(jvmPid)).toBe(false);
    await first.stop(); // idempotent

    const second = await start();
    expect(second.dynamo.pid).not.toBe(jvmPid);
    const dynamo2 = makeLocalDynamoClients(second);
    const s3b = makeLocalS3Client(second);
    try {
      const { Item } = await dynamo2.doc.send(new GetCommand({ TableName: 'steward-ledger', Key: { pk: 'video#7301234567890123456' } }));
      expect(Item).toEqual({ pk: 'video#7301234567890123456', state: 'active' });
      const { Body } = await s3b.send(new GetObjectCommand({ Bucket: 'steward-data', Key: 'records/7301234567890123456.json' }));
      expect(await Body!.transformToString()).toBe('{"id":7301234567890123456}');
    } finally {
      dynamo2.client.destroy();
      s3b.destroy();
    }

    const env = second.env();
    expect(env).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: second.dynamoEndpoint,
      AWS_ENDPOINT_URL_S3: second.s3Endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    });
    expect(second.dynamoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(second.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const text = second.describe(['steward-ledger']);
    expect(text).toContain(`aws --endpoint-url ${second.s3Endpoint} s3 ls s3://steward-data --recursive`);
    expect(text).toContain(`aws dynamodb scan --endpoint-url ${second.dynamoEndpoint} --table-name steward-ledger`);
    expect(text).toContain(path.resolve(stateDir));

    // One set of services per state dir.
    await expect(start()).rejects.toThrow(/is in use by process \d+ \(this process\)/);

    const pid2 = second.dynamo.pid;
    await second.stop();
    expect(isAlive(pid2)).toBe(false);
    expect(existsSync(path.join(stateDir, '.local-services.lock'))).toBe(false);
  });
});

describe('clear start-up errors', () => {
  it('says how to install Java when java is missing', async () => {
    await expect(startDynamoDbLocal({ javaPath: '/nonexistent/bin/java' })).rejects.toThrow(JAVA_REQUIRED_MESSAGE);
  });

  it('names the busy port when local S3 cannot listen', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(startS3Local({ port })).rejects.toThrow(`127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
  });

  it('rejects invalid bucket names before starting anything', async () => {
    await expect(startS3Local({ buckets: ['Not_A_Bucket'] })).rejects.toThrow('invalid S3 bucket name(s): Not_A_Bucket');
  });
});
