import 'aws-sdk-client-mock-jest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { GENESIS_HASH, verifyChain, type AuditEvent, type ChainedAuditEvent } from '../../../lib/domain/audit';
import { ManualClock } from '../../../lib/domain/clock';
import { BadInputError } from '../../../lib/domain/errors';
import { auditItem, DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import { AuditOverwriteError } from '../../../lib/store/retry';
import { auditEvent, hasher } from './fixtures';

const docMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'steward-test-audit';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }), { marshallOptions: { removeUndefinedValues: true } });

function auditLog(): DynamoDbAuditLog {
  return new DynamoDbAuditLog(doc, TABLE, { clock: new ManualClock('2026-01-01T00:00:00Z'), retry: { sleep: async () => undefined } });
}

/** Events written (conditional puts to `chain#` partitions), in the order they were sent. */
function writtenEvents(): ChainedAuditEvent[] {
  return docMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item as ChainedAuditEvent & { pk: string })
    .filter((item) => item.pk.startsWith('chain#'));
}

afterEach(() => {
  docMock.reset();
});

describe('Class: DynamoDbAuditLog', () => {
  describe('Method: chain', () => {
    it('opens a new chain at genesis and registers it', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] });
      docMock.on(PutCommand).resolves({});
      const log = auditLog();

      // Act
      const writer = await log.chain('collect-1');
      const [first] = await writer.append([auditEvent()]);

      // Assess
      expect(docMock).toHaveReceivedCommandWith(QueryCommand, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'chain#collect-1' },
        ScanIndexForward: false,
        Limit: 1,
      });
      expect(docMock).toHaveReceivedCommandWith(PutCommand, { Item: { pk: 'chains', sk: 'collect-1', openedAt: '2026-01-01T00:00:00.000Z' }, ConditionExpression: 'attribute_not_exists(pk)' });
      expect(first).toMatchObject({ chainId: 'collect-1', seq: 1, prevHash: GENESIS_HASH });
    });

    it('resumes an existing chain at its head', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [{ pk: 'chain#run', sk: '000000000007', seq: 7, hash: 'h7' }] });
      docMock.on(PutCommand).resolves({});

      // Act
      const writer = await auditLog().chain('run');
      const [next] = await writer.append([auditEvent()]);

      // Assess
      expect(next).toMatchObject({ seq: 8, prevHash: 'h7' });
      expect(writtenEvents()[0]).toMatchObject({ pk: 'chain#run', sk: '000000000008' });
    });
  });

  describe('Method: append', () => {
    it('refuses content-bearing events before writing anything', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] });
      docMock.on(PutCommand).resolves({});
      const writer = await auditLog().chain('run');
      const withContent = { ...auditEvent(), video_description: 'the caption text' } as unknown as AuditEvent;
      const nested = auditEvent({ evidence: { body: { text: 'hi' } as unknown as string } });

      // Act
      const first = writer.append([auditEvent(), withContent]);
      const second = writer.append([nested]);

      // Assess
      await expect(first).rejects.toThrow(BadInputError);
      await expect(first).rejects.toThrow(/video_description/);
      await expect(second).rejects.toThrow(BadInputError);
      expect(writtenEvents()).toEqual([]);
    });

    it('writes every event with a conditional put, a chunk of 25 stored before the next one starts', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] });
      const sent: number[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      docMock.on(PutCommand).callsFake(async (input: { Item: { pk: string; seq: number } }) => {
        if (!input.Item.pk.startsWith('chain#')) return {};
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(input.Item.seq);
        inFlight -= 1;
        return {};
      });
      const writer = await auditLog().chain('run');
      const events = Array.from({ length: 60 }, (_, i) =>
        auditEvent({ at: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`, recordHash: hasher.hash(`tiktok:video:${i}`) }),
      );

      // Act
      const linked = await writer.append(events);

      // Assess
      expect(maxInFlight).toBe(25);
      expect(sent.slice(0, 25).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(sent.slice(25, 50).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 26));
      for (const call of docMock.commandCalls(PutCommand)) expect(call.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(verifyChain(linked)).toEqual([]);
    });

    it('refuses to overwrite an event that holds another hash, and accepts its own earlier write (a retried request)', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] });
      const taken = (hash: string) => Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), { Item: { hash: { S: hash } } });
      let mine = '';
      docMock.on(PutCommand).callsFake(async (input: { Item: { pk: string; seq: number; hash: string } }) => {
        if (!input.Item.pk.startsWith('chain#')) return {};
        if (input.Item.seq === 1) {
          mine = input.Item.hash;
          throw taken(mine);
        }
        throw taken('f'.repeat(64));
      });
      const writer = await auditLog().chain('run');

      // Act
      const first = await writer.append([auditEvent()]);
      const second = writer.append([auditEvent()]);

      // Assess
      expect(first[0]!.hash).toBe(mine);
      await expect(second).rejects.toThrow(AuditOverwriteError);
      await expect(second).rejects.toThrow(/refused to overwrite chain run seq 2/);
    });

    it('re-reads the head after a failed append', async () => {
      // Prepare
      docMock.on(QueryCommand).resolvesOnce({ Items: [] }).resolves({ Items: [{ seq: 3, hash: 'h3' }] });
      let failed = false;
      docMock.on(PutCommand).callsFake(async (input: { Item: { pk: string } }) => {
        if (input.Item.pk.startsWith('chain#') && !failed) {
          failed = true;
          throw new Error('network');
        }
        return {};
      });
      const writer = await auditLog().chain('run');

      // Act
      await expect(writer.append([auditEvent()])).rejects.toThrow('network');
      const [next] = await writer.append([auditEvent()]);

      // Assess
      expect(next).toMatchObject({ seq: 4, prevHash: 'h3' });
    });
  });

  describe('Function: auditItem', () => {
    it('adds the index attributes: by-record only with a record, by-researcher only for researchers', () => {
      // Prepare
      const base = { chainId: 'c', seq: 12, prevHash: GENESIS_HASH, hash: 'h' };
      const scheduled = { ...auditEvent({ recordHash: 'a'.repeat(32) }), ...base };
      const researcher = { ...auditEvent({ actor: { type: 'researcher', name: 'ana' }, action: 'erasure.requested' }), ...base };

      // Act
      const a = auditItem(scheduled);
      const b = auditItem(researcher);

      // Assess
      expect(a).toMatchObject({ pk: 'chain#c', sk: '000000000012', recordSk: '2026-01-01T00:00:00.000Z#c#000000000012', researcher: undefined });
      expect(a.timeShard).toMatch(/^2026-01-01#[0-3]$/);
      expect(b.recordSk).toBeUndefined();
      expect(b.researcher).toBe('ana');
    });
  });

  describe('Method: byAction', () => {
    it('walks every day and shard of by-time with a filter on action, and merges in time order', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] }); // every other shard and day: empty (sinon: the last matching stub wins)
      const ev = (at: string, seq: number) => auditItem({ ...auditEvent({ at, action: 'record.purged' }), chainId: 'p', seq, prevHash: 'x', hash: `h${seq}` });
      docMock.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '2026-01-01#2' } }).resolves({ Items: [ev('2026-01-01T10:00:00.000Z', 2)] });
      docMock.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '2026-01-01#0' } }).resolves({ Items: [ev('2026-01-01T09:00:00.000Z', 1)] });
      docMock.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '2026-01-02#1' } }).resolves({ Items: [ev('2026-01-02T01:00:00.000Z', 3)] });

      // Act
      const page1 = await auditLog().byAction('record.purged', { since: '2026-01-01T00:00:00Z', until: '2026-01-03T00:00:00Z', limit: 2 });
      const page2 = await auditLog().byAction('record.purged', { since: '2026-01-01T00:00:00Z', until: '2026-01-03T00:00:00Z', limit: 2, cursor: page1.cursor });

      // Assess
      expect(page1.events.map((e) => e.seq)).toEqual([1, 2]);
      expect(page1.cursor).toBeDefined();
      expect(page2.events.map((e) => e.seq)).toEqual([3]);
      expect(page2.cursor).toBeUndefined();
      expect(page1.events[0]).not.toHaveProperty('timeShard');
      const shards = docMock.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues![':shard']);
      expect(shards.slice(0, 4)).toEqual(['2026-01-01#0', '2026-01-01#1', '2026-01-01#2', '2026-01-01#3']);
      const input = docMock.commandCalls(QueryCommand)[0]!.args[0].input;
      expect(input).toMatchObject({ IndexName: 'by-time', FilterExpression: '#action = :action', ExpressionAttributeValues: { ':action': 'record.purged' } });
    });
  });

  describe('Query bounds', () => {
    it('accept YYYY-MM-DD days, normalise times, and refuse since after until', async () => {
      // Prepare
      docMock.on(QueryCommand).resolves({ Items: [] });
      const log = auditLog();

      // Act
      await log.byActor('ana', { since: '2026-01-01', until: '2026-01-02T00:00:00+01:00' });
      const reversed = log.byRecord('a'.repeat(32), { since: '2026-02-01', until: '2026-01-01' });
      const garbage = log.byActor('ana', { since: 'last tuesday' });

      // Assess
      expect(docMock.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues).toEqual({
        ':p': 'ana',
        ':since': '2026-01-01T00:00:00.000Z',
        ':until': '2026-01-01T23:00:00.000Z',
      });
      await expect(reversed).rejects.toThrow(/is after until/);
      await expect(garbage).rejects.toThrow(BadInputError);
      expect(docMock).toHaveReceivedCommandTimes(QueryCommand, 1);
    });
  });
});
