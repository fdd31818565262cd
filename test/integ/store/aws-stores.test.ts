/**
 * The factory wiring on the local services, and what the capacity meter sees from DynamoDB Local: the bench
 * reports write units per record from these figures (table and index units apart).
 */
import { makeAwsStores } from '../../../lib/store';
import { CapacityMeter } from '../../../lib/store/capacity-meter';
import { activeRecord, auditEvent, hasher } from '../../unit/store/fixtures';
import { freshBucket, freshTables } from './support';

describe('makeAwsStores on the local services', () => {
  it('wires working stores, and DynamoDB Local reports table and index write units for BatchWrite', async () => {
    // Prepare
    const { client, names } = await freshTables('stores-it');
    const { s3, bucket } = await freshBucket('stores-it');
    const stores = makeAwsStores({ s3, dynamo: client, bucket, ledgerTable: names.ledger, auditTable: names.audit, hasher, versioning: 'auto', onUnversionedFallback: () => undefined });
    const meter = new CapacityMeter();
    meter.attach(client);
    const records = Array.from({ length: 10 }, (_, i) => activeRecord(String(7_320_768_196_569_599_275n + BigInt(i)), i < 4 ? { parentKey: 'tiktok:user:u' } : {}));

    // Act
    await stores.objects.put(records[0]!.objectKey, '{}');
    await stores.ledger.putRecords(records, () => '2026-01-13T00:00:00.000Z');
    const ledgerUnits = meter.report().byTable[names.ledger]!;
    const writer = await stores.audit.chain('stores-it'); // head query + registry item: once per chain, not per record
    meter.reset();
    await writer.append(records.map((r) => auditEvent({ recordHash: hasher.hash(`tiktok:video:${r.ref.id}`), kind: 'video' })));
    const auditUnits = meter.report().byTable[names.audit]!;
    meter.reset();
    await writer.append([auditEvent({ action: 'record.collected', recordHashes: records.map((r) => hasher.hash(`tiktok:video:${r.ref.id}`)), kind: 'video' })]);
    const pageUnits = meter.report().byTable[names.audit]!;

    // Assess
    expect(await stores.objects.get(records[0]!.objectKey)).toBeDefined();
    // Each item < 1 KB: 1 unit; plus one spec-list item for the 10 videos, and no by-spec index write
    expect(ledgerUnits.table.write).toBe(11);
    expect(ledgerUnits.indexes).toEqual({ due: { read: 0, write: 10 }, children: { read: 0, write: 4 } });
    expect(auditUnits.table.write).toBe(10);
    expect(auditUnits.indexes['by-record']?.write).toBe(10);
    expect(auditUnits.indexes['by-time']?.write).toBe(10);
    expect(auditUnits.indexes['by-researcher']).toBeUndefined(); // sparse: schedule actors are not indexed
    // A page event naming the 10 records: one item, in by-time only (it names no single record)
    expect(pageUnits.table.write).toBe(1);
    expect(pageUnits.indexes).toEqual({ 'by-time': { read: 0, write: 1 } });
    client.destroy();
    s3.destroy();
  });
});
