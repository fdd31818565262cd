/**
 * What a `--local` state dir remembers between commands (`<state dir>/local-state.json`): the project's hashing
 * secret, the emulator's world anchor, and the identity of each source's platform at first use. Everything is
 * checked before the first write of a command:
 * - a state dir that is a file, or a state file that is missing or damaged while the ledger remains, is refused
 *   (a new hashing secret would silently orphan every record's history);
 * - a command against another platform than the one the state belongs to (the built-in emulator against a real
 *   API, another emulator seed or world, another base URL or client key) is refused, naming both.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { ProjectConfig } from '../config/schema';
import { startOfUtcDay } from '../domain/clock';
import { BadInputError } from '../domain/errors';
import { sha256Hex } from '../domain/hashing';

export const STATE_FILE = 'local-state.json';

/** The platform a source's records came from. Never holds a credential: only a SHA-256 of the client key. */
export const PlatformIdentitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('emulator'), seed: z.number().int(), worldAnchor: z.string() }).strict(),
  z.object({ kind: z.literal('api'), baseUrl: z.string(), clientKeySha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
]);
export type PlatformIdentity = z.infer<typeof PlatformIdentitySchema>;

const LocalStateSchema = z.object({
  /** Anchor of the emulator's synthetic world: the same world on every run, whatever the clock says. */
  worldAnchor: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time'),
  /** The project's HMAC secret for keyed hashes (on AWS it lives in Secrets Manager). */
  secret: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
  /** Each source's platform, recorded at first use. */
  platforms: z.record(z.string(), PlatformIdentitySchema).default({}),
});
export type LocalState = z.infer<typeof LocalStateSchema>;

/** Where the TikTok APIs are for a `--local` command, and how to reach them. */
export type PlatformChoice =
  | { readonly kind: 'emulator'; readonly seed: number }
  | { readonly kind: 'api'; readonly credentials: ReadonlyMap<string, SourceCredentials> };

export interface SourceCredentials {
  readonly baseUrl: string;
  readonly clientKey: string;
  readonly clientSecret: string;
}

/**
 * Each source's base URL and credentials from the environment variables its config names, read once. A
 * `secretName` source or a missing variable is bad input naming `$.sources.NAME.credentials`.
 */
export function workstationCredentials(config: ProjectConfig, env: NodeJS.ProcessEnv): Map<string, SourceCredentials> {
  const found = new Map<string, SourceCredentials>();
  const problems: string[] = [];
  for (const [name, source] of Object.entries(config.sources)) {
    const path = `$.sources.${name}.credentials`;
    const creds = source.credentials;
    if ('secretName' in creds) {
      problems.push(
        `${path}: {"secretName"} is read by the deployed stack only; on a workstation give {"clientKeyEnv": "VAR", "clientSecretEnv": "VAR"} ` +
          `and export those variables (or add --emulator for the built-in emulator's synthetic data)`,
      );
      continue;
    }
    const missing = [creds.clientKeyEnv, creds.clientSecretEnv].filter((v) => !env[v]);
    if (missing.length > 0) {
      problems.push(`${path}: environment variable ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; export the client key and secret TikTok issued (or add --emulator for synthetic data)`);
      continue;
    }
    found.set(name, { baseUrl: source.baseUrl.replace(/\/+$/, ''), clientKey: env[creds.clientKeyEnv]!, clientSecret: env[creds.clientSecretEnv]! });
  }
  if (problems.length > 0) throw new BadInputError('The TikTok API credentials of this workstation are not usable:', problems);
  return found;
}

export function describeIdentity(identity: PlatformIdentity): string {
  return identity.kind === 'emulator'
    ? `the built-in emulator (seed ${identity.seed}, world anchor ${identity.worldAnchor.slice(0, 10)})`
    : `${identity.baseUrl} (client key sha256 ${identity.clientKeySha256.slice(0, 12)}…)`;
}

/** A state dir that is a file is refused before anything is created. */
export function checkStateDir(stateDir: string): void {
  let isFile = false;
  try {
    isFile = !statSync(stateDir).isDirectory();
  } catch {
    return; // absent: created on open
  }
  if (isFile) throw new BadInputError(`--state-dir ${stateDir}: is a file, not a directory; give a directory (created if missing), e.g. --state-dir .steward`);
}

/** DynamoDB Local's database in a state dir (an SQLite file). */
export const LEDGER_FILE = join('dynamodb', 'shared-local-instance.db');

/**
 * A ledger database that is truncated or not SQLite is refused before DynamoDB Local starts on it (it would hang
 * on "database disk image is malformed" and fail after its start timeout). Checks the SQLite header: the magic
 * string, and the file size against the page count the header records.
 */
