/**
 * The `--local` runtime: embedded DynamoDB Local + s3rver (state under the state dir), the TikTok API emulator
 * in-process, and the very adapters, clients and jobs that run on AWS, wired together. The CLI and the demo
 * open one per command; tests can too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { effectivePolicies } from '../config/load';
import type { ProjectConfig } from '../config/schema';
import { ShiftedClock, startOfUtcDay, utcDayKey } from '../domain/clock';
import { hmacHasher } from '../domain/hashing';
import { DEFAULT_CREDENTIALS, startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator';
import type { Actor, JobContext } from '../jobs/context';
import { tiktokSources } from '../jobs/tiktok-sources';
import type { SpecSourceBinding } from '../jobs/collect';
import type { Spec } from '../config/schema';
import { CommercialContentClient, ResearchApiClient, type TikTokClientOptions } from '../platforms/tiktok';
import { makeAwsStores } from '../store';
import { ensureTables } from '../store/bootstrap';
import { tableNames, type TableNames } from '../store/tables';
import { makeLocalDynamoClients, makeLocalS3Client } from './aws-clients';
import { startLocalServices, type LocalServices } from './services';

/** What a local state dir remembers between commands. */
interface LocalState {
  /** Anchor of the emulator's synthetic world: the same world on every run, whatever the clock says. */
  readonly worldAnchor: string;
  /** The project's HMAC secret for keyed hashes (on AWS it lives in Secrets Manager). */
  readonly secret: string;
}

export interface LocalRuntimeOptions {
  readonly config: ProjectConfig;
  readonly stateDir: string;
  /** Start of the clock; time flows on from there (default: real time). */
  readonly now?: Date;
  readonly actor?: Actor;
  readonly collectorVersion?: string;
  /** Extra emulator settings (faults, world size) for tests and the demo. */
  readonly emulator?: Omit<EmulatorOptions, 'clock' | 'anchor' | 'port' | 'host'>;
}

export interface LocalRuntime {
  readonly ctx: JobContext;
  readonly clock: ShiftedClock;
  readonly emulator: RunningEmulator;
  readonly services: LocalServices;
  readonly bucket: string;
  readonly tables: TableNames;
  /** Spec sources on the emulator, with per-source clients seeded from the ledger's quota book. */
  readonly sourceFor: (spec: Spec) => SpecSourceBinding;
  research(sourceName: string): ResearchApiClient;
  commercial(sourceName: string): CommercialContentClient;
  close(): Promise<void>;
}

export function localResourceNames(config: ProjectConfig): { bucket: string; tables: TableNames } {
  const prefix = `steward-${config.project.id}`;
  return { bucket: `${prefix}-data`, tables: tableNames(prefix) };
}

async function loadState(stateDir: string, now: Date): Promise<LocalState> {
  const file = join(stateDir, 'local-state.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalState;
  } catch {
    const state: LocalState = { worldAnchor: startOfUtcDay(now).toISOString(), secret: randomBytes(32).toString('hex') };
    await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    return state;
  }
}

export async function openLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { config } = options;
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const clock = new ShiftedClock(options.now);
  const state = await loadState(stateDir, clock.now());
  const { bucket, tables } = localResourceNames(config);

  const services = await startLocalServices({ stateDir, buckets: [bucket] });
  let emulator: RunningEmulator | undefined;
  try {
    const { client } = makeLocalDynamoClients(services);
    const s3 = makeLocalS3Client(services);
    await ensureTables(client, tables);
    emulator = await startEmulator({ ...options.emulator, clock, anchor: new Date(state.worldAnchor) });
    const hasher = hmacHasher(state.secret);
    // s3rver keeps no versions: the adapter falls back to plain deletes there, and says so once.
    const stores = makeAwsStores({ s3, dynamo: client, bucket, ledgerTable: tables.ledger, auditTable: tables.audit, hasher, versioning: 'auto', clock, onUnversionedFallback: () => {} });
    const ctx: JobContext = {
      clock,
      config,
      policies: effectivePolicies(config),
      ledger: stores.ledger,
      objects: stores.objects,
      audit: stores.audit,
      hasher,
      actor: options.actor ?? { type: 'schedule', name: 'schedule' },
      collectorVersion: options.collectorVersion ?? 'local',
    };

    const today = utcDayKey(clock.now());
    const clientOptions = async (source: string): Promise<TikTokClientOptions> => {
      const used = await stores.ledger.getQuotaUsage(source, today);
      return {
        baseUrl: emulator!.url,
        clientKey: DEFAULT_CREDENTIALS[0]!.clientKey,
        clientSecret: DEFAULT_CREDENTIALS[0]!.clientSecret,
        clock,
        quotaUsed: { day: today, requests: used.requests, records: used.records, socialRequests: 0, socialRecords: 0 },
      };
    };
    const researchClients = new Map<string, ResearchApiClient>();
    const commercialClients = new Map<string, CommercialContentClient>();
    for (const [name, source] of Object.entries(config.sources)) {
      if (source.api === 'tiktok-research') researchClients.set(name, new ResearchApiClient(await clientOptions(name)));
      else commercialClients.set(name, new CommercialContentClient(await clientOptions(name)));
    }
    const research = (name: string) => {
      const client = researchClients.get(name);
      if (!client) throw new RangeError(`source "${name}" is not a tiktok-research source`);
      return client;
    };
    const commercial = (name: string) => {
      const client = commercialClients.get(name);
      if (!client) throw new RangeError(`source "${name}" is not a tiktok-commercial source`);
      return client;
    };
    const sourceFor = tiktokSources({ clock, ledger: stores.ledger, objects: stores.objects, hasher, research, commercial });
    const running = emulator;
    return {
      ctx,
      clock,
      emulator: running,
      services,
      bucket,
      tables,
      sourceFor,
      research,
      commercial,
      async close() {
        client.destroy();
        s3.destroy();
        await running.stop();
        await services.stop();
      },
    };
  } catch (error) {
    await emulator?.stop();
    await services.stop();
    throw error;
  }
}
