/** The ledger against DynamoDB Local (real wire protocol, real GSIs and transactions). */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { ensureTables } from '../../../lib/store/bootstrap';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { DynamoDbLedger, recordItem } from '../../../lib/store/dynamodb-ledger';
import { RecordNotFoundError } from '../../../lib/store/retry';
import { activeRecord, hasher, ref, tombstoneFor } from '../../unit/store/fixtures';
import { freshTables, type DynamoFixture } from './support';

let fx: DynamoFixture;
let ledger: DynamoDbLedger;
const meter = new CapacityMeter();

beforeAll(async () => {
  fx = await freshTables('ledger-it');
  meter.attach(fx.client);
  ledger = new DynamoDbLedger(fx.doc, fx.names.ledger, hasher);
});

afterAll(() => {
  fx?.client.destroy();
});

/** 19-digit TikTok ids, as the API sends them (above 2^53: a double would round them). */
function id19(n: number): string {
  return (7_320_768_196_569_599_275n + BigInt(n)).toString();
}

async function dueKeys(before: Date, limit: number): Promise<string[]> {
  const keys: string[] = [];
  for (let shard = 0; shard < ledger.dueShards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await ledger.queryDue(shard, before, { limit, cursor });
      keys.push(...page.records.map((r) => recordKeyOf(r.ref)));
      cursor = page.cursor;
    } while (cursor);
  }
  return keys.sort();
}

