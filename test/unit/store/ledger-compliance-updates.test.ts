/**
 * The ledger updates the compliance engine adds: a purge marked pending (due at once, first reason kept), a
 * re-stamp under a new policy version, and an erasure tombstone that supersedes a tombstone of another reason.
 */
import 'aws-sdk-client-mock-jest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import { hasher, tombstoneFor } from './fixtures';

const docMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'steward-test-ledger';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }), { marshallOptions: { removeUndefinedValues: true } });
const ledger = () => new DynamoDbLedger(doc, TABLE, hasher, { retry: { maxAttempts: 2, sleep: async () => {} } });

afterEach(() => {
  docMock.reset();
});

describe('Class: DynamoDbLedger (compliance updates)', () => {
  it('marks a purge pending: due at once, reason and evidence kept, an earlier pending purge not overwritten', async () => {
    // Prepare
    docMock.on(UpdateCommand).resolves({});

    // Act
    await ledger().updateRecords([
      { kind: 'purge-pending', key: 'tiktok:video:1', at: '2026-01-05T10:00:00Z', reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 3 } },
    ]);

    // Assess
    const input = docMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'rec#tiktok:video:1', sk: 'rec' });
    expect(input.UpdateExpression).toContain('#nextActionAt = :nextActionAt');
    expect(input.UpdateExpression).toContain('#purgePending = if_not_exists(#purgePending, :purgePending)');
    expect(input.ConditionExpression).toBe('attribute_exists(pk) AND #status = :active');
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':nextActionAt': '2026-01-05T10:00:00.000Z',
      ':purgePending': { reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 3 }, requestedAt: '2026-01-05T10:00:00Z' },
    });
  });

  it('re-stamps a record under a new policy version: deadlines, expiry and version', async () => {
    // Prepare
    docMock.on(UpdateCommand).resolves({});

    // Act
    await ledger().updateRecords([
      {
        kind: 'restamped',
        key: 'tiktok:video:1',
        at: '2026-01-05T00:00:00.000Z',
        refreshDueAt: '2026-01-10T00:00:00.000Z',
        nextActionAt: '2026-01-07T00:00:00.000Z',
        restamp: { policyVersion: 2, expiresAt: '2026-06-30T23:59:59.999Z' },
      },
      { kind: 'seen', key: 'tiktok:video:2', at: '2026-01-05T00:00:00.000Z', refreshDueAt: '2026-01-20T00:00:00.000Z', nextActionAt: '2026-01-17T00:00:00.000Z', restamp: { policyVersion: 2, expiresAt: '2026-06-30T23:59:59.999Z' } },
    ]);

    // Assess
    const inputs = docMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const restamped = inputs.find((i) => i.Key!.pk === 'rec#tiktok:video:1')!;
    expect(restamped.ExpressionAttributeValues).toMatchObject({
      ':refreshDueAt': '2026-01-10T00:00:00.000Z',
      ':nextActionAt': '2026-01-07T00:00:00.000Z',
      ':policyVersion': 2,
      ':expiresAt': '2026-06-30T23:59:59.999Z',
    });
    expect(restamped.UpdateExpression).not.toContain('lastRefreshedAt');
    const seen = inputs.find((i) => i.Key!.pk === 'rec#tiktok:video:2')!;
    expect(seen.ExpressionAttributeValues).toMatchObject({ ':policyVersion': 2, ':lastRefreshedAt': '2026-01-05T00:00:00.000Z' });
  });

  it('lets an erasure tombstone replace a tombstone of another reason, and only an erasure', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).resolves({});

    // Act
    await ledger().tombstone('tiktok:video:9', tombstoneFor('9', { reason: 'erasure' }));
    await ledger().tombstone('tiktok:video:9', tombstoneFor('9', { reason: 'unavailable' }));

    // Assess
    const [erasure, other] = docMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems![1]!.Put!);
    expect(erasure!.ConditionExpression).toBe('attribute_not_exists(pk) OR #reason <> :erasure');
    expect(erasure!.ExpressionAttributeValues).toEqual({ ':erasure': 'erasure' });
    expect(other!.ConditionExpression).toBe('attribute_not_exists(pk)');
  });
});
