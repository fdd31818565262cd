/**
 * The `--local` runtime: embedded DynamoDB Local + s3rver (state under the state dir), the TikTok API emulator
 * in-process, and the very adapters, clients and jobs that run on AWS, wired together. The CLI and the demo
 * open one per command; tests can too.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProjectConfig } from '../config/schema';
import { ShiftedClock, utcDayKey } from '../domain/clock';
import { hmacHasher } from '../domain/hashing';
import { DEFAULT_CREDENTIALS, startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator';
import type { Actor, JobContext } from '../jobs/context';
import { tiktokSources } from '../jobs/tiktok-sources';
import type { SpecSourceBinding } from '../jobs/collect';
import type { Spec } from '../config/schema';
import { CommercialContentClient, ResearchApiClient, type TikTokClientOptions } from '../platforms/tiktok';
import { SignedSealAnchors } from '../store';
import { ensureTables } from '../store/bootstrap';
import { tableNames, type TableNames } from '../store/tables';
import { wireJobContext } from '../wiring/job-context';
import { makeLocalDynamoClients, makeLocalS3Client } from './aws-clients';
import { checkIdentities, checkLedgerFile, checkStateDir, identitiesFor, loadState, saveState, workstationCredentials, type PlatformChoice } from './local-state';
import { startLocalServices, type LocalServices, type LocalServicesOptions } from './services';
import { FileAnchorSink, KeyFileSigner } from './signer';

/** The emulator's seed when none is given (the same as `steward emulator`'s). */
const DEFAULT_SEED = 1;

export interface LocalRuntimeOptions {
  readonly config: ProjectConfig;
  readonly stateDir: string;
  /**
   * Where the TikTok APIs are: `'emulator'`, the built-in emulator in-process (synthetic data; `--emulator`), or
   * `'api'`, each source's `baseUrl` with the client key and secret from the environment variables its
   * `credentials` name (read here, once; never logged or stored).
   */
  readonly platform: 'emulator' | 'api';
  /** Where `'api'` credentials are read from. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Start of the clock; time flows on from there (default: real time). */
  readonly now?: Date;
  readonly actor?: Actor;
  readonly collectorVersion?: string;
  /** `steward serve`: keep the services for other commands to attach to, on these ports (lib/local/services.ts). */
  readonly services?: Pick<LocalServicesOptions, 'serve' | 'dynamoPort' | 's3Port'>;
  /** Extra emulator settings (seed, faults, world size) for tests and the demo. */
  readonly emulator?: Omit<EmulatorOptions, 'clock' | 'anchor' | 'port' | 'host'>;
}

export interface LocalRuntime {
  readonly ctx: JobContext;
  readonly clock: ShiftedClock;
  /** The built-in emulator, when the runtime uses it (`platform: 'emulator'`). */
  readonly emulator: RunningEmulator | undefined;
  /** Whether the data is synthetic (the built-in emulator's): every text output says so. */
  readonly synthetic: boolean;
  readonly services: LocalServices;
  readonly bucket: string;
  readonly tables: TableNames;
  /** Spec sources, with per-source clients seeded from the ledger's quota book. */
  readonly sourceFor: (spec: Spec) => SpecSourceBinding;
  research(sourceName: string): ResearchApiClient;
  commercial(sourceName: string): CommercialContentClient;
  close(): Promise<void>;
}

export function localResourceNames(config: ProjectConfig): { bucket: string; tables: TableNames } {
  const prefix = `steward-${config.project.id}`;
  return { bucket: `${prefix}-data`, tables: tableNames(prefix) };
}

export async function openLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { config } = options;
  const stateDir = resolve(options.stateDir);
  checkStateDir(stateDir);
  const clock = new ShiftedClock(options.now);
  // Everything that can refuse (state file, credentials, platform identity) is checked before the first write.
  const loaded = await loadState(stateDir, clock.now());
  checkLedgerFile(stateDir);
  const platform: PlatformChoice =
    options.platform === 'emulator'
      ? { kind: 'emulator', seed: options.emulator?.seed ?? DEFAULT_SEED }
      : { kind: 'api', credentials: workstationCredentials(config, options.env ?? process.env) };
  const { state, changed } = checkIdentities(stateDir, loaded.state, identitiesFor(config, loaded.state, platform));
  await mkdir(stateDir, { recursive: true });
  if (loaded.fresh || changed) await saveState(stateDir, state);
  const { bucket, tables } = localResourceNames(config);

  const services = await startLocalServices({ ...options.services, stateDir, buckets: [bucket] });
  let emulator: RunningEmulator | undefined;
  try {
    const { client } = makeLocalDynamoClients(services);
    const s3 = makeLocalS3Client(services);
    await ensureTables(client, tables);
    if (platform.kind === 'emulator') emulator = await startEmulator({ ...options.emulator, clock, anchor: new Date(state.worldAnchor) });
    const hasher = hmacHasher(state.secret);
    // Certificates and seal anchors are signed with a P-256 key of the state dir; anchors go to an append-only file.
    const signer = await KeyFileSigner.open(stateDir);
    const anchors = new SignedSealAnchors(new FileAnchorSink(stateDir), signer, config.project.id);
    // s3rver keeps no versions: the adapter falls back to plain deletes there, and says so once.
    const { ctx, stores } = wireJobContext({
      config,
      clock,
      s3,
      dynamo: client,
      bucket,
      ledgerTable: tables.ledger,
      auditTable: tables.audit,
      hasher,
      versioning: 'auto',
      onUnversionedFallback: () => {},
      ...(options.actor ? { actor: options.actor } : {}),
      collectorVersion: options.collectorVersion ?? 'local',
      signer,
      anchors,
      // One command at a time on a state dir: a run still `running` when another starts was killed.
      abandonedRunAfterMs: 0,
    });

    const today = utcDayKey(clock.now());
    const clientOptions = async (source: string): Promise<TikTokClientOptions> => {
      const used = await stores.ledger.getQuotaUsage(source, today);
      const target =
        platform.kind === 'emulator'
          ? { baseUrl: emulator!.url, clientKey: DEFAULT_CREDENTIALS[0]!.clientKey, clientSecret: DEFAULT_CREDENTIALS[0]!.clientSecret }
          : platform.credentials.get(source)!;
      return {
        baseUrl: target.baseUrl,
        clientKey: target.clientKey,
        clientSecret: target.clientSecret,
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
      synthetic: platform.kind === 'emulator',
      services,
      bucket,
      tables,
      sourceFor,
      research,
      commercial,
      async close() {
        client.destroy();
        s3.destroy();
        await running?.stop();
        await services.stop();
      },
    };
  } catch (error) {
    await emulator?.stop();
    await services.stop();
    throw error;
  }
}
