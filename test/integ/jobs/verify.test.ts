/**
 * `verify` on DynamoDB Local and s3rver: an intact history verifies; every kind of tampering with the audit table
 * (UpdateItem, DeleteItem, PutItem through the document client, as someone with table access would) is reported,
 * including a whole chain deleted; and the ledger/storage cross-checks find orphans, leftovers and overdue records.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chainHash, type AuditEvent } from '../../../lib/domain/audit';
import { objectKeyOf, parseRecordKey } from '../../../lib/domain/records';
import { verify, type VerifyReport } from '../../../lib/jobs/verify';
import { auditKeys } from '../../../lib/store/tables';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { auditTableOf, collectRecords, DAY, purgeRecord, rawDoc, refreshRecords, run, videoKey } from '../../support/compliance-world';

interface World {
  fx: LocalJobFixture;
  doc: DynamoDBDocumentClient;
  table: string;
}

const fixtures: Array<{ destroy(): void }> = [];
afterAll(() => fixtures.forEach((f) => f.destroy()));

/**
 * Three runs: a finished collect (4 videos), a finished purge (1 of them), and a refresh that is still running
 * (its chain open). Everything consistent: verify finds nothing.
 */
async function world(): Promise<World> {
  const fx = await localJobContext({ now: '2026-03-01T12:00:00Z' });
  const raw = rawDoc();
  fixtures.push(fx, raw);
  const { ctx, clock } = fx;
  await run(ctx, 'collect-1', async (chain) => {
    await collectRecords(ctx, chain, [videoKey(1), videoKey(2), videoKey(3), videoKey(4)]);
  });
  clock.advance(DAY);
  await run(ctx, 'purge-1', async (chain) => {
    await purgeRecord(ctx, chain, videoKey(4), 'unavailable');
  });
  clock.advance(DAY);
  await run(ctx, 'refresh-1', async (chain) => refreshRecords(ctx, chain, [videoKey(1), videoKey(2)]), { finish: false });
  return { fx, doc: raw.doc, table: auditTableOf(ctx) };
}

const key = (chainId: string, seq: number) => ({ pk: auditKeys.chainPk(chainId), sk: auditKeys.seqSk(seq) });

async function item(w: World, chainId: string, seq: number): Promise<Record<string, any>> {
  const out = await w.doc.send(new GetCommand({ TableName: w.table, Key: key(chainId, seq) }));
  if (!out.Item) throw new Error(`no item ${chainId}#${seq}`);
  return out.Item;
}

async function partition(w: World, pk: string): Promise<Array<Record<string, any>>> {
  const out = await w.doc.send(new QueryCommand({ TableName: w.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }));
  return out.Items ?? [];
}

const messages = (report: VerifyReport) => report.violations.map((v) => v.message);

