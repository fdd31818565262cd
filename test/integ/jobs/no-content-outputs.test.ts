/**
 * No content outside the objects, end to end on the emulator: a world whose captions, transcripts, comments,
 * display names and bios carry a canary is collected, refreshed 16 days later (deleted videos purged on the
 * platform's evidence), and one account erased with its cascade. Then every audit item, the report in every format,
 * deletion certificates (by record and by time range), verify's output, audit query tables and every console line
 * are searched for the canary and for the usernames of the collected accounts: none may appear.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { erase, erasureKey } from '../../../lib/jobs/erase';
import { refresh } from '../../../lib/jobs/refresh';
import { certify, renderCertificateMarkdown } from '../../../lib/jobs/certify';
import { complianceReport } from '../../../lib/jobs/report';
import { renderReport } from '../../../lib/jobs/report/render';
import { verify } from '../../../lib/jobs/verify';
import { queryAudit } from '../../../lib/jobs/audit-query';
import { auditText } from '../../../bin/cli/audit-command';
import { verifyText } from '../../../bin/cli/verify-command';
import type { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import { activeRecords, CANARY, collectAll, complianceConfig, complianceWorld, scanTable, usernameOfVideo, type ComplianceWorld } from './compliance-support';

describe('no collected content in audit events, reports, certificates, verify output, query tables or logs', () => {
  let w: ComplianceWorld;
  let usernames: string[];
  const consoleLines: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' '))));
    }
    // Smaller than the lifecycle tests' world: every content path (captions, comments, names, bios) is still there.
    w = await complianceWorld({
      config: complianceConfig((doc) => (doc.specs[0].window = { rollingDays: 5 })),
      world: { contentCanary: CANARY, videosPerDay: 5, users: 50, maxCommentsPerVideo: 3 },
    });
    await collectAll(w);
    const { ctx, clock } = w.fx;
    const records = await activeRecords(w);
    const videos = [...records.values()].filter((r) => r.ref.kind === 'video');
    usernames = [...new Set((await Promise.all(videos.map((v) => usernameOfVideo(ctx.objects, v.objectKey)))).filter((u): u is string => Boolean(u)))];
    // The canary really is in the stored content: the searches below can fail.
    const sample = await ctx.objects.get(videos[0]!.objectKey);
    expect(sample!.body.toString('utf8')).toContain(CANARY);

    clock.advance(16 * MS_PER_DAY);
    const swept = await refresh(ctx, { clients: w.clients });
    expect(swept.purged).toBeGreaterThan(0);
    const erased = await erase({ ...ctx, actor: { type: 'researcher', name: 'ada' } }, { user: usernames[0]! });
    expect(erased.purged).toBeGreaterThan(0);
  });
  afterAll(async () => {
    spies.forEach((s) => s.mockRestore());
    await w?.close();
  });

  function expectNoContent(what: string, text: string): void {
    expect({ what, canary: text.includes(CANARY) }).toEqual({ what, canary: false });
    const leaked = usernames.filter((u) => text.includes(u));
    expect({ what, leaked }).toEqual({ what, leaked: [] });
  }

  it('every audit item', async () => {
    const items = await scanTable((w.fx.ctx.audit as DynamoDbAuditLog).tableName);
    expect(items.filter((i) => i.action === 'record.purged').length).toBeGreaterThan(1);
    expectNoContent('audit table', JSON.stringify(items));
  });

  it('the report, in every format', async () => {
    const report = await complianceReport(w.fx.ctx);
    expect(report.purges.total).toBeGreaterThan(1);
    for (const format of ['md', 'html', 'json'] as const) expectNoContent(`report ${format}`, renderReport(report, format));
  });

  it('deletion certificates, by record (the erased account) and by time range', async () => {
    const erasedKey = erasureKey(w.fx.ctx, { user: usernames[0]! });
    const byRecord = await certify(w.fx.ctx, { records: [erasedKey] });
    expect(byRecord.ok).toBe(true);
    const byRange = await certify(w.fx.ctx, { since: '2000-01-01', until: w.fx.clock.now().toISOString() });
    expect(byRange.purges.length).toBeGreaterThan(1);
    for (const [what, cert] of [['by record', byRecord], ['by range', byRange]] as const) {
      expectNoContent(`certificate ${what} (json)`, JSON.stringify(cert));
      expectNoContent(`certificate ${what} (md)`, renderCertificateMarkdown(cert));
    }
  });

  it('verify’s output and audit query tables', async () => {
    const report = await verify(w.fx.ctx);
    expectNoContent('verify text', verifyText(report));
    expectNoContent('verify json', JSON.stringify(report));
    const purges = await queryAudit(w.fx.ctx, { by: 'action', action: 'record.purged' }, { since: '2000-01-01', limit: 1000 });
    expect(purges.events.length).toBeGreaterThan(1);
    expectNoContent('audit table by action', auditText(purges, { action: 'record.purged', since: '2000-01-01', limit: 1000 }));
    const byResearcher = await queryAudit(w.fx.ctx, { by: 'researcher', researcher: 'ada' }, { limit: 1000 });
    expect(byResearcher.events.length).toBeGreaterThan(1);
    expectNoContent('audit table by researcher', auditText(byResearcher, { researcher: 'ada', limit: 1000 }));
  });

  it('every console line written meanwhile', () => {
    expectNoContent('console', consoleLines.join('\n'));
  });
});
