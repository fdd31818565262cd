/**
 * The seal log under concurrent writers on DynamoDB Local: every open and close lands exactly once at its own seq
 * (conditional puts retried on conflict), the log stays one valid hash chain, and a finishing append is sealed.
 */
import { verifyAuditLog, verifySeals, type ChainSeal } from '../../../lib/domain/audit';
import { ManualClock } from '../../../lib/domain/clock';
import { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import { auditEvent } from '../../unit/store/fixtures';
import { readAuditLog } from '../../../lib/jobs/audit-read';
import { freshTables, type DynamoFixture } from './support';

let fx: DynamoFixture;
let log: DynamoDbAuditLog;

beforeAll(async () => {
  fx = await freshTables('seals-it');
  log = new DynamoDbAuditLog(fx.doc, fx.names.audit, { clock: new ManualClock('2026-01-01T00:00:00Z'), retry: { baseDelayMs: 5 } });
});
afterAll(() => fx?.client.destroy());

describe('the seal log', () => {
  it('takes 8 concurrent writers: one open and one close seal each, in one valid chain', async () => {
    // Act
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const chain = await log.chain(`run-${i}`);
        await chain.append([auditEvent({ action: 'run.started', runId: `run-${i}` }), auditEvent({ runId: `run-${i}` })]);
        await chain.append([auditEvent({ action: 'run.finished', runId: `run-${i}` })]);
      }),
    );

    // Assess
    const seals: ChainSeal[] = [];
    for await (const seal of log.seals()) seals.push(seal);
    expect(seals.map((s) => s.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(verifySeals(seals)).toEqual([]);
    for (let i = 0; i < 8; i++) {
      const mine = seals.filter((s) => s.chainId === `run-${i}`);
      expect(mine.map((s) => [s.kind, s.chainSeq])).toEqual([
        ['open', 0],
        ['close', 3],
      ]);
    }
    expect(verifyAuditLog(await readAuditLog(log))).toEqual([]);
  });

  it('writes a long finishing append in order, its tail in the close seal’s transaction', async () => {
    // Act
    const chain = await log.chain('long');
    const linked = await chain.append([...Array.from({ length: 60 }, () => auditEvent({ runId: 'long' })), auditEvent({ action: 'run.finished', runId: 'long' })]);
    const seal = await chain.seal();

    // Assess
    const stored = (await log.byChain('long', { limit: 1000 })).events;
    expect(stored.map((e) => e.hash)).toEqual(linked.map((e) => e.hash));
    expect(seal).toMatchObject({ kind: 'checkpoint', chainId: 'long', chainSeq: 61, chainHash: linked[60]!.hash });
    expect(verifyAuditLog(await readAuditLog(log))).toEqual([]);
  });

  it('seals after another writer moved the seal log on since this log last wrote it (its remembered head is stale)', async () => {
    // Arrange: this log remembers the head it wrote with the open seal; another log (another process) then seals
    const other = new DynamoDbAuditLog(fx.doc, fx.names.audit, { clock: new ManualClock('2026-01-01T00:00:00Z') });
    const chain = await log.chain('remembered');
    const elsewhere = await other.chain('elsewhere');
    await elsewhere.append([auditEvent({ action: 'run.finished', runId: 'elsewhere' })]);

    // Act
    await chain.append([auditEvent({ action: 'run.finished', runId: 'remembered' })]);

    // Assess: the close seal went to the next free seq, linked to the other log's seal
    const seals: ChainSeal[] = [];
    for await (const seal of log.seals()) seals.push(seal);
    expect(seals.slice(-4).map((s) => [s.chainId, s.kind])).toEqual([
      ['remembered', 'open'],
      ['elsewhere', 'open'],
      ['elsewhere', 'close'],
      ['remembered', 'close'],
    ]);
    expect(verifySeals(seals)).toEqual([]);
    expect(verifyAuditLog(await readAuditLog(log))).toEqual([]);
  });
});