export function checkLedgerFile(stateDir: string): void {
  const file = join(stateDir, LEDGER_FILE);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return; // no ledger yet
  }
  if (size === 0) return; // an empty file is an empty database to SQLite
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const fix = `restore ${join(stateDir, 'dynamodb')} from a backup, or start over in a new --state-dir`;
  if (read < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') {
    throw new BadInputError(`${file}: the local ledger database is damaged (not an SQLite database); ${fix}`);
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The in-header page count is valid when "version-valid-for" equals the change counter (SQLite file format).
  const countValid = header.readUInt32BE(92) === header.readUInt32BE(24);
  const expected = countValid ? pages * pageSize : undefined;
  if ((expected !== undefined && size < expected) || size % pageSize !== 0) {
    throw new BadInputError(`${file}: the local ledger database is truncated (${size} bytes${expected !== undefined ? ` of ${expected}` : ''}); ${fix}`);
  }
}

/** Whether the state dir holds a ledger or stored objects (a state file must then exist and match it). */
async function holdsData(stateDir: string): Promise<boolean> {
  for (const dir of ['dynamodb', 's3']) {
    const entries = await readdir(join(stateDir, dir)).catch(() => [] as string[]);
    if (entries.length > 0) return true;
  }
  return false;
}

/**
 * Read the state file, or make a new one for an empty state dir (returned as `fresh`, written by `saveState`).
 * A missing or damaged file beside existing data is refused: restoring it is the only way to keep the records'
 * keyed hashes.
 */
export async function loadState(stateDir: string, now: Date): Promise<{ state: LocalState; fresh: boolean }> {
  const file = join(stateDir, STATE_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new BadInputError(`${file}: cannot be read (${(error as Error).message})`);
  }
  if (text === undefined) {
    if (await holdsData(stateDir)) {
      throw new BadInputError(
        `${file} is missing but the ledger and stored records in ${stateDir} remain: the file holds the project's hashing secret, ` +
          `without which no record's history is found. Restore it from a backup (cp BACKUP/${STATE_FILE} ${file}); ` +
          `to start over instead, use a new --state-dir. Steward will not make a new secret here.`,
      );
    }
    return { state: { worldAnchor: startOfUtcDay(now).toISOString(), secret: randomBytes(32).toString('hex'), platforms: {} }, fresh: true };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  const parsed = LocalStateSchema.safeParse(document);
  if (!parsed.success) {
    const where = document === undefined ? 'is not valid JSON (truncated?)' : parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ');
    throw new BadInputError(
      `${file} is damaged: ${where}. It holds the project's hashing secret: restore it from a backup (cp BACKUP/${STATE_FILE} ${file}); ` +
        `to start over instead, use a new --state-dir. Steward will not replace it.`,
    );
  }
  return { state: parsed.data, fresh: false };
}

export async function saveState(stateDir: string, state: LocalState): Promise<void> {
  await writeFile(join(stateDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Each source's platform identity for this command. */
export function identitiesFor(config: ProjectConfig, state: LocalState, platform: PlatformChoice): Record<string, PlatformIdentity> {
  const out: Record<string, PlatformIdentity> = {};
  for (const name of Object.keys(config.sources)) {
    if (platform.kind === 'emulator') {
      out[name] = { kind: 'emulator', seed: platform.seed, worldAnchor: state.worldAnchor };
    } else {
      const creds = platform.credentials.get(name)!;
      out[name] = { kind: 'api', baseUrl: creds.baseUrl, clientKeySha256: sha256Hex(creds.clientKey) };
    }
  }
  return out;
}

/**
 * Compare each source's identity with the one the state recorded; a difference is bad input naming both.
 * Returns the state with identities of sources seen for the first time added (and whether it changed).
 */
export function checkIdentities(stateDir: string, state: LocalState, current: Record<string, PlatformIdentity>): { state: LocalState; changed: boolean } {
  const problems: string[] = [];
  const platforms = { ...state.platforms };
  let changed = false;
  for (const [source, identity] of Object.entries(current)) {
    const recorded = platforms[source];
    if (!recorded) {
      platforms[source] = identity;
      changed = true;
      continue;
    }
    if (JSON.stringify(recorded) !== JSON.stringify(identity)) {
      problems.push(`source "${source}": this state holds records of ${describeIdentity(recorded)}, but this command would talk to ${describeIdentity(identity)}`);
    }
  }
  if (problems.length > 0) {
    throw new BadInputError(
      `${stateDir} belongs to another platform; nothing was done (records of one platform checked against another would look deleted). ` +
        `Run with the platform it belongs to (--emulator or not, the same baseUrl and client key), or use another --state-dir:`,
      problems,
    );
  }
  return { state: { ...state, platforms }, changed };
}
