/** Pure rules of the seal log (domain/audit.ts), the certificate's range selection and the overdue rules. */
import { GENESIS_HASH, linkEvents, linkSeal, verifyAuditLog, verifyChainSeals, verifySeals, type AuditEvent, type ChainSeal, type SealBody } from '../../lib/domain/audit';
import { overdueObligations } from '../../lib/domain/overdue';
import { DEFAULT_POLICIES } from '../../lib/domain/policy';
import { chainsActiveBetween } from '../../lib/jobs/audit-read';
import { activeRecord } from './store/fixtures';

const event = (action: AuditEvent['action'], at = '2026-03-01T00:00:00.000Z'): AuditEvent => ({ at, action, actor: { type: 'schedule', name: 'schedule' }, runId: 'r' });

function sealLog(bodies: SealBody[]): ChainSeal[] {
  const out: ChainSeal[] = [];
  let head = { seq: 0, hash: GENESIS_HASH };
  for (const body of bodies) {
    const seal = linkSeal(body, head);
    out.push(seal);
    head = { seq: seal.seq, hash: seal.hash };
  }
  return out;
}

describe('seal log', () => {
  const events = linkEvents([event('run.started'), event('record.purged'), event('run.finished')], 'r', { seq: 0, hash: GENESIS_HASH });
  const seals = sealLog([
    { at: '2026-03-01T00:00:00.000Z', chainId: 'r', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' },
    { at: '2026-03-01T01:00:00.000Z', chainId: 'r', chainSeq: 3, chainHash: events[2]!.hash, kind: 'close' },
  ]);

  it('an intact chain with its open and close seals verifies', () => {
    expect(verifySeals(seals)).toEqual([]);
    expect(verifyAuditLog({ chains: new Map([['r', events]]), registered: new Set(['r']), seals })).toEqual([]);
  });

  it('a reopened chain may grow past its close seal; an unopened one may not', () => {
    const more = linkEvents([event('run.started')], 'r', { seq: 3, hash: events[2]!.hash });
    const reopened = sealLog([...seals, { at: '2026-03-02T00:00:00.000Z', chainId: 'r', chainSeq: 3, chainHash: events[2]!.hash, kind: 'open' }]);
    expect(verifyChainSeals('r', [...events, ...more], reopened)).toEqual([]);
    expect(verifyChainSeals('r', [...events, ...more], seals)).toEqual([expect.stringMatching(/events after seq 3, where the chain was closed/)]);
  });

  it('a seal edited, or one taken out, breaks the seal log', () => {
    expect(verifySeals([{ ...seals[0]!, chainSeq: 1 }, seals[1]!])).toEqual([expect.stringMatching(/seal log #1: content does not match/)]);
    expect(verifySeals([seals[1]!])).toEqual([expect.stringMatching(/expected seal #1, found #2/), expect.stringMatching(/#2: prevHash/)]);
  });

  it('chainsActiveBetween keeps chains open during the window (a day of slack), closed or not', () => {
    const log = sealLog([
      { at: '2026-03-01T00:00:00.000Z', chainId: 'early', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' },
      { at: '2026-03-01T01:00:00.000Z', chainId: 'early', chainSeq: 2, chainHash: 'h', kind: 'close' },
      { at: '2026-03-05T00:00:00.000Z', chainId: 'mid', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' },
      { at: '2026-03-06T00:00:00.000Z', chainId: 'running', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' },
      { at: '2026-03-06T01:00:00.000Z', chainId: 'mid', chainSeq: 4, chainHash: 'h', kind: 'close' },
      { at: '2026-03-20T00:00:00.000Z', chainId: 'late', chainSeq: 0, chainHash: GENESIS_HASH, kind: 'open' },
    ]);
    expect(chainsActiveBetween(log, '2026-03-05T12:00:00.000Z', '2026-03-07T00:00:00.000Z')).toEqual(['mid', 'running']);
    expect(chainsActiveBetween(log, '2026-03-10T00:00:00.000Z', '2026-03-25T00:00:00.000Z')).toEqual(['late', 'running']);
  });
});

describe('overdueObligations', () => {
  const now = new Date('2026-03-20T00:00:00Z');
  it('refresh deadline and expiry passed count; a pending purge counts only past purgeWithinHours', () => {
    expect(overdueObligations(activeRecord('1', { refreshDueAt: '2026-03-19T00:00:00.000Z' }), now, DEFAULT_POLICIES)).toEqual([
      { obligation: 'refresh', dueAt: '2026-03-19T00:00:00.000Z', hoursOverdue: 24 },
    ]);
    expect(overdueObligations(activeRecord('2', { refreshDueAt: '2026-03-21T00:00:00.000Z', expiresAt: '2026-03-19T12:00:00.000Z' }), now, DEFAULT_POLICIES)).toEqual([
      { obligation: 'expiry', dueAt: '2026-03-19T12:00:00.000Z', hoursOverdue: 12 },
    ]);
    const pending = (requestedAt: string) =>
      activeRecord('3', { refreshDueAt: '2026-03-01T00:00:00.000Z', purgePending: { reason: 'unavailable', evidence: {}, requestedAt } });
    expect(overdueObligations(pending('2026-03-19T06:00:00.000Z'), now, DEFAULT_POLICIES)).toEqual([]);
    expect(overdueObligations(pending('2026-03-18T00:00:00.000Z'), now, DEFAULT_POLICIES)).toEqual([{ obligation: 'purge', dueAt: '2026-03-19T00:00:00.000Z', hoursOverdue: 24 }]);
  });
});
