/**
 * Planned publications on DynamoDB Local and s3rver: the advance-notice duty dated from the notice period and shown
 * in the calendar; an export version frozen as the paper's dataset (keyed hashes of its records), so `show` counts
 * how many of them were deleted since, even after the export was rebuilt without them; bad input writes nothing.
 */
import { BadInputError } from '../../../lib/domain/errors';
import { eventsOf, readAuditLog } from '../../../lib/jobs/audit-read';
import { obligationsCalendar } from '../../../lib/jobs/calendar';
import { memberActivity, memberColumns } from '../../../lib/jobs/report/pi';
import { createExport, exportStoreOf } from '../../../lib/jobs/export';
import { addPublication, listPublications, markPublicationDone, showPublication } from '../../../lib/jobs/publications';
import { purgeRecords } from '../../../lib/jobs/purge';
import { run, videoKey } from '../../support/compliance-world';
import { collectExportWorld, exportConfig } from '../../support/export-world';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';

let fx: LocalJobFixture;

beforeAll(async () => {
  fx = await localJobContext({ config: exportConfig(), now: '2026-03-01T06:00:00Z', actor: { type: 'researcher', name: 'ada' } });
  await collectExportWorld(fx.ctx, 6);
  await createExport(fx.ctx, exportStoreOf(fx.ctx), { spec: 'climate-videos', format: 'jsonl' });
});
afterAll(() => fx?.destroy());

describe('publications', () => {
  it('refuses a missing export version or an existing publication, writing nothing', async () => {
    await expect(addPublication(fx.ctx, { title: 'T', plannedDate: '2026-06-01', export: 'climate-videos@v9' })).rejects.toThrow(/--export: no export climate-videos@v9/);
    await expect(addPublication(fx.ctx, { title: 'T', plannedDate: '2026-06-01', export: 'climate-videos' })).rejects.toThrow(/--export: name the version/);
    expect(await listPublications(fx.ctx)).toEqual([]);
  });

  it('freezes the export version as the dataset and counts its records deleted since', async () => {
    const p = await addPublication(fx.ctx, { title: 'Attrition of climate talk', plannedDate: '2026-04-15', export: 'climate-videos@v1' });
    expect(p).toMatchObject({ id: 'pub-20260415-attrition-of-climate-talk', noticeDays: 30, noticeDueAt: '2026-03-16T00:00:00.000Z', status: 'planned', createdBy: 'ada' });
    expect(p.dataset).toMatchObject({ export: 'climate-videos', version: 1, format: 'jsonl', rows: 6 });
    expect(p.dataset!.recordHashes).toHaveLength(6);
    expect(JSON.stringify(p)).not.toMatch(/7320000/);
    await expect(addPublication(fx.ctx, { title: 'Attrition of climate talk', plannedDate: '2026-04-15' })).rejects.toThrow(BadInputError);

    await run(fx.ctx, 'purge-pub', (chain) => purgeRecords(fx.ctx, [{ key: videoKey(2), reason: 'unavailable', evidence: { rule: 'test' } }], chain).then(() => undefined));
    const shown = await showPublication(fx.ctx, p.id);
    expect(shown.records).toEqual({ used: 6, deletedSince: 1, byReason: { unavailable: 1 }, share: 0.1667 });
    expect(shown.publication).not.toHaveProperty('dataset.recordHashes');
  });

  it('dates the advance notice in the calendar until the paper is out', async () => {
    const id = 'pub-20260415-attrition-of-climate-talk';
    const before = await obligationsCalendar(fx.ctx, { days: 30 });
    expect(before.items.filter((i) => i.kind === 'publication-notice')).toEqual([expect.objectContaining({ day: '2026-03-16', uid: `publication-${id}@test-project.steward` })]);
    expect((await showPublication(fx.ctx, id)).noticeOverdue).toBe(false);
    await markPublicationDone(fx.ctx, id);
    const after = await obligationsCalendar(fx.ctx, { days: 30 });
    expect(after.items.filter((i) => i.kind === 'publication-notice')).toEqual([]);
    expect((await listPublications(fx.ctx)).map((p) => p.status)).toEqual(['done']);
    await markPublicationDone(fx.ctx, id); // done already: nothing more to audit
  });

  it('audits add and done content-free (no title, the id only as a keyed hash) and counts them per member', async () => {
    const events = eventsOf(await readAuditLog(fx.ctx.audit));
    const audited = events.filter((e) => e.action.startsWith('publication.'));
    const publication = fx.ctx.hasher.hash('publication:pub-20260415-attrition-of-climate-talk');
    expect(audited.map((e) => [e.action, e.actor.name, e.evidence])).toEqual([
      ['publication.added', 'ada', { publication, plannedDate: '2026-04-15', export: 'climate-videos@v1', noticeDueAt: '2026-03-16T00:00:00.000Z' }],
      ['publication.done', 'ada', { publication, plannedDate: '2026-04-15', export: 'climate-videos@v1' }],
    ]);
    expect(JSON.stringify(audited)).not.toMatch(/attrition|climate talk/i);
    const ada = memberActivity(events).find((m) => m.member === 'ada')!;
    expect(ada.actions).toMatchObject({ 'publication.added': 1, 'publication.done': 1 });
    expect(memberColumns([ada])).toEqual(expect.arrayContaining(['publication.added', 'publication.done']));
  });
});
