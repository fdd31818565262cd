/**
 * A JobContext on the embedded local services (fresh tables and bucket per call), with the same adapters the
 * CLI and Lambda use. Tests wrap its ports with `crashOn` to inject failures without branches in job code.
 */
import { parseProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { ManualClock } from '../../lib/domain/clock';
import { hmacHasher } from '../../lib/domain/hashing';
import type { JobContext } from '../../lib/jobs/context';
import { wireJobContext } from '../../lib/wiring/job-context';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAnchorSink, KeyFileSigner } from '../../lib/local/signer';
import { SignedSealAnchors } from '../../lib/store';
import { CapacityMeter } from '../../lib/store/capacity-meter';
import { freshBucket, freshTables } from '../integ/store/support';

export const TEST_SECRET = 'steward-test-secret-0123456789';

export function testConfig(overrides: (doc: Record<string, any>) => void = () => {}): ProjectConfig {
  const doc: Record<string, any> = {
    project: { id: 'test-project', title: 'Test project', endDate: '2027-06-30' },
    members: [{ name: 'ada', role: 'pi' }],
    sources: {
      research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'TIKTOK_KEY', clientSecretEnv: 'TIKTOK_SECRET' }, refreshReserve: 0.3 },
      ads: { api: 'tiktok-commercial', credentials: { clientKeyEnv: 'TIKTOK_KEY', clientSecretEnv: 'TIKTOK_SECRET' } },
    },
    specs: [
      {
        name: 'climate-videos',
        source: 'research',
        kind: 'video',
        query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
        window: { rollingDays: 30 },
        schedule: 'rate(1 day)',
      },
    ],
  };
  overrides(doc);
  return parseProjectConfig(doc, 'test config');
}

export interface LocalJobFixture {
  readonly ctx: JobContext;
  readonly clock: ManualClock;
  readonly meter: CapacityMeter;
  readonly bucket: string;
  /** Holds the signing key and the seal anchor file. */
  readonly stateDir: string;
  destroy(): void;
}

export async function localJobContext(
  options: { config?: ProjectConfig; now?: string; actor?: JobContext['actor']; unsigned?: boolean } = {},
): Promise<LocalJobFixture> {
  const clock = new ManualClock(options.now ?? '2026-03-01T12:00:00Z');
  const config = options.config ?? testConfig();
  const [{ client, names }, { s3, bucket }] = await Promise.all([freshTables('jobs'), freshBucket('jobs')]);
  const meter = new CapacityMeter();
  meter.attach(client);
  const hasher = hmacHasher(TEST_SECRET);
  // As the local runtime: a P-256 key and the seal anchor file in a state dir (`unsigned`: neither).
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-ctx-'));
  const signer = options.unsigned ? undefined : await KeyFileSigner.open(stateDir);
  const anchors = signer ? new SignedSealAnchors(new FileAnchorSink(stateDir), signer, config.project.id) : undefined;
  const { ctx } = wireJobContext({
    config,
    clock,
    s3,
    dynamo: client,
    bucket,
    ledgerTable: names.ledger,
    auditTable: names.audit,
    hasher,
    versioning: 'auto',
    anchors,
    ...(signer ? { signer } : {}),
    onUnversionedFallback: () => {},
    ...(options.actor ? { actor: options.actor } : {}),
    collectorVersion: 'test',
  });
  return {
    ctx,
    clock,
    meter,
    bucket,
    stateDir,
    destroy: () => {
      client.destroy();
      s3.destroy();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Thrown by `crashOn`: stands for the process dying at that point. */
export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
    this.name = 'InjectedCrash';
  }
}

/**
 * A proxy of `target` whose `method` throws InjectedCrash on its `nth` call (1-based), before doing anything.
 * Every other call goes through untouched.
 */
export function crashOn<T extends object>(target: T, method: keyof T & string, nth: number, label: string = method): T {
  let calls = 0;
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(obj) : value;
      return (...args: unknown[]) => {
        calls += 1;
        if (calls === nth) throw new InjectedCrash(`${label} #${nth}`);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}
