/**
 * The obligations calendar on DynamoDB Local and s3rver: deadlines found through the due index up to the window's
 * end only (records due later are never read), grouped per source and day, overdue ones on today, open holds with
 * their decision date; the .ics parses with ical.js (a different library from the writer), holds UTC times and
 * folded lines, and keeps its UIDs when the counts change, so a re-import updates events.
 */
import ICAL from 'ical.js';
import { obligationsCalendar, type CalendarReport } from '../../../lib/jobs/calendar';
import { calendarIcs } from '../../../lib/jobs/calendar-ics';
import type { JobContext } from '../../../lib/jobs/context';
import { BadInputError } from '../../../lib/domain/errors';
import { adKey, collectRecords, DAY, run, videoKey } from '../../support/compliance-world';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';

const T0 = new Date('2026-03-01T06:00:00Z');
let fx: LocalJobFixture;

/** A: 3 videos (due T0+15 d) and an ad (due T0+30 d) collected at T0; B: 2 videos collected at T0+30 d (due T0+45 d). */
beforeAll(async () => {
  fx = await localJobContext({ now: T0.toISOString() });
  const { ctx, clock } = fx;
  await run(ctx, 'collect-a', (chain) => collectRecords(ctx, chain, [videoKey(1), videoKey(2), videoKey(3), adKey(1)]).then(() => undefined));
  clock.set(new Date(T0.getTime() + 30 * DAY));
  await run(ctx, 'collect-b', (chain) => collectRecords(ctx, chain, [videoKey(4), videoKey(5)]).then(() => undefined));
  clock.set(T0);
});
afterAll(() => fx?.destroy());

const itemsOf = (c: CalendarReport, kind: string) => c.items.filter((i) => i.kind === kind);

describe('obligations calendar', () => {
  it('reads only the records due before the window ends and counts their deadlines per source and day', async () => {
    const c = await obligationsCalendar(fx.ctx, { days: 20 });
    expect(c).toMatchObject({ from: '2026-03-01', until: '2026-03-20', recordsRead: 3, projectEnd: '2027-06-30' });
    expect(itemsOf(c, 'refresh-deadline')).toEqual([
      expect.objectContaining({ day: '2026-03-16', at: '2026-03-16T06:00:00.000Z', count: 3, source: 'research', uid: 'refresh-2026-03-16-research@test-project.steward' }),
    ]);
    const wider = await obligationsCalendar(fx.ctx, { days: 31 });
    expect(wider.recordsRead).toBe(4);
    expect(itemsOf(wider, 'refresh-deadline').map((i) => [i.day, i.source, i.count])).toEqual([
      ['2026-03-16', 'research', 3],
      ['2026-03-31', 'ads', 1],
    ]);
  });

  it('dates the project end and the content key deletion after it (purge window + KMS pending window)', async () => {
    const c = await obligationsCalendar(fx.ctx, { days: 5 });
    expect(itemsOf(c, 'project-end')).toEqual([expect.objectContaining({ day: '2027-06-30', at: '2027-06-30T00:00:00.000Z' })]);
    expect(c.keyDeletionAt).toBe('2027-07-31T00:00:00.000Z');
    expect(itemsOf(c, 'key-deletion')).toEqual([expect.objectContaining({ day: '2027-07-31' })]);
  });

  it('puts overdue refreshes on today', async () => {
    fx.clock.set(new Date(T0.getTime() + 16 * DAY));
    try {
      const c = await obligationsCalendar(fx.ctx, { days: 3 });
      expect(itemsOf(c, 'overdue-refresh')).toEqual([expect.objectContaining({ day: '2026-03-17', count: 3, source: 'research' })]);
      expect(itemsOf(c, 'refresh-deadline')).toEqual([]);
    } finally {
      fx.clock.set(T0);
    }
  });

  it('lists an open purge hold on the day its decision is due', async () => {
    const holds = {
      listHolds: async () => [
        { id: 'hold-research-20260301T000000Z', source: 'research', status: 'open', records: 12, firstHeldAt: '2026-03-02T10:00:00.000Z', openedAt: '2026-03-02T09:00:00Z' },
        { id: 'hold-research-20260201T000000Z', source: 'research', status: 'released', records: 0, firstHeldAt: '2026-02-02T10:00:00.000Z', openedAt: '2026-02-02T09:00:00Z' },
      ],
    };
    const ctx: JobContext = { ...fx.ctx, ledger: Object.assign(Object.create(fx.ctx.ledger), { holds }) };
    const c = await obligationsCalendar(ctx, { days: 10 });
    expect(itemsOf(c, 'hold-decision')).toEqual([expect.objectContaining({ day: '2026-03-03', at: '2026-03-03T10:00:00.000Z', count: 12, uid: 'hold-hold-research-20260301T000000Z@test-project.steward' })]);
  });

  it('refuses a window out of range as bad input', async () => {
    await expect(obligationsCalendar(fx.ctx, { days: 0 })).rejects.toThrow(BadInputError);
  });

  it('writes an .ics that a parser reads back: one VEVENT per item, UTC times, folded lines, stable UIDs', async () => {
    const c = await obligationsCalendar(fx.ctx, { days: 31 });
    const text = calendarIcs(c);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text).toMatch(/\r\n /); // at least one folded line (the descriptions are long)
    const vcalendar = new ICAL.Component(ICAL.parse(text));
    const events = vcalendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
    expect(events.map((e) => e.uid).sort()).toEqual(c.items.map((i) => i.uid).sort());
    const refresh = events.find((e) => e.uid === 'refresh-2026-03-16-research@test-project.steward')!;
    expect(refresh.startDate.zone?.tzid).toBe('UTC');
    expect(refresh.startDate.toJSDate().toISOString()).toBe('2026-03-16T06:00:00.000Z');
    expect(refresh.summary).toBe('Refresh deadline: 3 record(s) of source research');
    expect(text).toMatch(/^DTSTART:20260316T060000Z\r$/m);

    // More records due that day: the same UID, a new count (a re-import updates the event).
    fx.clock.set(T0);
    await run(fx.ctx, 'collect-c', (chain) => collectRecords(fx.ctx, chain, [videoKey(6)]).then(() => undefined));
    const again = new ICAL.Component(ICAL.parse(calendarIcs(await obligationsCalendar(fx.ctx, { days: 31 }))));
    const updated = again.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e)).find((e) => e.uid === refresh.uid)!;
    expect(updated.summary).toBe('Refresh deadline: 4 record(s) of source research');
    expect(updated.sequence).toBe(refresh.sequence); // the same moment: the same SEQUENCE
    fx.clock.set(new Date(T0.getTime() + 3_600_000));
    const later = new ICAL.Component(ICAL.parse(calendarIcs(await obligationsCalendar(fx.ctx, { days: 31 }))));
    const newer = later.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e)).find((e) => e.uid === refresh.uid)!;
    expect(newer.sequence).toBe(refresh.sequence + 60);
    fx.clock.set(T0);
  });
});
