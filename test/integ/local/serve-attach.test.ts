/**
 * `steward serve` keeps the services of a state dir up and later `--local` commands attach to them instead of
 * failing on the lock: same endpoints and data, their bucket created, one attached command at a time, the server's
 * services untouched when an attached command ends, and the same ports again at the next serve of the state dir.
 * Without serve, a second process on a busy state dir still fails as before (services-lifecycle.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { HeadBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';

import { makeLocalDynamoClients, makeLocalS3Client } from '../../../lib/local/aws-clients';
import { FAST_START_JVM_OPTIONS, findFreePort } from '../../../lib/local/dynamodb-local';
import { COMMAND_LOCK_FILE, SERVED_FILE, readServed } from '../../../lib/local/serve-registry';
import { startLocalServices, type LocalServices } from '../../../lib/local/services';

describe('local services kept up by serve, attached to by commands', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'steward-serve-'));
  const open: LocalServices[] = [];
  afterAll(async () => {
    await Promise.allSettled(open.reverse().map((s) => s.stop()));
  });

  const serve = async (ports: { dynamoPort?: number; s3Port?: number } = {}) => {
    const services = await startLocalServices({ stateDir, buckets: ['served-data'], serve: true, dynamoJvmOptions: FAST_START_JVM_OPTIONS, ...ports });
    open.push(services);
    return services;
  };

  it('attaches commands to the served services, one at a time, and serves on the same ports the next time', async () => {
    // Prepare: a serve on chosen ports
    const dynamoPort = await findFreePort();
    const s3Port = await findFreePort();
    const server = await serve({ dynamoPort, s3Port });
    expect(server.attachedTo).toBeUndefined();
    expect(readServed(stateDir)).toMatchObject({ pid: process.pid, dynamoPort, s3Port });
    const s3 = makeLocalS3Client(server);
    await s3.send(new PutObjectCommand({ Bucket: 'served-data', Key: 'k', Body: 'kept' }));

    // Act: a command on the same state dir (another project's bucket) attaches instead of failing on the lock
    const command = await startLocalServices({ stateDir, buckets: ['other-data'] });
    open.push(command);

    // Assess: same endpoints and data; its bucket exists; a second command at the same time is refused clearly
    expect(command.attachedTo).toBe(process.pid);
    expect(command.dynamoEndpoint).toBe(server.dynamoEndpoint);
    expect(command.s3Endpoint).toBe(server.s3Endpoint);
    expect(command.describe()).toContain(`kept up by steward serve, process ${process.pid}`);
    const attachedS3 = makeLocalS3Client(command);
    await attachedS3.send(new HeadBucketCommand({ Bucket: 'other-data' }));
    expect(await (await attachedS3.send(new GetObjectCommand({ Bucket: 'served-data', Key: 'k' }))).Body!.transformToString()).toBe('kept');
    expect(readFileSync(path.join(stateDir, COMMAND_LOCK_FILE), 'utf8')).toBe(String(process.pid));
    await expect(startLocalServices({ stateDir, buckets: [] })).rejects.toThrow(/another steward command \(process \d+\) is running on the services that steward serve/);

    // the command ends: the server's services keep running, and the next command attaches again
    await command.stop();
    const dynamo = makeLocalDynamoClients(server);
    await dynamo.client.send(new ListTablesCommand({}));
    const again = await startLocalServices({ stateDir, buckets: [] });
    open.push(again);
    expect(again.attachedTo).toBe(process.pid);
    await again.stop();

    // the server stops: its record keeps the ports without a pid, and the next serve takes the same ports
    dynamo.client.destroy();
    s3.destroy();
    attachedS3.destroy();
    await server.stop();
    expect(readServed(stateDir)).toMatchObject({ pid: null, dynamoPort, s3Port });
    const next = await serve();
    expect(next.dynamo.port).toBe(dynamoPort);
    expect(next.s3.port).toBe(s3Port);
    const nextS3 = makeLocalS3Client(next);
    expect(await (await nextS3.send(new GetObjectCommand({ Bucket: 'served-data', Key: 'k' }))).Body!.transformToString()).toBe('kept');
    nextS3.destroy();
    await next.stop();
  }, 120_000);

  it('ignores a record whose serve is gone, or that is not valid, and starts its own services', async () => {
    writeFileSync(path.join(stateDir, SERVED_FILE), JSON.stringify({ pid: 134217727, dynamoPort: 1, s3Port: 2, s3Directory: '/nowhere' }));
    const own = await startLocalServices({ stateDir, buckets: [], dynamoJvmOptions: FAST_START_JVM_OPTIONS });
    open.push(own);
    expect(own.attachedTo).toBeUndefined();
    expect(own.dynamo.port).not.toBe(1);
    await own.stop();
    writeFileSync(path.join(stateDir, SERVED_FILE), '{"pid": "x"');
    expect(readServed(stateDir)).toBeUndefined();
  }, 120_000);

  it('refuses serve without a state dir', async () => {
    await expect(startLocalServices({ buckets: [], serve: true })).rejects.toThrow(/needs a state dir/);
  });
});