describe('DynamoDbLedger on DynamoDB Local', () => {
  it('ensureTables is idempotent and keeps existing items', async () => {
    // Prepare
    await ledger.putRun({ runId: 'r-keep', job: 'collect', startedAt: '2026-01-01T00:00:00.000Z', actor: 'schedule', status: 'running', counts: {} });

    // Act
    const again = await ensureTables(fx.client, fx.names);

    // Assess
    expect(again.created).toEqual([]);
    const table = await fx.client.send(new DescribeTableCommand({ TableName: fx.names.ledger }));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['by-spec', 'children', 'due']);
    expect(await ledger.getRun('r-keep')).toMatchObject({ runId: 'r-keep', status: 'running' });
  });

  it('round-trips records with 19-digit ids exactly', async () => {
    // Prepare
    const records = [activeRecord(id19(1)), activeRecord('9223372036854775807', { parentKey: 'tiktok:user:abc', platformCreatedAt: 1_735_689_600 })];

    // Act
    await ledger.putRecords(records, () => '2026-01-13T00:00:00.000Z');
    const found = await ledger.getRecords(records.map((r) => r.ref));

    // Assess
    expect(found.size).toBe(2);
    expect(found.get(`tiktok:video:${id19(1)}`)).toEqual(records[0]);
    expect(found.get('tiktok:video:9223372036854775807')).toEqual(records[1]);
  });

  it('putRecords twice leaves one item', async () => {
    // Prepare
    const record = activeRecord(id19(2));

    // Act
    await ledger.putRecords([record], () => '2026-01-13T00:00:00.000Z');
    await ledger.putRecords([record], () => '2026-01-13T00:00:00.000Z');

    // Assess
    const items = await fx.doc.send(
      new QueryCommand({ TableName: fx.names.ledger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `rec#tiktok:video:${id19(2)}` } }),
    );
    expect(items.Count).toBe(1);
  });

  it('updateRecords fails clearly on a missing record and creates nothing', async () => {
    // Prepare
    const missing = `tiktok:video:${id19(404)}`;
    await ledger.putRecords([activeRecord(id19(3))], () => '2026-01-13T00:00:00.000Z');

    // Act
    const result = ledger.updateRecords([
      { kind: 'seen', key: `tiktok:video:${id19(3)}`, at: '2026-01-05T00:00:00.000Z', refreshDueAt: '2026-01-20T00:00:00.000Z', nextActionAt: '2026-01-17T00:00:00.000Z' },
      { kind: 'missed', key: missing, at: '2026-01-05T00:00:00.000Z', missCount: 1 },
    ]);

    // Assess
    await expect(result).rejects.toThrow(RecordNotFoundError);
    await expect(result).rejects.toThrow(missing);
    const ghost = await fx.doc.send(new GetCommand({ TableName: fx.names.ledger, Key: { pk: `rec#${missing}`, sk: 'rec' } }));
    expect(ghost.Item).toBeUndefined();
    const updated = (await ledger.getRecords([ref(id19(3))])).get(`tiktok:video:${id19(3)}`) as ActiveRecord;
    expect(updated).toMatchObject({ lastSeenAt: '2026-01-05T00:00:00.000Z', lastRefreshedAt: '2026-01-05T00:00:00.000Z', refreshDueAt: '2026-01-20T00:00:00.000Z' });
  });

  it('tombstone replaces the record atomically: content-free, out of due and children, idempotent', async () => {
    // Prepare
    const parent = 'tiktok:user:tomb-parent';
    const doomed = activeRecord(id19(10), { parentKey: parent });
    const sibling = activeRecord(id19(11), { parentKey: parent });
    await ledger.putRecords([doomed, sibling], () => '2026-01-02T00:00:00.000Z');
    const key = recordKeyOf(doomed.ref);
    const tomb = tombstoneFor(id19(10), { reason: 'erasure' });

    // Act
    await ledger.tombstone(key, tomb);
    await ledger.tombstone(key, { ...tomb, purgedAt: '2026-02-01T00:00:00.000Z' }); // already tombstoned
    await ledger.tombstone(`tiktok:video:${id19(12)}`, tombstoneFor(id19(12))); // never stored

    // Assess
    const found = await ledger.getRecords([doomed.ref]);
    expect(found.get(key)).toEqual(tomb); // the first tombstone is kept
    const raw = await fx.doc.send(new GetCommand({ TableName: fx.names.ledger, Key: { pk: `tomb#${tomb.recordHash}`, sk: 'tomb' } }));
    expect(Object.keys(raw.Item!).sort()).toEqual(
      ['evidenceRef', 'kind', 'pk', 'platform', 'policyId', 'policyVersion', 'purgedAt', 'reason', 'recordHash', 'sk', 'status'].sort(),
    );
    expect(JSON.stringify(raw.Item)).not.toContain(id19(10));
    const record = await fx.doc.send(new GetCommand({ TableName: fx.names.ledger, Key: { pk: `rec#${key}`, sk: 'rec' } }));
    expect(record.Item).toBeUndefined();
    const children: string[] = [];
    for await (const child of ledger.children(parent)) children.push(recordKeyOf(child.ref));
    expect(children).toEqual([recordKeyOf(sibling.ref)]);
    expect(await dueKeys(new Date('2026-01-03T00:00:00Z'), 100)).not.toContain(key);
  });

  it('recordsOfSpec pages through the active videos of one spec only, and forgets tombstoned ones', async () => {
    // Prepare
    const spec = (n: number, specName: string) =>
      activeRecord(id19(n), { provenance: { ...activeRecord(id19(n)).provenance, specName } });
    const mine = [30, 31, 32, 33, 34].map((n) => spec(n, 'spec-walk'));
    const comment = activeRecord(id19(35), { ref: { platform: 'tiktok', kind: 'comment', id: id19(35) }, provenance: { ...mine[0]!.provenance } });
    await ledger.putRecords([...mine, spec(36, 'other-spec'), comment], () => '2026-01-02T00:00:00.000Z');
    await ledger.tombstone(recordKeyOf(mine[4]!.ref), tombstoneFor(id19(34)));

    // Act
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ledger.recordsOfSpec('spec-walk', { limit: 2, ...(cursor ? { cursor } : {}) });
      keys.push(...page.keys);
      cursor = page.cursor;
    } while (cursor);

    // Assess: videos only (the comment has no spec key), no other spec, no tombstone
    expect(keys.sort()).toEqual(mine.slice(0, 4).map((r) => recordKeyOf(r.ref)).sort());
  });

  it('recordsOfSpec walks videos indexed on by-spec before spec lists, then the lists, each once; new videos skip the index', async () => {
    // Prepare: two videos as written before spec lists (specKey, no list), three written now
    const spec = (n: number) => activeRecord(id19(n), { provenance: { ...activeRecord(id19(n)).provenance, specName: 'spec-mixed' } });
    const legacy = [40, 41].map(spec);
    for (const record of legacy) {
      await fx.doc.send(new PutCommand({ TableName: fx.names.ledger, Item: { ...recordItem(record, '2026-01-02T00:00:00.000Z'), specKey: 'spec-mixed' } }));
    }
    const fresh = [42, 43, 44].map(spec);
    await ledger.putRecords(fresh, () => '2026-01-02T00:00:00.000Z');

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await ledger.recordsOfSpec('spec-mixed', { limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.keys);
      cursor = page.cursor;
    } while (cursor);
    const indexed = await fx.doc.send(
      new QueryCommand({ TableName: fx.names.ledger, IndexName: 'by-spec', KeyConditionExpression: 'specKey = :s', ExpressionAttributeValues: { ':s': 'spec-mixed' } }),
    );

    // Assess: every video once, legacy first; no page is empty but the last; the index holds only the legacy two
    expect(pages.flat()).toEqual([...legacy, ...fresh].map((r) => recordKeyOf(r.ref)));
    expect(pages.slice(0, -1).every((p) => p.length > 0)).toBe(true);
    expect(indexed.Items?.map((i) => i.pk).sort()).toEqual(legacy.map((r) => `rec#${recordKeyOf(r.ref)}`));
  });

  it('queryDue returns exactly the due records across all shards and pages, without a Scan', async () => {
    // Prepare: a fresh ledger table so other tests' records do not count.
    const own = await freshTables('due-it');
    const dueLedger = new DynamoDbLedger(own.doc, own.names.ledger, hasher);
    const ownMeter = new CapacityMeter();
    ownMeter.attach(own.client);
    const records = Array.from({ length: 80 }, (_, i) => activeRecord(id19(1000 + i)));
    const at = (r: ActiveRecord) => (Number(r.ref.id.slice(-3)) % 2 === 0 ? '2026-01-10T00:00:00.000Z' : '2026-01-20T00:00:00.000Z');
    await dueLedger.putRecords(records, at);
    const expected = records.filter((r) => at(r) < '2026-01-15').map((r) => recordKeyOf(r.ref)).sort();
    ownMeter.reset();

    // Act
    const keys: string[] = [];
    for (let shard = 0; shard < dueLedger.dueShards; shard++) {
      let cursor: string | undefined;
      do {
        const page = await dueLedger.queryDue(shard, new Date('2026-01-15T00:00:00Z'), { limit: 2, cursor });
        keys.push(...page.records.map((r) => recordKeyOf(r.ref)));
        cursor = page.cursor;
      } while (cursor);
    }

    // Assess
    expect(keys.sort()).toEqual(expected);
    expect(expected).toHaveLength(40);
    expect(ownMeter.count('ScanCommand')).toBe(0);
    expect(ownMeter.count('QueryCommand')).toBeGreaterThan(16); // some shard needed more than one page
    own.client.destroy();
  });

  it('adds quota atomically under 20 concurrent adds', async () => {
    // Prepare
    const adds = Array.from({ length: 20 }, () => ({ requests: 1, records: 100 }));

    // Act
    const results = await Promise.all(adds.map((d) => ledger.addQuotaUsage('research', '2026-01-05', d)));

    // Assess
    expect(await ledger.getQuotaUsage('research', '2026-01-05')).toEqual({ source: 'research', day: '2026-01-05', requests: 20, records: 2000 });
    // ALL_NEW of an atomic ADD: every caller saw a distinct running total.
    expect(results.map((r) => r.requests).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await ledger.getQuotaUsage('research', '2026-01-06')).toEqual({ source: 'research', day: '2026-01-06', requests: 0, records: 0 });
  });

  it('round-trips checkpoints with 64-bit ids in their state, and runs', async () => {
    // Prepare
    const checkpoint = {
      specName: 'climate',
      runId: 'collect-1',
      state: { cursor: 1_704_067_200, searchId: 7_320_768_196_569_599_275n, hasMore: true },
      inFlight: { ids: [`tiktok:video:${id19(5)}`], logId: 'LOG' },
      updatedAt: '2026-01-01T00:00:00.000Z',
      done: false,
    };

    // Act
    await ledger.putCheckpoint(checkpoint);
    const read = await ledger.getCheckpoint('climate');

    // Assess
    expect(read).toEqual(checkpoint);
    expect(await ledger.getCheckpoint('nope')).toBeUndefined();
    expect(await ledger.getRun('nope')).toBeUndefined();
  });

  it('reads many checkpoints at once (more than one BatchGetItem holds), leaving out names with none', async () => {
    // Prepare: 130 checkpoints, every other one with a state
    const names = Array.from({ length: 130 }, (_, n) => `many-${n}`);
    const written = names.map((specName, n) => ({
      specName,
      runId: `run-${n}`,
      state: n % 2 === 0 ? { n, id: 7_320_768_196_569_599_275n } : undefined,
      updatedAt: '2026-01-02T00:00:00.000Z',
      done: n % 3 === 0,
    }));
    for (const checkpoint of written) await ledger.putCheckpoint(checkpoint);

    // Act: every name (one twice) and two that have no checkpoint
    const read = await ledger.getCheckpoints([...names, names[0]!, 'many-none', 'nope']);

    // Assess: each as getCheckpoint reads it
    expect([...read.keys()].sort()).toEqual([...names].sort());
    for (const checkpoint of written) expect({ name: checkpoint.specName, read: read.get(checkpoint.specName) }).toEqual({ name: checkpoint.specName, read: await ledger.getCheckpoint(checkpoint.specName) });
    expect(read.get('many-2')).toEqual({ specName: 'many-2', runId: 'run-2', state: { n: 2, id: 7_320_768_196_569_599_275n }, updatedAt: '2026-01-02T00:00:00.000Z', done: false });
    expect(await ledger.getCheckpoints([])).toEqual(new Map());
  });

  it('never scanned during this suite', () => {
    // Prepare / Act: the whole suite ran through the meter.
    const report = meter.report();

    // Assess
    expect(report.commands.ScanCommand ?? 0).toBe(0);
    expect(report.commands.QueryCommand).toBeGreaterThan(0);
  });
});
