/** Leases on DynamoDB Local: one owner at a time, expiry, renewal, release only by the owner. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../../../lib/domain/clock';
import { DynamoDbLease } from '../../../lib/store/dynamodb-lease';
import { ledgerKeys } from '../../../lib/store/tables';
import { freshTables, type DynamoFixture } from './support';

describe('DynamoDbLease', () => {
  let fx: DynamoFixture;
  const clock = new ManualClock('2026-11-24T06:00:00Z');
  let lease: DynamoDbLease;
  beforeAll(async () => {
    fx = await freshTables('lease');
    lease = new DynamoDbLease(fx.doc, fx.names.ledger, clock);
  });
  afterAll(() => fx.client.destroy());
  const inMinutes = (m: number) => new Date(clock.now().getTime() + m * 60_000);

  it('gives a free lease to the first worker and refuses a second one', async () => {
    expect(await lease.acquire('shard-01', 'worker-a', inMinutes(15))).toBe(true);
    expect(await lease.acquire('shard-01', 'worker-b', inMinutes(15))).toBe(false);
    expect(await lease.acquire('shard-02', 'worker-b', inMinutes(15))).toBe(true);
  });

  it('lets the owner renew, and stores owner, expiry and a TTL', async () => {
    expect(await lease.acquire('shard-01', 'worker-a', inMinutes(30))).toBe(true);
    const item = (await fx.doc.send(new GetCommand({ TableName: fx.names.ledger, Key: ledgerKeys.lease('shard-01') }))).Item;
    expect(item).toMatchObject({ owner: 'worker-a', expiresAt: inMinutes(30).toISOString() });
    expect(item!.ttl).toBeGreaterThan(inMinutes(30).getTime() / 1000);
  });

  it('hands an expired lease (its worker died) to the next worker', async () => {
    clock.advance(31 * 60_000);
    expect(await lease.acquire('shard-01', 'worker-c', inMinutes(15))).toBe(true);
  });

  it('releases only for the owner', async () => {
    await lease.release('shard-01', 'worker-a');
    expect(await lease.acquire('shard-01', 'worker-d', inMinutes(15))).toBe(false);
    await lease.release('shard-01', 'worker-c');
    expect(await lease.acquire('shard-01', 'worker-d', inMinutes(15))).toBe(true);
  });

  it('refuses an expiry in the past', async () => {
    await expect(lease.acquire('shard-09', 'worker-a', inMinutes(-1))).rejects.toThrow(/must be in the future/);
  });
});
