/**
 * Accounts whose last kept video went (policy `orphanedAccounts`): `purge` (default) removes them with reason
 * `cascade` and rule `orphaned` (never `unavailable`: the platform still serves them); `keep` refreshes them through
 * the username in their own stored copy, so they stay.
 */
import { recordKeyOf, type Tombstone } from '../../../lib/domain/records';
import { purge } from '../../../lib/jobs/purge';
import { refresh } from '../../../lib/jobs/refresh';
import { activeRecords, collectAll, complianceConfig, complianceWorld, ledgerStates, type ComplianceWorld } from './compliance-support';

const WORLD = { users: 30, videosPerDay: 6, maxCommentsPerVideo: 0, videoDeletionShare: 0, accountDeletionShare: 0, videoPrivateShare: 0 };

/** Purge every kept video of one collected account (as if the platform had deleted them), then sweep everything. */
async function orphanOneAccount(w: ComplianceWorld): Promise<string> {
  const records = [...(await activeRecords(w)).values()];
  const account = records.find((r) => r.ref.kind === 'user')!;
  const userKey = recordKeyOf(account.ref);
  const videos = records.filter((r) => r.ref.kind === 'video' && r.parentKey === userKey);
  expect(videos.length).toBeGreaterThan(0);
  const at = w.fx.clock.now().toISOString();
  await w.fx.ctx.ledger.updateRecords(videos.map((v) => ({ kind: 'purge-pending' as const, key: recordKeyOf(v.ref), at, reason: 'unavailable' as const, evidence: { rule: 'test' } })));
  await purge(w.fx.ctx);
  await refresh(w.fx.ctx, { clients: w.clients, dueBefore: new Date('2100-01-01T00:00:00Z') });
  return userKey;
}

function configWith(orphanedAccounts?: 'keep' | 'purge') {
  return complianceConfig((doc) => {
    doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video' || s.kind === 'user');
    doc.specs[0].window = { rollingDays: 4 };
    if (orphanedAccounts) doc.policies = { 'tiktok-research': { version: 2, orphanedAccounts } };
  });
}

describe('orphaned accounts follow the policy', () => {
  it('default purge: the account goes with its last video, as a cascade (rule orphaned), not as unavailable', async () => {
    const w = await complianceWorld({ config: configWith(), world: WORLD });
    try {
      await collectAll(w);
      const userKey = await orphanOneAccount(w);
      const state = (await ledgerStates(w, [userKey])).get(userKey) as Tombstone;
      expect(state).toMatchObject({ status: 'tombstoned', reason: 'cascade' });
      const purged = (await w.fx.ctx.audit.byRecord(w.fx.ctx.hasher.hash(userKey))).events.filter((e) => e.action === 'record.purged');
      expect(purged).toEqual([expect.objectContaining({ reason: 'cascade', evidence: expect.objectContaining({ rule: 'orphaned' }) })]);
    } finally {
      await w.close();
    }
  });

  it('keep: the account is refreshed through its own stored username and stays active', async () => {
    const w = await complianceWorld({ config: configWith('keep'), world: WORLD });
    try {
      await collectAll(w);
      const userKey = await orphanOneAccount(w);
      const state = (await ledgerStates(w, [userKey])).get(userKey);
      expect(state).toMatchObject({ status: 'active', lastRefreshedAt: w.fx.clock.now().toISOString() });
      const actions = (await w.fx.ctx.audit.byRecord(w.fx.ctx.hasher.hash(userKey))).events.map((e) => e.action);
      expect(actions).toContain('record.refreshed');
      expect(actions).not.toContain('record.purged');
    } finally {
      await w.close();
    }
  });
});
