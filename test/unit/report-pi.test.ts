/** The signing parts of the report: the badge's words, and who did what from the audit log. */
import type { ChainedAuditEvent } from '../../lib/domain/audit';
import { complianceBadge, memberActivity, memberColumns } from '../../lib/jobs/report/pi';

const event = (action: string, actor: { type: 'schedule' | 'researcher'; name: string }): ChainedAuditEvent =>
  ({ at: '2026-03-01T00:00:00Z', action, actor, runId: 'r', chainId: 'c', seq: 1, prevHash: '', hash: '' }) as unknown as ChainedAuditEvent;

describe('complianceBadge', () => {
  it('is compliant only when nothing is overdue and no refresh was late', () => {
    expect(complianceBadge({ overdue: 0, onTime: 80, late: 0, unknown: 2 })).toMatchObject({ compliant: true, onTimeShare: 1 });
    expect(complianceBadge({ overdue: 0, onTime: 38, late: 42, unknown: 0 }).text).toBe('Not compliant: 47.5 % of refreshes were on time (38 of 80); nothing is overdue.');
    expect(complianceBadge({ overdue: 3, onTime: 10, late: 0, unknown: 0 })).toMatchObject({ compliant: false, text: 'Not compliant: 100.0 % of refreshes were on time (10 of 10); 3 obligation(s) overdue.' });
  });
});

describe('memberActivity', () => {
  it('counts each member\'s own actions, not the schedules\' nor record-level events', () => {
    const ada = { type: 'researcher' as const, name: 'ada' };
    const bo = { type: 'researcher' as const, name: 'bo' };
    const rows = memberActivity([
      event('erasure.requested', ada),
      event('record.purged', ada),
      event('export.pulled', bo),
      event('export.pulled', bo),
      event('export.released', bo),
      event('run.started', { type: 'schedule', name: 'schedule' }),
      event('query.run', ada),
    ]);
    expect(rows).toEqual([
      { member: 'ada', actions: { 'erasure.requested': 1, 'query.run': 1 } },
      { member: 'bo', actions: { 'export.pulled': 2, 'export.released': 1 } },
    ]);
    expect(memberColumns(rows)).toEqual(['erasure.requested', 'export.pulled', 'export.released', 'query.run']);
  });
});