describe('verify', () => {
  it('passes on an intact history and reports what it checked', async () => {
    // Prepare
    const w = await world();

    // Act
    const report = await verify(w.fx.ctx);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.audit).toMatchObject({ chains: 3, events: 6 + 3 + 3 });
    // A seal per open, a close seal per finished run.
    expect(report.audit.seals).toBe(3 + 2);
    expect(report.audit.head).toEqual({ seq: 5, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(report.ledger).toEqual({ active: 3, tombstoned: 1, pendingPurges: 0 });
    expect(report.storage.objects).toBe(3);
  });

  type Tamper = (w: World) => Promise<void>;
  const cases: Array<[string, Tamper, RegExp]> = [
    [
      'an event edited (UpdateItem on a field)',
      async (w) => {
        await w.doc.send(new UpdateCommand({ TableName: w.table, Key: key('purge-1', 2), UpdateExpression: 'SET reason = :r', ExpressionAttributeValues: { ':r': 'erasure' } }));
      },
      /chain purge-1 seq 2: content does not match its hash/,
    ],
    [
      'an evidence value edited',
      async (w) => {
        await w.doc.send(
          new UpdateCommand({ TableName: w.table, Key: key('collect-1', 2), UpdateExpression: 'SET evidence.logId = :l', ExpressionAttributeValues: { ':l': 'forged' } }),
        );
      },
      /chain collect-1 seq 2: content does not match its hash/,
    ],
    [
      'an index attribute moved to hide an event from time queries',
      async (w) => {
        await w.doc.send(new UpdateCommand({ TableName: w.table, Key: key('purge-1', 2), UpdateExpression: 'SET timeShard = :t', ExpressionAttributeValues: { ':t': '1999-01-01#0' } }));
      },
      /chain purge-1 seq 2: content does not match its hash/,
    ],
    [
      'an event deleted in the middle of a chain',
      async (w) => {
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: key('collect-1', 3) }));
      },
      /chain collect-1: expected seq 3, found 4/,
    ],
    [
      'the last event of a finished chain deleted',
      async (w) => {
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: key('purge-1', 3) }));
      },
      /chain purge-1: seal #\d+ \(close\) commits to seq 3, which is missing/,
    ],
    [
      'the first event of a running chain deleted',
      async (w) => {
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: key('refresh-1', 1) }));
      },
      /chain refresh-1: expected seq 1, found 2/,
    ],
    [
      'every event of a running chain deleted',
      async (w) => {
        for (const it of await partition(w, auditKeys.chainPk('refresh-1'))) await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: it.pk, sk: it.sk } }));
      },
      /chain refresh-1: opened at seal #\d+ but holds no events/,
    ],
    [
      'two events swapped (PutItem each at the other one’s key)',
      async (w) => {
        const [a, b] = [await item(w, 'collect-1', 2), await item(w, 'collect-1', 3)];
        await w.doc.send(new PutCommand({ TableName: w.table, Item: { ...b, sk: a.sk } }));
        await w.doc.send(new PutCommand({ TableName: w.table, Item: { ...a, sk: b.sk } }));
      },
      /chain collect-1: expected seq 2, found 3/,
    ],
    [
      'two events swapped with their seqs rewritten',
      async (w) => {
        const [a, b] = [await item(w, 'collect-1', 2), await item(w, 'collect-1', 3)];
        await w.doc.send(new PutCommand({ TableName: w.table, Item: { ...b, sk: a.sk, seq: 2 } }));
        await w.doc.send(new PutCommand({ TableName: w.table, Item: { ...a, sk: b.sk, seq: 3 } }));
      },
      /chain collect-1 seq 2: (prevHash does not match|content does not match)/,
    ],
    [
      'an event forged after a finished chain, correctly linked',
      async (w) => {
        const last = await item(w, 'purge-1', 3);
        const forged: AuditEvent = { at: last.at, action: 'record.purged', actor: { type: 'schedule', name: 'schedule' }, runId: 'purge-1', reason: 'expired' };
        const linked = { ...forged, chainId: 'purge-1', seq: 4, prevHash: last.hash, hash: chainHash(forged, 'purge-1', 4, last.hash) };
        await w.doc.send(new PutCommand({ TableName: w.table, Item: { ...key('purge-1', 4), ...linked } }));
      },
      /chain purge-1: events after seq 3, where the chain was closed, without reopening it/,
    ],
    [
      'a whole finished chain deleted, with its registry item',
      async (w) => {
        for (const it of await partition(w, auditKeys.chainPk('purge-1'))) await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: it.pk, sk: it.sk } }));
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: auditKeys.registryPk, sk: 'purge-1' } }));
      },
      /chain purge-1: seal #\d+ \(close\) commits to seq 3, which is missing/,
    ],
    [
      'a whole chain and its seals deleted',
      async (w) => {
        for (const it of await partition(w, auditKeys.chainPk('purge-1'))) await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: it.pk, sk: it.sk } }));
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: auditKeys.registryPk, sk: 'purge-1' } }));
        for (const seal of await partition(w, auditKeys.sealPk)) {
          if (seal.chainId === 'purge-1') await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: seal.pk, sk: seal.sk } }));
        }
      },
      /seal log: expected seal #\d+, found #\d+/,
    ],
    [
      'the newest seal deleted, when it is the close of the last run',
      async (w) => {
        const { ctx } = w.fx;
        const resumed = await ctx.audit.chain('refresh-1');
        await resumed.append([{ at: ctx.clock.now().toISOString(), action: 'run.finished', actor: ctx.actor, runId: 'refresh-1' }]);
        const newest = (await partition(w, auditKeys.sealPk)).pop()!;
        expect(newest).toMatchObject({ kind: 'close', chainId: 'refresh-1' });
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: newest.pk, sk: newest.sk } }));
      },
      /chain refresh-1: finished at seq 4 but no seal commits to it/,
    ],
    [
      'the newest seal deleted, when it is the open of a running chain',
      async (w) => {
        const newest = (await partition(w, auditKeys.sealPk)).pop()!;
        expect(newest).toMatchObject({ kind: 'open', chainId: 'refresh-1' });
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: newest.pk, sk: newest.sk } }));
      },
      /chain refresh-1: holds 3 event\(s\) but the seal log never opened it/,
    ],
    [
      'a seal edited',
      async (w) => {
        await w.doc.send(
          new UpdateCommand({ TableName: w.table, Key: { pk: auditKeys.sealPk, sk: auditKeys.seqSk(2) }, UpdateExpression: 'SET chainSeq = :s', ExpressionAttributeValues: { ':s': 5 } }),
        );
      },
      /seal log #2: content does not match its hash/,
    ],
    [
      'a chain registry item deleted',
      async (w) => {
        await w.doc.send(new DeleteCommand({ TableName: w.table, Key: { pk: auditKeys.registryPk, sk: 'collect-1' } }));
      },
      /chain collect-1: sealed but missing from the chain registry/,
    ],
  ];

  it.each(cases)('detects %s', async (_what, tamper, expected) => {
    // Prepare
    const w = await world();
    expect((await verify(w.fx.ctx)).ok).toBe(true);

    // Act
    await tamper(w);
    const report = await verify(w.fx.ctx);

    // Assess
    expect(report.ok).toBe(false);
    expect(messages(report)).toContainEqual(expect.stringMatching(expected));
    // Deleting refresh events also shows as deadlines the log no longer allows (`every event of a running chain`);
    // deleted seals are also missing against their anchors outside the table (verify-anchors.test.ts).
    expect(report.violations.every((v) => ['audit-log', 'deadline-beyond-log', 'audit-anchor'].includes(v.kind))).toBe(true);
  });

  it('cross-checks ledger and storage: orphan object, missing object, purged object left behind, overdue record', async () => {
    // Prepare
    const w = await world();
    const { ctx, clock } = w.fx;
    const purgedKey = videoKey(4);
    const missingKey = videoKey(2);
    await ctx.objects.put('records/tiktok/video/999.json', '{"orphan":true}');
    await ctx.objects.put(objectKeyOf(parseRecordKey(purgedKey)), '{"resurrected":true}');
    await ctx.objects.deleteAllVersions(objectKeyOf(parseRecordKey(missingKey)));
    await ctx.objects.put('exports/unrelated.csv', 'not a record');

    // Act
    clock.advance(20 * DAY); // past every 15-day refresh deadline
    const report = await verify(ctx);

    // Assess
    const byKind = (kind: string) => report.violations.filter((v) => v.kind === kind);
    expect(byKind('object-without-record')).toEqual([expect.objectContaining({ objectKey: 'records/tiktok/video/999.json' })]);
    expect(byKind('record-without-object')).toEqual([expect.objectContaining({ recordHash: ctx.hasher.hash(missingKey) })]);
    expect(byKind('purged-object-left')).toEqual([
      expect.objectContaining({ recordHash: ctx.hasher.hash(purgedKey), message: expect.stringMatching(/purged \(unavailable, purge-1#2\) but storage still holds 1 version/) }),
    ]);
    expect(byKind('overdue').map((v) => v.recordHash).sort()).toEqual([videoKey(1), videoKey(2), videoKey(3)].map((k) => ctx.hasher.hash(k)).sort());
    expect(byKind('audit-log')).toEqual([]);
  });

  it('cross-checks ledger and audit log: a deleted tombstone, a tombstone pointing at another event', async () => {
    // Prepare
    const w = await world();
    const { ctx } = w.fx;
    await run(ctx, 'purge-2', async (chain) => {
      await purgeRecord(ctx, chain, videoKey(3), 'erasure', { rule: 'erasure-request' });
    });
    const ledgerTable = (ctx.ledger as unknown as { tableName: string }).tableName;
    await w.doc.send(new DeleteCommand({ TableName: ledgerTable, Key: { pk: `tomb#${ctx.hasher.hash(videoKey(3))}`, sk: 'tomb' } }));
    await w.doc.send(
      new UpdateCommand({
        TableName: ledgerTable,
        Key: { pk: `tomb#${ctx.hasher.hash(videoKey(4))}`, sk: 'tomb' },
        UpdateExpression: 'SET evidenceRef = :e',
        ExpressionAttributeValues: { ':e': 'collect-1#2' },
      }),
    );

    // Act
    const report = await verify(ctx);

    // Assess
    expect(report.violations.map((v) => [v.kind, v.recordHash])).toEqual(
      expect.arrayContaining([
        ['purge-without-tombstone', ctx.hasher.hash(videoKey(3))],
        ['tombstone-evidence', ctx.hasher.hash(videoKey(4))],
      ]),
    );
  });

  describe('the audit history against the ledger and storage', () => {
    const ledgerItem = (ctx: LocalJobFixture['ctx'], recordKey: string) => ({ TableName: (ctx.ledger as unknown as { tableName: string }).tableName, Key: { pk: `rec#${recordKey}`, sk: 'rec' } });

    it('a record deleted from the ledger together with its object, without a purge event, is named as vanished', async () => {
      // Prepare: no orphan object, no missing object left for the storage checks to find
      const w = await world();
      const { ctx } = w.fx;
      await w.doc.send(new DeleteCommand(ledgerItem(ctx, videoKey(3))));
      await ctx.objects.deleteAllVersions(objectKeyOf(parseRecordKey(videoKey(3))));

      // Act
      const report = await verify(ctx);

      // Assess
      expect(report.violations).toEqual([
        expect.objectContaining({ kind: 'record-vanished', recordHash: ctx.hasher.hash(videoKey(3)), recordKind: 'video', message: expect.stringMatching(/never purged, but the ledger holds neither the record nor a tombstone/) }),
      ]);
    });

    it('a refresh deadline pushed later than the log allows is named, with the deadline the log allows', async () => {
      const w = await world();
      const { ctx } = w.fx;
      const pushed = new Date(Date.parse(ctx.clock.now().toISOString()) + 60 * DAY).toISOString();
      await w.doc.send(new UpdateCommand({ ...ledgerItem(ctx, videoKey(3)), UpdateExpression: 'SET refreshDueAt = :d', ExpressionAttributeValues: { ':d': pushed } }));

      const report = await verify(ctx);

      // videoKey(3) was collected on day 0 and never refreshed: due 15 days after collection.
      expect(report.violations).toEqual([
        expect.objectContaining({ kind: 'deadline-beyond-log', recordHash: ctx.hasher.hash(videoKey(3)), recordKind: 'video', message: expect.stringContaining(`promises a refresh by ${pushed}, but the log last saw it 2026-03-01T12:00:00.000Z`) }),
      ]);
      expect(report.violations[0]!.message).toContain('due by 2026-03-16T12:00:00.000Z');
    });

    it('stored content is hashed against the ledger: an edited contentSha256 and a rewritten object are named (full pass)', async () => {
      const w = await world();
      const { ctx } = w.fx;
      await w.doc.send(new UpdateCommand({ ...ledgerItem(ctx, videoKey(1)), UpdateExpression: 'SET contentSha256 = :h', ExpressionAttributeValues: { ':h': 'f'.repeat(64) } }));
      await ctx.objects.put(objectKeyOf(parseRecordKey(videoKey(2))), '{"rewritten":true}');

      const report = await verify(ctx, { content: 'full' });

      expect(report.content).toEqual({ mode: 'full', checked: 3, of: 3 });
      expect(report.violations.map((v) => [v.kind, v.recordHash, v.recordKind]).sort()).toEqual(
        [
          ['content-mismatch', ctx.hasher.hash(videoKey(1)), 'video'],
          ['content-mismatch', ctx.hasher.hash(videoKey(2)), 'video'],
        ].sort(),
      );
    });

    it('by default a random sample of the size asked for is hashed, and the report says so', async () => {
      const w = await world();
      const { ctx } = w.fx;
      for (const n of [1, 2, 3]) await ctx.objects.put(objectKeyOf(parseRecordKey(videoKey(n))), `{"rewritten":${n}}`);
      const mismatches = (r: VerifyReport) => r.violations.filter((v) => v.kind === 'content-mismatch').length;

      const one = await verify(ctx, { content: 1 });
      const two = await verify(ctx, { content: 2, randomBelow: () => 0 });
      const byDefault = await verify(ctx);

      expect(one.content).toEqual({ mode: 'sample', checked: 1, of: 3 });
      expect(mismatches(one)).toBe(1);
      expect(two.content).toEqual({ mode: 'sample', checked: 2, of: 3 });
      expect(mismatches(two)).toBe(2);
      expect(byDefault.content).toEqual({ mode: 'sample', checked: 3, of: 3 });
      expect(mismatches(byDefault)).toBe(3);
    });
  });
});

