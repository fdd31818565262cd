/** Purge holds on DynamoDB Local: records are held in batches, one transaction each, and each record on its own merits. */
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../../../lib/domain/records';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import { HOLD_BATCH } from '../../../lib/store/dynamodb-holds';
import { activeRecord, hasher, tombstoneFor } from '../../unit/store/fixtures';
import { freshTables, type DynamoFixture } from './support';

let fx: DynamoFixture;
let ledger: DynamoDbLedger;
const meter = new CapacityMeter();
const AT = '2026-03-01T12:00:00.000Z';
const EXPIRES = '2027-06-30T23:59:59.999Z';

beforeAll(async () => {
  fx = await freshTables('holds-it');
  meter.attach(fx.client);
  ledger = new DynamoDbLedger(fx.doc, fx.names.ledger, hasher);
});

afterAll(() => {
  fx?.client.destroy();
});

let serial = 0;
/** `n` fresh active records, due now. */
async function records(n: number): Promise<ActiveRecord[]> {
  const made = Array.from({ length: n }, () => activeRecord((7_340_000_000_000_000_000n + BigInt(++serial)).toString(), { expiresAt: EXPIRES }));
  await ledger.putRecords(made, () => AT);
  return made;
}

const entriesOf = (holdId: string, rs: readonly ActiveRecord[]) =>
  rs.map((r) => ({ key: recordKeyOf(r.ref), mark: { holdId, heldAt: AT, evidence: { rule: 'absent-from-lookup', logId: 'L1' } }, nextActionAt: EXPIRES }));

