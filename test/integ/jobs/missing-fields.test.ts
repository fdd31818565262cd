/**
 * An answer that omits fields does not thin the stored record (domain/answer-merge.ts): after refreshes and a
 * re-collection under the emulator's `missingFieldRate` fault, every stored object still holds every field it held
 * when collected; a refresh whose answer only lacks fields is unchanged (no object write).
 */
import { parseJson } from '../../../lib/domain/json';
import { collect } from '../../../lib/jobs/collect';
import { refresh } from '../../../lib/jobs/refresh';
import { activeRecords, collectAll, complianceConfig, complianceWorld, countingPuts, type ComplianceWorld } from './compliance-support';

async function fieldsOfEveryObject(w: ComplianceWorld): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const record of (await activeRecords(w)).values()) {
    const stored = await w.fx.ctx.objects.get(record.objectKey);
    out.set(record.objectKey, Object.keys(parseJson(stored!.body.toString('utf8')) as object).sort());
  }
  return out;
}

describe('answers with fields left out (missingFieldRate) never thin stored records', () => {
  let w: ComplianceWorld;
  beforeAll(async () => {
    const config = complianceConfig((doc) => {
      doc.specs = doc.specs.filter((s: { kind: string }) => s.kind !== 'ad');
      doc.specs[0].window = { rollingDays: 4 };
    });
    w = await complianceWorld({ config, world: { users: 40, videosPerDay: 8, maxCommentsPerVideo: 3, videoDeletionShare: 0, commentDeletionShare: 0, accountDeletionShare: 0, videoPrivateShare: 0 } });
    await collectAll(w);
  });
  afterAll(async () => {
    await w.close();
  });

  it('refresh and re-collection keep every collected field; an answer that only lacks fields writes nothing', async () => {
    // Prepare
    const before = await fieldsOfEveryObject(w);
    expect(before.size).toBeGreaterThan(20);
    w.emulator.setFaults({ missingFieldRate: 0.3 });
    const objects = countingPuts(w.fx.ctx.objects);

    // Act: the same instant (nothing changed on the platform), every record refreshed, then collected again
    const report = await refresh({ ...w.fx.ctx, objects }, { clients: w.clients, dueBefore: new Date('2100-01-01T00:00:00Z') });
    await collect({ ...w.fx.ctx, objects }, { sourceFor: w.sourceFor, specName: 'climate-videos' });

    // Assess
    const after = await fieldsOfEveryObject(w);
    const thinned = [...before].filter(([key, fields]) => !fields.every((f) => after.get(key)?.includes(f)));
    expect(thinned).toEqual([]);
    expect(report.unchanged).toBe(report.due - report.failed);
    expect(report.changed).toBe(0);
    expect(objects.puts).toBe(0);
  });
});
