/** The audit log against DynamoDB Local: chains, tamper evidence, and the three query indexes. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { verifyAuditLog, verifyChain, type AuditEvent, type ChainSeal } from '../../../lib/domain/audit';
import { ManualClock } from '../../../lib/domain/clock';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import { AuditOverwriteError } from '../../../lib/store/retry';
import { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import type { AuditPage, RunRecord } from '../../../lib/store/ports';
import { auditEvent, hasher } from '../../unit/store/fixtures';
import { freshTables, type DynamoFixture } from './support';

let fx: DynamoFixture;
let log: DynamoDbAuditLog;
const meter = new CapacityMeter();

beforeAll(async () => {
  fx = await freshTables('audit-it');
  meter.attach(fx.client);
  log = new DynamoDbAuditLog(fx.doc, fx.names.audit, { clock: new ManualClock('2026-01-01T00:00:00Z') });
});

afterAll(() => {
  fx?.client.destroy();
});

/** Every page of a query, following cursors. */
async function all(query: (cursor?: string) => Promise<AuditPage>): Promise<AuditPage['events']> {
  const events: AuditPage['events'] = [];
  let cursor: string | undefined;
  do {
    const page = await query(cursor);
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return events;
}

const at = (day: number, minute: number) => `2026-01-${String(day).padStart(2, '0')}T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('DynamoDbAuditLog on DynamoDB Local', () => {
  it('appends a chain over several batches; byChain reads it back in order and it verifies', async () => {
    // Prepare
    const writer = await log.chain('collect-a');
    const events = Array.from({ length: 60 }, (_, i) =>
      auditEvent({ at: at(1, i % 60), recordHash: hasher.hash(`tiktok:video:${i}`), kind: 'video', evidence: { logId: `L${i}` } }),
    );

    // Act
    await writer.append(events.slice(0, 30));
    await writer.append(events.slice(30));
    const stored = await all((cursor) => log.byChain('collect-a', { limit: 25, cursor }));

    // Assess
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(verifyChain(stored)).toEqual([]);
    expect(stored[0]).not.toHaveProperty('pk');
    expect(stored[0]).not.toHaveProperty('timeShard');
  });

  it('a resumed chain continues at its head', async () => {
    // Prepare
    await (await log.chain('resume-me')).append([auditEvent({ at: at(2, 0) }), auditEvent({ at: at(2, 1) })]);

    // Act
    const resumed = await log.chain('resume-me');
    const [third] = await resumed.append([auditEvent({ at: at(2, 2) })]);

    // Assess
    expect(third!.seq).toBe(3);
    const chain = (await log.byChain('resume-me')).events;
    expect(verifyChain(chain)).toEqual([]);
    const ids: string[] = [];
    for await (const id of log.chains()) ids.push(id);
    expect(ids).toEqual(expect.arrayContaining(['collect-a', 'resume-me']));
  });

  it('detects an item edited directly in the table', async () => {
    // Prepare
    await (await log.chain('tamper')).append([
      auditEvent({ at: at(3, 0), action: 'record.purged', reason: 'unavailable' }),
      auditEvent({ at: at(3, 1), action: 'record.purged', reason: 'unavailable' }),
      auditEvent({ at: at(3, 2), action: 'record.purged', reason: 'unavailable' }),
    ]);
    expect(verifyChain((await log.byChain('tamper')).events)).toEqual([]);

    // Act
    await fx.doc.send(
      new UpdateCommand({
        TableName: fx.names.audit,
        Key: { pk: 'chain#tamper', sk: '000000000002' },
        UpdateExpression: 'SET reason = :r',
        ExpressionAttributeValues: { ':r': 'erasure' },
      }),
    );
    const problems = verifyChain((await log.byChain('tamper')).events);

    // Assess
    expect(problems).toEqual([expect.stringMatching(/chain tamper seq 2: content does not match its hash/)]);
  });

  it('byRecord returns one record’s events across chains in time order, within since/until', async () => {
    // Prepare
    const recordHash = hasher.hash('tiktok:video:7320768196569599275');
    await (await log.chain('rec-1')).append([auditEvent({ at: at(5, 0), recordHash, action: 'record.collected' })]);
    await (await log.chain('rec-2')).append([
      auditEvent({ at: at(6, 0), recordHash, action: 'record.refreshed' }),
      auditEvent({ at: at(6, 1), recordHash: hasher.hash('tiktok:video:other'), action: 'record.refreshed' }),
      auditEvent({ at: at(7, 0), recordHash, action: 'record.purged', reason: 'unavailable' }),
    ]);

    // Act
    const history = await all((cursor) => log.byRecord(recordHash, { limit: 2, cursor }));
    const window = await log.byRecord(recordHash, { since: at(6, 0), until: at(6, 59) });

    // Assess
    expect(history.map((e) => e.action)).toEqual(['record.collected', 'record.refreshed', 'record.purged']);
    expect(history.every((e) => e.recordHash === recordHash)).toBe(true);
    expect(window.events.map((e) => e.action)).toEqual(['record.refreshed']);
  });

  it('byAction walks days and shards with a filter on action, sorted by time, paged', async () => {
    // Prepare: purges on 3 days in 3 chains, mixed with other actions.
    const purge = (day: number, minute: number): AuditEvent => auditEvent({ at: at(day, minute), action: 'expiry.started', reason: 'project end' });
    await (await log.chain('act-1')).append([purge(10, 5), auditEvent({ at: at(10, 6), action: 'run.started' }), purge(12, 0)]);
    await (await log.chain('act-2')).append([purge(10, 1), purge(11, 30)]);
    await (await log.chain('act-3')).append([purge(13, 0)]); // after `until`

    // Act
    const found = await all((cursor) =>
      log.byAction('expiry.started', { since: '2026-01-10T00:00:00Z', until: '2026-01-12T23:59:59Z', limit: 2, cursor }),
    );

    // Assess
    expect(found.map((e) => e.at)).toEqual([at(10, 1), at(10, 5), at(11, 30), at(12, 0)]);
    expect(found.every((e) => e.action === 'expiry.started')).toBe(true);
  });

  it('byActor returns what a researcher did, and nothing of schedules', async () => {
    // Prepare
    const ana = { type: 'researcher' as const, name: 'ana' };
    await (await log.chain('erase-1')).append([
      auditEvent({ at: at(20, 0), actor: ana, action: 'erasure.requested', reason: 'participant request' }),
      auditEvent({ at: at(20, 1), action: 'record.purged' }),
      auditEvent({ at: at(20, 2), actor: ana, action: 'record.purged' }),
    ]);

    // Act
    const byAna = await log.byActor('ana');
    const bySchedule = await log.byActor('schedule');

    // Assess
    expect(byAna.events.map((e) => e.action)).toEqual(['erasure.requested', 'record.purged']);
    expect(byAna.events.every((e) => e.actor.name === 'ana')).toBe(true);
    expect(bySchedule.events).toEqual([]);
  });

  it('refuses to overwrite: a second writer at the same position is turned away by the condition, and the first event stays', async () => {
    // Prepare: two writers open the same chain at the same head.
    const first = await log.chain('overwrite-race');
    const second = await log.chain('overwrite-race');
    const [kept] = await first.append([auditEvent({ at: at(21, 0), reason: 'first' })]);

    // Act
    const plain = second.append([auditEvent({ at: at(21, 1), reason: 'second' })]);
    // A finishing append goes in one transaction with its close seal: refused as a whole.
    const stale = await log.chain('overwrite-race');
    await first.append([auditEvent({ at: at(21, 3) })]);
    const sealed = stale.append([auditEvent({ at: at(21, 4), action: 'run.finished' })]);

    // Assess
    await expect(plain).rejects.toThrow(AuditOverwriteError);
    await expect(sealed).rejects.toThrow(AuditOverwriteError);
    const stored = (await log.byChain('overwrite-race')).events;
    expect(stored.map((e) => e.reason ?? null)).toEqual(['first', null]);
    expect(stored[0]!.hash).toBe(kept!.hash);
    expect(verifyChain(stored)).toEqual([]);
  });

  it('openChain writes a new chain\'s registry item, first events and open seal in one transaction, only once `after` settled; an existing chain is refused', async () => {
    // Prepare
    const send = jest.spyOn(fx.doc, 'send');
    let release!: () => void;
    const after = new Promise<void>((resolve) => (release = resolve));
    const writes = () => send.mock.calls.map(([command]) => command.constructor.name).filter((name) => name !== 'QueryCommand');

    // Act
    const opening = log.openChain('opened-with-events', [auditEvent({ at: at(5, 0), action: 'run.started', evidence: { sqlDigest: 'd'.repeat(32) } })], { after });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = writes();
    release();
    const writer = await opening;
    const opened = writes();
    await writer.append([auditEvent({ at: at(5, 1), action: 'run.finished' })]);
    send.mockRestore();

    // Assess
    expect(before).toEqual([]);
    expect(opened).toEqual(['TransactWriteCommand']);
    const seals: ChainSeal[] = [];
    for await (const seal of log.seals()) seals.push(seal);
    expect(seals.filter((x) => x.chainId === 'opened-with-events').map((x) => [x.kind, x.chainSeq])).toEqual([['open', 1], ['close', 2]]);
    const events = (await log.byChain('opened-with-events')).events;
    expect(events.map((e) => [e.seq, e.action])).toEqual([[1, 'run.started'], [2, 'run.finished']]);
    expect(verifyAuditLog({ chains: new Map([['opened-with-events', events]]), registered: new Set(['opened-with-events']), seals })).toEqual([]);
    // A chain that exists (here: registered and holding events) is never opened again: nothing is written.
    await expect(log.openChain('opened-with-events', [auditEvent({ at: at(5, 2) })])).rejects.toThrow(AuditOverwriteError);
    await expect(log.openChain('resume-me', [auditEvent({ at: at(5, 2) })])).rejects.toThrow(AuditOverwriteError);
    const sealsAfter: ChainSeal[] = [];
    for await (const seal of log.seals()) sealsAfter.push(seal);
    expect(sealsAfter).toHaveLength(seals.length);
    expect((await log.byChain('opened-with-events')).events).toHaveLength(2);
  });

  it('openChain writes nothing when `after` rejects', async () => {
    await expect(log.openChain('never-opened', [auditEvent({ at: at(6, 0) })], { after: Promise.reject(new Error('run item not written')) })).rejects.toThrow('run item not written');
    expect((await log.byChain('never-opened')).events).toEqual([]);
    const ids: string[] = [];
    for await (const id of log.chains()) ids.push(id);
    expect(ids).not.toContain('never-opened');
  });

  it('openChain commits another store\'s prepared writes (a run item) in the same transaction: both or neither', async () => {
    // Prepare
    const ledger = new DynamoDbLedger(fx.doc, fx.names.ledger, hasher);
    const run = (runId: string): RunRecord => ({ runId, job: 'query', startedAt: at(7, 0), actor: 'ada', status: 'running', counts: {} });
    const send = jest.spyOn(fx.doc, 'send');

    // Act
    await log.openChain('run-with-chain', [auditEvent({ at: at(7, 0), action: 'run.started' })], { with: ledger.prepareRun(run('run-with-chain')) });
    const sent = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();
    // a chain that exists is refused: the run item that came with it is not written either
    await expect(log.openChain('run-with-chain', [auditEvent({ at: at(7, 1) })], { with: ledger.prepareRun(run('refused-run')) })).rejects.toThrow(AuditOverwriteError);

    // Assess
    expect(sent.filter((name) => name !== 'QueryCommand')).toEqual(['TransactWriteCommand']);
    expect(await ledger.getRun('run-with-chain')).toMatchObject({ status: 'running', job: 'query' });
    expect((await ledger.openRuns()).map((r) => r.runId)).toEqual(['run-with-chain']);
    expect((await log.byChain('run-with-chain')).events.map((e) => e.action)).toEqual(['run.started']);
    expect(await ledger.getRun('refused-run')).toBeUndefined();
    expect((await ledger.openRuns()).map((r) => r.runId)).toEqual(['run-with-chain']);
  });

  it('openChain refuses writes it cannot commit (not prepared by a DynamoDB store) before writing anything', async () => {
    await expect(log.openChain('foreign-writes', [auditEvent({ at: at(8, 0) })], { with: { preparedBy: 'memory' } })).rejects.toThrow('prepared writes of "memory" cannot join a DynamoDB transaction');
    expect((await log.byChain('foreign-writes')).events).toEqual([]);
  });

  it('never scanned during this suite', () => {
    // Prepare / Act
    const report = meter.report();

    // Assess
    expect(report.commands.ScanCommand ?? 0).toBe(0);
    // Append-only: conditional puts only, never a BatchWrite (which cannot carry a condition) or an update.
    expect(report.commands.PutItemCommand).toBeGreaterThan(0);
    expect(report.commands.BatchWriteItemCommand ?? 0).toBe(0);
  });
});