async function allMembers(holdId: string): Promise<RecordKey[]> {
  const keys: RecordKey[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.holds.members(holdId, { limit: 25, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return keys.sort();
}

describe('DynamoDbHoldStore.holdRecords on DynamoDB Local', () => {
  it('holds more records than one transaction takes, a transaction per batch: marked, listed and counted', async () => {
    // Prepare
    const { hold } = await ledger.holds.openHold('research-many', new Date(AT), 'all-missing-batch', { rule: 'all-missing-batch', asked: 80, found: 0 });
    const rs = await records(80);
    meter.reset();

    // Act
    const results = await ledger.holds.holdRecords(hold.id, entriesOf(hold.id, rs));

    // Assess
    expect([...results.values()]).toEqual(rs.map(() => 'held'));
    expect(meter.report().commands).toEqual({ TransactWriteItemsCommand: Math.ceil(80 / HOLD_BATCH) });
    expect(await ledger.holds.getHold(hold.id)).toMatchObject({ status: 'open', records: 80, firstHeldAt: AT });
    expect(await allMembers(hold.id)).toEqual(rs.map((r) => recordKeyOf(r.ref)).sort());
    const states = await ledger.getRecords(rs.map((r) => r.ref));
    for (const r of rs) expect(states.get(recordKeyOf(r.ref))).toMatchObject({ status: 'active', hold: { holdId: hold.id, heldAt: AT, evidence: { rule: 'absent-from-lookup', logId: 'L1' } } });
  });

  it('leaves out a record that is gone, held already or being purged, and holds the others of its batch', async () => {
    // Prepare: five records; one purged, one held in another hold, one with a purge under way
    const other = await ledger.holds.openHold('ads-some', new Date(AT), 'nothing-found', { rule: 'nothing-found' });
    const { hold } = await ledger.holds.openHold('research-some', new Date(AT), 'all-missing-batch', { rule: 'all-missing-batch', asked: 20, found: 0 });
    const rs = await records(5);
    const [gone, heldElsewhere, purging] = rs.map((r) => recordKeyOf(r.ref));
    await ledger.tombstone(gone!, tombstoneFor(rs[0]!.ref.id));
    expect(await ledger.holds.holdRecords(other.hold.id, entriesOf(other.hold.id, [rs[1]!]))).toEqual(new Map([[heldElsewhere, 'held']]));
    await ledger.updateRecords([{ kind: 'purge-pending', key: purging!, at: AT, reason: 'unavailable', evidence: { rule: 'consecutive-misses' } }]);

    // Act
    const results = await ledger.holds.holdRecords(hold.id, entriesOf(hold.id, rs));

    // Assess
    expect(rs.map((r) => results.get(recordKeyOf(r.ref)))).toEqual(['not-active', 'not-active', 'not-active', 'held', 'held']);
    expect(await ledger.holds.getHold(hold.id)).toMatchObject({ records: 2 });
    expect(await allMembers(hold.id)).toEqual([recordKeyOf(rs[3]!.ref), recordKeyOf(rs[4]!.ref)].sort());
    const states = await ledger.getRecords(rs.map((r) => r.ref));
    expect(states.get(gone!)?.status).toBe('tombstoned');
    expect(states.get(heldElsewhere!)).toMatchObject({ hold: { holdId: other.hold.id } });
    expect(states.get(purging!)).toMatchObject({ status: 'active' });
    expect((states.get(purging!) as ActiveRecord).hold).toBeUndefined();
  });

  it('a batch cancelled by other writers only (TransactionConflict) is tried again; after six such tries its records are left for the next sweep, nothing written', async () => {
    // Prepare: the next TransactWriteItems calls are cancelled as DynamoDB cancels a transaction that collided
    const { hold } = await ledger.holds.openHold('research-busy', new Date(AT), 'all-missing-batch', { rule: 'all-missing-batch', asked: 20, found: 0 });
    const [first, second] = [await records(4), await records(3)];
    const send = fx.doc.send.bind(fx.doc);
    let collisions = 0;
    let transactions = 0;
    const spy = jest.spyOn(fx.doc, 'send').mockImplementation(((command: { constructor: { name: string }; input: { TransactItems?: unknown[] } }) => {
      if (command.constructor.name !== 'TransactWriteCommand') return send(command as never);
      transactions += 1;
      if (collisions-- <= 0) return send(command as never);
      const reasons = (command.input.TransactItems ?? []).map((_, i) => ({ Code: i === 0 ? 'TransactionConflict' : 'None' }));
      return Promise.reject(Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: reasons }));
    }) as never);

    try {
      // Act 1: two collisions, then through
      collisions = 2;
      const held = await ledger.holds.holdRecords(hold.id, entriesOf(hold.id, first));
      const triedFirst = transactions;
      // Act 2: it never gets through
      transactions = 0;
      collisions = 100;
      const left = await ledger.holds.holdRecords(hold.id, entriesOf(hold.id, second));

      // Assess
      expect([...held.values()]).toEqual(['held', 'held', 'held', 'held']);
      expect(triedFirst).toBe(3);
      expect([...left.values()]).toEqual(['not-active', 'not-active', 'not-active']);
      expect(transactions).toBe(6);
    } finally {
      spy.mockRestore();
    }
    expect(await ledger.holds.getHold(hold.id)).toMatchObject({ records: 4 });
    expect(await allMembers(hold.id)).toEqual(first.map((r) => recordKeyOf(r.ref)).sort());
    const states = await ledger.getRecords(second.map((r) => r.ref));
    for (const r of second) expect((states.get(recordKeyOf(r.ref)) as ActiveRecord).hold).toBeUndefined();
  });

  it('writes nothing when the hold was closed meanwhile', async () => {
    // Prepare
    const { hold } = await ledger.holds.openHold('research-closed', new Date(AT), 'all-missing-batch', { rule: 'all-missing-batch', asked: 20, found: 0 });
    expect(await ledger.holds.closeHold(hold.id, 'dismissed', new Date(AT), 'ada')).toBe(true);
    const rs = await records(3);

    // Act
    const results = await ledger.holds.holdRecords(hold.id, entriesOf(hold.id, rs));

    // Assess
    expect([...results.values()]).toEqual(['hold-closed', 'hold-closed', 'hold-closed']);
    expect(await ledger.holds.getHold(hold.id)).toMatchObject({ status: 'dismissed', records: 0 });
    expect(await allMembers(hold.id)).toEqual([]);
    const states = await ledger.getRecords(rs.map((r) => r.ref));
    for (const r of rs) expect(states.get(recordKeyOf(r.ref))).toMatchObject({ status: 'active' });
    for (const r of rs) expect((states.get(recordKeyOf(r.ref)) as ActiveRecord).hold).toBeUndefined();
  });
});
