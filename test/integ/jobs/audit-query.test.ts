/**
 * Audit queries on DynamoDB Local: one record's history (found by the keyed hash of the id the researcher types),
 * one kind of event in a time range, one researcher, one run; paging with limit and cursor; the readable table;
 * bad input refused with exit 2 before anything is opened or written.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, EXIT_BAD_INPUT } from '../../../lib/domain/errors';
import { auditQueryOf, AuditOptionsSchema, queryAudit, queryAuditAll } from '../../../lib/jobs/audit-query';
import { auditTable, auditText } from '../../../bin/cli/audit-command';
import { runCli } from '../../../bin/cli/program';
import type { CliIo } from '../../../bin/cli/output';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { collectRecords, DAY, purgeRecord, run, videoKey } from '../../support/compliance-world';

let fx: LocalJobFixture;

beforeAll(async () => {
  fx = await localJobContext({ now: '2026-03-01T06:00:00Z' });
  const { ctx, clock } = fx;
  await run(ctx, 'collect-q1', async (chain) => {
    await collectRecords(ctx, chain, [videoKey(1), videoKey(2), videoKey(3)]);
  });
  clock.advance(DAY);
  const ada = { ...ctx, actor: { type: 'researcher' as const, name: 'ada' } };
  await run(ada, 'erase-q1', async (chain) => {
    await purgeRecord(ada, chain, videoKey(1), 'erasure', { rule: 'erasure-request' });
  });
  clock.advance(DAY);
  const bob = { ...ctx, actor: { type: 'researcher' as const, name: 'bob' } };
  await run(bob, 'erase-q2', async (chain) => {
    await purgeRecord(bob, chain, videoKey(2), 'erasure', { rule: 'erasure-request' });
  });
});
afterAll(() => fx?.destroy());

describe('audit queries', () => {
  it('--record: the history of one record, looked up by the keyed hash of the id', async () => {
    const result = await queryAudit(fx.ctx, { by: 'record', record: videoKey(1) });
    expect(result.query).toMatchObject({ by: 'record', value: videoKey(1), recordHash: fx.ctx.hasher.hash(videoKey(1)) });
    expect(result.events.map((e) => [e.action, e.chainId])).toEqual([
      ['record.collected', 'collect-q1'],
      ['record.purged', 'erase-q1'],
    ]);
    expect(JSON.stringify(result.events)).not.toContain(videoKey(1).split(':')[2]);
  });

  it('--action with --since/--until: that kind of event in the range, paged', async () => {
    const spec = { by: 'action' as const, action: 'record.purged' as const };
    const all = await queryAuditAll(fx.ctx, spec, { since: '2026-03-01', until: '2026-03-31' });
    expect(all.map((e) => e.chainId)).toEqual(['erase-q1', 'erase-q2']);
    const first = await queryAudit(fx.ctx, spec, { since: '2026-03-01', until: '2026-03-31', limit: 1 });
    expect(first.events.map((e) => e.chainId)).toEqual(['erase-q1']);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await queryAudit(fx.ctx, spec, { since: '2026-03-01', until: '2026-03-31', limit: 1, cursor: first.cursor! });
    expect(second.events.map((e) => e.chainId)).toEqual(['erase-q2']);
    const narrow = await queryAudit(fx.ctx, spec, { since: '2026-03-03T00:00:00Z' });
    expect(narrow.events.map((e) => e.chainId)).toEqual(['erase-q2']);
    // A range that starts long before the log does is cut to the log's first day, not walked day by day.
    const wide = await queryAudit(fx.ctx, spec, { since: '1990-01-01' });
    expect(wide.events).toHaveLength(2);
  });

  it('--researcher: everything one researcher did', async () => {
    const result = await queryAudit(fx.ctx, { by: 'researcher', researcher: 'ada' });
    expect(result.events.map((e) => e.action)).toEqual(['run.started', 'record.purged', 'run.finished']);
    expect(result.events.every((e) => e.actor.name === 'ada')).toBe(true);
  });

  it('--run: everything one run did, in order, paged', async () => {
    const first = await queryAudit(fx.ctx, { by: 'run', runId: 'collect-q1' }, { limit: 2 });
    const rest = await queryAudit(fx.ctx, { by: 'run', runId: 'collect-q1' }, { limit: 10, cursor: first.cursor! });
    expect([...first.events, ...rest.events].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rest.cursor).toBeUndefined();
  });

  it('prints a readable table and the command for the next page', async () => {
    const options = AuditOptionsSchema.parse({ run: 'collect-q1', limit: '2' });
    const { spec, page: request } = auditQueryOf(options);
    const page = await queryAudit(fx.ctx, spec, request);
    const text = auditText(page, options);
    const lines = text.split('\n');
    expect(lines[0]).toBe('everything run collect-q1 did: 2 event(s) on this page');
    expect(lines[2]).toMatch(/^TIME \(UTC\)\s+ACTION\s+ACTOR\s+RUN \/ SEQ\s+KIND\s+RECORD\s+REASON\s+EVIDENCE$/);
    expect(lines[4]).toMatch(/^2026-03-01 06:00:00Z\s+run\.started\s+@schedule\s+collect-q1 #1/);
    expect(lines[5]).toMatch(/record\.collected\s+@schedule\s+collect-q1 #2\s+video\s+[0-9a-f]{12}…\s+logId=20260301060000\d{6}/);
    expect(text).toMatch(/more: npx steward audit --run collect-q1 --limit 2 --cursor \S+$/);
    expect(auditTable([])).toMatch(/^TIME/);
  });

  it.each([
    [{}, /say what to look for/],
    [{ record: videoKey(1), run: 'x' }, /one question at a time: got --record and --run/],
    [{ record: 'video:1' }, /--record: "video:1" is not a record key/],
    [{ action: 'record.purged' }, /--action needs --since/],
    [{ run: 'r', since: '2026-03-02', until: '2026-03-01' }, /is after --until/],
  ])('refuses %j', (raw, message) => {
    expect(() => auditQueryOf(AuditOptionsSchema.parse({ limit: '50', ...raw }))).toThrow(BadInputError);
    expect(() => auditQueryOf(AuditOptionsSchema.parse({ limit: '50', ...raw }))).toThrow(message);
  });

  it('the CLI exits 2 on bad input and writes nothing', async () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), 'steward-audit-')), 'state');
    const io: CliIo & { err: string } = { err: '', isTty: false, stdout: () => {}, stderr: (t) => (io.err += t) };
    expect(await runCli(['--local', '--state-dir', stateDir, 'audit', '--action', 'record.deleted', '--since', '2026-03-01'], io)).toBe(EXIT_BAD_INPUT);
    expect(io.err).toMatch(/--action: must be one of run\.started/);
    expect(await runCli(['--local', '--state-dir', stateDir, 'audit', '--run', 'r', '--limit', '0'], io)).toBe(EXIT_BAD_INPUT);
    expect(await runCli(['--local', '--state-dir', stateDir, 'audit', '--researcher', 'ada', '--since', 'last week'], io)).toBe(EXIT_BAD_INPUT);
    expect(await runCli(['--local', '--state-dir', stateDir, 'report', '--format', 'pdf'], io)).toBe(EXIT_BAD_INPUT);
    expect(existsSync(stateDir)).toBe(false);
  });
});
