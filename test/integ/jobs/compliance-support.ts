/**
 * A small world for the compliance tests: the TikTok emulator on the fixture's clock, the clients, and collection
 * of videos, comments, authors and ads into the local services. Helpers read back what the ledger holds so tests can
 * compare it with the emulator's truth.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProjectConfig } from '../../../lib/config/schema';
import { parseJson } from '../../../lib/domain/json';
import { recordKeyOf, type ActiveRecord, type LedgerRecord, type RecordKey, type RecordRef } from '../../../lib/domain/records';
import { startEmulator, type FaultOptions, type RunningEmulator, type WorldOptions } from '../../../lib/emulator';
import { collect } from '../../../lib/jobs/collect';
import type { RefreshClients } from '../../../lib/jobs/refresh';
import { tiktokSources } from '../../../lib/jobs/tiktok-sources';
import { makeLocalDynamoClients } from '../../../lib/local/aws-clients';
import { CommercialContentClient, ResearchApiClient, type RetryPolicy } from '../../../lib/platforms/tiktok';
import type { ObjectStore } from '../../../lib/store/ports';
import type { JobContext } from '../../../lib/jobs/context';
import { auditTableOf, ledgerTableOf } from '../../support/compliance-world';
import { localAws } from '../../support/local-aws';
import { localJobContext, testConfig, type LocalJobFixture } from '../../support/job-context';

export const CLIENT = { clientKey: 'lab-key', clientSecret: 'lab-secret' };

/** Small, with more deletions than the default world so 16 days show some. */
export const SMALL_WORLD: Partial<WorldOptions> = {
  users: 120,
  videosPerDay: 14,
  historyDays: 40,
  futureDays: 20,
  maxCommentsPerVideo: 5,
  adsPerYear: 150,
  advertisers: 20,
  videoDeletionShare: 0.35,
  videoPrivateShare: 0.1,
  accountDeletionShare: 0.05,
  commentDeletionShare: 0.15,
  adRemovalShare: 0.3,
};

export const CANARY = 'CANARY-7f3a91';

export function complianceConfig(edit: (doc: Record<string, any>) => void = () => {}): ProjectConfig {
  return testConfig((doc) => {
    doc.specs[0].query = { or: [{ operation: 'IN', field_name: 'region_code', field_values: ['DE', 'FR', 'US', 'GB'] }] };
    doc.specs[0].window = { rollingDays: 10 };
    doc.specs.push(
      { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 50, schedule: 'rate(1 day)' },
      { name: 'climate-authors', source: 'research', kind: 'user', parentSpec: 'climate-videos', schedule: 'rate(1 day)' },
      { name: 'eu-ads', source: 'ads', kind: 'ad', countries: ['DE'], window: { rollingDays: 20 }, schedule: 'rate(1 day)' },
    );
    edit(doc);
  });
}

export interface ComplianceWorld {
  readonly fx: LocalJobFixture;
  readonly emulator: RunningEmulator;
  readonly research: ResearchApiClient;
  readonly commercial: CommercialContentClient;
  readonly clients: RefreshClients;
  readonly sourceFor: ReturnType<typeof tiktokSources>;
  /** Fresh clients (a new quota count, other retry settings), e.g. for a sweep under faults. */
  makeClients(retry?: Partial<RetryPolicy>): RefreshClients & { research(): ResearchApiClient };
  close(): Promise<void>;
}

