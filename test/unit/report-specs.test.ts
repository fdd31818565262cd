/**
 * Which spec a purged record belongs to, in the report's per-spec table and the attrition sample: the spec whose
 * collection stored it (page events included); an erasure's tombstone of an account no spec stored (erased by
 * username, no user spec) is no spec's record and never "unknown".
 */
import type { ChainedAuditEvent } from '../../lib/domain/audit';
import { DEFAULT_POLICIES } from '../../lib/domain/policy';
import type { Tombstone } from '../../lib/domain/records';
import { attritionSubjects } from '../../lib/jobs/attrition';
import { NEVER_STORED_ROW, specRefreshFigures } from '../../lib/jobs/report/refreshes';

const h = (n: number) => n.toString(16).padStart(32, '0');
const VIDEO = h(1);
const ACCOUNT = h(2);
let seq = 0;
const event = (e: Partial<ChainedAuditEvent> & Pick<ChainedAuditEvent, 'action'>): ChainedAuditEvent => ({
  at: '2026-03-01T09:00:00.000Z',
  actor: { type: 'schedule', name: 'schedule' },
  runId: 'run',
  chainId: 'c',
  seq: seq++,
  prevHash: '0',
  hash: '0',
  ...e,
});
const tombstone = (recordHash: string, kind: Tombstone['kind']): Tombstone => ({
  platform: 'tiktok',
  kind,
  recordHash,
  status: 'tombstoned',
  reason: 'erasure',
  purgedAt: '2026-03-17T09:00:00.000Z',
  evidenceRef: 'c#9',
  policyId: 'tiktok-research',
  policyVersion: 1,
});

// climate-videos stored the video (a page event); the erasure tombstoned its author, whom no spec stored.
const events = [
  event({ action: 'record.collected', recordHashes: [VIDEO], kind: 'video', specName: 'climate-videos' }),
  event({ action: 'record.purged', recordHash: VIDEO, kind: 'video', specName: 'climate-videos', reason: 'erasure', at: '2026-03-17T09:00:00.000Z' }),
  event({ action: 'record.purged', recordHash: ACCOUNT, kind: 'user', reason: 'erasure', at: '2026-03-17T09:00:00.000Z' }),
];

describe('the spec of a purged record', () => {
  it('puts an erased account no spec stored in its own row of the per-spec table, not under "unknown"', () => {
    const rows = specRefreshFigures({ events, active: [], tombstones: [tombstone(VIDEO, 'video'), tombstone(ACCOUNT, 'user')], policies: DEFAULT_POLICIES, now: new Date('2026-03-18T00:00:00Z'), hash: (k) => k, configSpecs: ['climate-videos'] });
    expect(rows.map((r) => [r.spec, r.records, r.purgedByReason.erasure])).toEqual([
      [NEVER_STORED_ROW, 1, 1],
      ['climate-videos', 1, 1],
    ]);
  });

  it('leaves a record no spec collected out of the attrition sample', () => {
    expect(attritionSubjects(events, []).map((s) => [s.spec, s.kind, s.outcome])).toEqual([['climate-videos', 'video', 'erasure']]);
  });

  it('still says "unknown" for a record collected by an event that named no spec (old logs)', () => {
    const old = [event({ action: 'record.collected', recordHash: ACCOUNT, kind: 'user' }), events[2]!];
    expect(attritionSubjects(old, []).map((s) => s.spec)).toEqual(['unknown']);
    const rows = specRefreshFigures({ events: old, active: [], tombstones: [tombstone(ACCOUNT, 'user')], policies: DEFAULT_POLICIES, now: new Date('2026-03-18T00:00:00Z'), hash: (k) => k });
    expect(rows.map((r) => r.spec)).toEqual(['unknown']);
  });
});