export async function complianceWorld(
  options: { config?: ProjectConfig; world?: Partial<WorldOptions>; faults?: Partial<FaultOptions>; dailyRequests?: number; now?: string } = {},
): Promise<ComplianceWorld> {
  const fx = await localJobContext({ config: options.config ?? complianceConfig(), ...(options.now ? { now: options.now } : {}) });
  const emulator = await startEmulator({
    clock: fx.clock,
    seed: 7,
    credentials: [CLIENT],
    world: { ...SMALL_WORLD, ...options.world },
    complianceTaskPolls: 1,
    ...(options.dailyRequests ? { quota: { dailyRequests: options.dailyRequests } } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const makeClients = (retry?: Partial<RetryPolicy>) => {
    const clientOptions = { ...CLIENT, baseUrl: emulator.url, clock: fx.clock, sleep: async () => {}, ...(retry ? { retry } : {}) };
    const research = new ResearchApiClient(clientOptions);
    const commercial = new CommercialContentClient(clientOptions);
    return { research: () => research, commercial: () => commercial };
  };
  const first = makeClients();
  const research = first.research();
  const commercial = first.commercial();
  const sourceFor = tiktokSources({ ...fx.ctx, research: () => research, commercial: () => commercial });
  return {
    fx,
    emulator,
    research,
    commercial,
    clients: first,
    sourceFor,
    makeClients,
    async close() {
      fx.destroy();
      await emulator.stop();
    },
  };
}

/** Collect every spec once (videos and ads first, then comments and authors). */
export async function collectAll(w: ComplianceWorld): Promise<void> {
  const report = await collect(w.fx.ctx, { sourceFor: w.sourceFor });
  for (const spec of report.specs) expect(spec.outcome).toBe('finished');
}

/** Every active record, read through the due index (as the sweeps do). */
export async function activeRecords(w: ComplianceWorld): Promise<Map<RecordKey, ActiveRecord>> {
  const out = new Map<RecordKey, ActiveRecord>();
  for (let shard = 0; shard < w.fx.ctx.ledger.dueShards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await w.fx.ctx.ledger.queryDue(shard, new Date('9999-01-01T00:00:00Z'), { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const r of page.records) out.set(recordKeyOf(r.ref), r);
      cursor = page.cursor;
    } while (cursor);
  }
  return out;
}

/**
 * Whether the emulated platform still serves `record` at `at` (its world's truth). Accounts answer true: they are
 * looked up through their videos, so callers judge them there.
 */
export function servedAt(w: ComplianceWorld, record: ActiveRecord, at: Date): boolean {
  const world = w.emulator.world;
  switch (record.ref.kind) {
    case 'video':
      return world.videoExists(record.ref.id, at);
    case 'comment':
      return world.commentExists(record.ref.id, at);
    case 'ad':
      return world.adExists(record.ref.id, at);
    case 'user':
      return true;
  }
}

export async function ledgerStates(w: ComplianceWorld, keys: Iterable<RecordKey>): Promise<Map<RecordKey, LedgerRecord>> {
  const refs: RecordRef[] = [...keys].map((key) => {
    const [platform, kind, id] = key.split(':') as ['tiktok', RecordRef['kind'], string];
    return { platform, kind, id };
  });
  return w.fx.ctx.ledger.getRecords(refs);
}

/** Every item of a table, for content checks only (a test may Scan; the jobs never do). */
export async function scanTable(tableName: string): Promise<Record<string, unknown>[]> {
  const { client } = makeLocalDynamoClients(localAws());
  const items: Record<string, unknown>[] = [];
  let start: Record<string, any> | undefined;
  try {
    do {
      const out = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []).map((item) => unmarshall(item)));
      start = out.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return items;
}

/**
 * Everything the stores hold, for "nothing changed" checks: every ledger and audit item (records, tombstones, runs,
 * chain heads, seals) in key order, and every object under `records/` with its body and version count.
 */
export interface StoreSnapshot {
  readonly ledger: Record<string, unknown>[];
  readonly audit: Record<string, unknown>[];
  readonly objects: Record<string, { readonly body: string; readonly versions: number }>;
}

export async function storeSnapshot(ctx: JobContext): Promise<StoreSnapshot> {
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => `${a.pk}\u0000${a.sk}`.localeCompare(`${b.pk}\u0000${b.sk}`);
  const [ledger, audit] = await Promise.all([scanTable(ledgerTableOf(ctx)), scanTable(auditTableOf(ctx))]);
  const objects: Record<string, { body: string; versions: number }> = {};
  for await (const key of ctx.objects.list('records/')) {
    objects[key] = { body: (await ctx.objects.get(key))?.body.toString('utf8') ?? '', versions: await ctx.objects.countVersions(key) };
  }
  return { ledger: ledger.sort(byKey), audit: audit.sort(byKey), objects };
}

/** The username a stored video names. */
export async function usernameOfVideo(objects: ObjectStore, objectKey: string): Promise<string | undefined> {
  const stored = await objects.get(objectKey);
  if (!stored) return undefined;
  return (parseJson(stored.body.toString('utf8')) as { username?: string }).username;
}

/** An object store that counts PUTs. */
export function countingPuts(objects: ObjectStore): ObjectStore & { puts: number } {
  const counted = Object.create(objects) as ObjectStore & { puts: number };
  counted.puts = 0;
  counted.put = async (...args: Parameters<ObjectStore['put']>) => {
    counted.puts += 1;
    return objects.put(...args);
  };
  return counted;
}
