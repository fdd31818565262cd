/**
 * A lab's workstation: `--local` without `--emulator` talks to each source's `baseUrl` with the client key and
 * secret from the environment variables its config names, here `npx steward emulator` in its own process on a
 * loopback port, exactly as it would talk to TikTok. The state dir remembers which platform it belongs to and
 * refuses another (the built-in emulator, another client key) before anything is written; credentials are never
 * stored; changing commands need a member who may take them (`--as`); a lost or damaged state file is refused.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../bin/cli/program';
import { parseJson } from '../../../lib/domain/json';
import { sha256Hex } from '../../../lib/domain/hashing';
import { captureIo, localCli } from '../../support/cli';
import { startEmulatorProcess, type EmulatorProcess } from '../../support/emulator-process';

jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());

const T0 = '2026-03-01T10:00:00Z';
const KEY = 'lab-key-4711';
const SECRET = 'lab-secret-0815';
const workDir = mkdtempSync(join(tmpdir(), 'steward-workstation-'));

function configDoc(baseUrl: string, credentials: Record<string, string> = { clientKeyEnv: 'WS_TIKTOK_KEY', clientSecretEnv: 'WS_TIKTOK_SECRET' }) {
  return {
    project: { id: `workstation-${process.pid}`, title: 'Workstation test', endDate: '2027-06-30' },
    members: [
      { name: 'ada', role: 'pi' },
      { name: 'grace', role: 'researcher' },
    ],
    sources: { research: { api: 'tiktok-research', baseUrl, credentials } },
    specs: [
      {
        name: 'climate-videos',
        source: 'research',
        kind: 'video',
        query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
        window: { start: '2026-02-27', end: '2026-02-28' },
        schedule: 'rate(1 day)',
      },
    ],
  };
}

function writeConfig(name: string, doc: unknown): string {
  const file = join(workDir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('steward --local on a workstation (a source\'s baseUrl, env-var credentials)', () => {
  let emulator: EmulatorProcess;
  let config: string;
  const stateDir = join(workDir, 'state');
  const saved = { researcher: process.env.STEWARD_RESEARCHER };

  beforeAll(async () => {
    delete process.env.STEWARD_RESEARCHER;
    emulator = await startEmulatorProcess({ clientKey: KEY, clientSecret: SECRET, seed: 3, now: T0 });
    config = writeConfig('steward.config.json', configDoc(emulator.url));
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
    if (saved.researcher === undefined) delete process.env.STEWARD_RESEARCHER;
    else process.env.STEWARD_RESEARCHER = saved.researcher;
  });

  beforeEach(() => {
    process.env.WS_TIKTOK_KEY = KEY;
    process.env.WS_TIKTOK_SECRET = SECRET;
  });

  const steward = () => localCli({ config, stateDir, emulator: false });

  it('collects from the baseUrl with the env credentials, records the platform without the secret, and says nothing of synthetic data', async () => {
    // Act
    const run = await steward()(['collect'], { now: T0 });
    const json = await steward()(['collect'], { now: '2026-03-01T10:05:00Z', json: true });

    // Assess
    expect([run.code, run.err]).toEqual([0, '']);
    expect(run.out).toMatch(/climate-videos\s+[1-9]\d* new/);
    expect(run.out).not.toContain('synthetic');
    expect(json.code).toBe(0);
    const stateText = readFileSync(join(stateDir, 'local-state.json'), 'utf8');
    expect(parseJson(stateText)).toMatchObject({ platforms: { research: { kind: 'api', baseUrl: emulator.url, clientKeySha256: sha256Hex(KEY) } } });
    expect(stateText).not.toContain(KEY);
    expect(stateText).not.toContain(SECRET);
  }, 60_000);

  it('refuses the built-in emulator and another client key on this state: exit 2 naming both, nothing written', async () => {
    // Prepare
    const before = readFileSync(join(stateDir, 'local-state.json'), 'utf8');
    const events = async () => (parseJson((await steward()(['audit', '--researcher', 'ada', '--limit', '1000'], { json: true })).out) as { events: unknown[] }).events.length;
    const eventsBefore = await events();

    // Act
    const onEmulator = await localCli({ config, stateDir })(['collect'], { now: T0 });
    process.env.WS_TIKTOK_KEY = 'another-key';
    const otherKey = await steward()(['collect'], { now: T0 });
    process.env.WS_TIKTOK_KEY = KEY;

    // Assess
    expect(onEmulator.code).toBe(2);
    expect(onEmulator.err).toMatch(new RegExp(`source "research": this state holds records of ${emulator.url.replace(/[.]/g, '\\.')} \\(client key sha256 ${sha256Hex(KEY).slice(0, 12)}…\\), but this command would talk to the built-in emulator \\(seed 1, world anchor 2026-03-01\\)`));
    expect(otherKey.code).toBe(2);
    expect(otherKey.err).toContain(`client key sha256 ${sha256Hex('another-key').slice(0, 12)}`);
    expect(otherKey.err).not.toContain('another-key');
    expect(readFileSync(join(stateDir, 'local-state.json'), 'utf8')).toBe(before);
    expect(await events()).toBe(eventsBefore);
  }, 60_000);

  it('exits 2 naming $.sources.NAME.credentials for a missing variable or a secretName source', async () => {
    // Prepare
    delete process.env.WS_TIKTOK_SECRET;
    const fresh = join(workDir, 'state-no-creds');
    // Act
    const missing = await localCli({ config, stateDir: fresh, emulator: false })(['collect'], { now: T0 });
    const secretName = await localCli({ config: writeConfig('secret-name.json', configDoc(emulator.url, { secretName: 'steward/x' })), stateDir: fresh, emulator: false })(['collect'], { now: T0 });
    // Assess
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/\$\.sources\.research\.credentials: environment variable WS_TIKTOK_SECRET is not set/);
    expect(secretName.code).toBe(2);
    expect(secretName.err).toMatch(/\$\.sources\.research\.credentials: \{"secretName"\} is read by the deployed stack only/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('changing commands need a member who may: nobody, a non-member, a researcher expiring are exit 2; a researcher may erase, named in the audit', async () => {
    // Act
    const nobody = await steward()(['collect'], { now: T0, as: null });
    const mallory = await steward()(['erase', '--user', 'someone'], { now: T0, as: 'mallory' });
    const graceExpires = await steward()(['expire'], { now: T0, as: 'grace' });
    const graceReads = await steward()(['expire', '--dry-run'], { now: T0, as: 'grace' });
    const graceErases = await steward()(['erase', '--user', 'someone'], { now: '2026-03-01T11:00:00Z', as: 'grace', json: true });
    const byGrace = await steward()(['audit', '--researcher', 'grace'], { json: true });

    // Assess
    expect([nobody.code, nobody.err]).toEqual([2, expect.stringMatching(/collect changes the project's data: say who acts with --as MEMBER or STEWARD_RESEARCHER/)]);
    expect([mallory.code, mallory.err]).toEqual([2, expect.stringMatching(/--as: "mallory" is not a member of this project/)]);
    expect([graceExpires.code, graceExpires.err]).toEqual([2, expect.stringMatching(/--as: grace is a researcher: only the pi may expire/)]);
    expect(graceReads.code).toBe(0);
    expect(graceErases.code).toBe(0);
    const events = (parseJson(byGrace.out) as { events: Array<{ action: string; actor: { name: string } }> }).events;
    expect(events.map((e) => [e.action, e.actor.name])).toContainEqual(['erasure.requested', 'grace']);
    // The account's key as erase prints it (its id is the keyed hash of the username) finds its history.
    const { recordKey } = parseJson(graceErases.out) as { recordKey: string };
    expect(recordKey).toMatch(/^tiktok:user:[0-9a-f]{32}$/);
    const history = await steward()(['audit', '--record', recordKey], { json: true });
    expect((parseJson(history.out) as { events: Array<{ action: string }> }).events.map((e) => e.action)).toEqual(['erasure.requested', 'record.purged']);
  }, 60_000);

  it('--emulator needs --local, and an emulator state says "synthetic data (emulator)" once per text output', async () => {
    // Prepare
    const emulatorState = join(workDir, 'state-emulator');
    // Act
    const deployed = captureIo();
    const deployedCode = await runCli(['--config', config, '--emulator', 'quota', 'plan'], deployed);
    const collected = await localCli({ config, stateDir: emulatorState })(['quota', 'plan'], { now: T0 });
    const json = await localCli({ config, stateDir: emulatorState })(['quota', 'plan'], { now: T0, json: true });
    // Assess
    expect([deployedCode, deployed.err]).toEqual([2, expect.stringMatching(/--emulator .*add --local/)]);
    expect(collected.code).toBe(0);
    expect(collected.out.split('synthetic data (emulator)')).toHaveLength(2);
    expect(json.out).not.toContain('synthetic');
  }, 60_000);
});

describe('a state dir that cannot be trusted is refused (exit 2, says what to do, writes nothing)', () => {
  const config = writeConfig('plain.json', configDoc('https://open.tiktokapis.com'));
  const cli = (stateDir: string) => localCli({ config, stateDir });

  it('a --state-dir that is a file', async () => {
    const file = join(workDir, 'a-file');
    writeFileSync(file, 'x');
    const run = await cli(file)(['collect'], { now: T0 });
    expect([run.code, run.err]).toEqual([2, expect.stringMatching(/--state-dir .*a-file: is a file, not a directory/)]);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a local-state.json deleted while the ledger remains: no new hashing secret', async () => {
    const dir = join(workDir, 'state-lost');
    mkdirSync(join(dir, 'dynamodb'), { recursive: true });
    writeFileSync(join(dir, 'dynamodb', 'shared-local-instance.db'), 'ledger');
    const run = await cli(dir)(['collect'], { now: T0 });
    expect([run.code, run.err]).toEqual([2, expect.stringMatching(/local-state\.json is missing but the ledger .* remain.*Restore it from a backup/s)]);
    expect(existsSync(join(dir, 'local-state.json'))).toBe(false);
  });

  it('a truncated local-state.json is not replaced', async () => {
    const dir = join(workDir, 'state-truncated');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'local-state.json'), '{"worldAnchor": "2026-03-01T00:00:00.000Z", "sec');
    const run = await cli(dir)(['report'], { now: T0 });
    expect([run.code, run.err]).toEqual([2, expect.stringMatching(/local-state\.json is damaged: is not valid JSON \(truncated\?\).*restore it from a backup/s)]);
    expect(readFileSync(join(dir, 'local-state.json'), 'utf8')).toMatch(/"sec$/);
  });

  it.each([
    ['truncated', 5000, /shared-local-instance\.db: the local ledger database is truncated \(5000 bytes of 36864\); restore .*dynamodb from a backup/],
    ['not SQLite', 0, /shared-local-instance\.db: the local ledger database is damaged \(not an SQLite database\)/],
  ] as const)('a %s DynamoDB Local file, before DynamoDB Local starts on it', async (what, size, message) => {
    const dir = join(workDir, `state-db-${what.replace(' ', '-')}`);
    mkdirSync(join(dir, 'dynamodb'), { recursive: true });
    writeFileSync(join(dir, 'local-state.json'), JSON.stringify({ worldAnchor: '2026-03-01T00:00:00.000Z', secret: 'a'.repeat(64), platforms: {} }));
    // An SQLite header that records 9 pages of 4096 bytes (change counter = version-valid-for), cut short.
    const header = Buffer.alloc(100);
    header.write('SQLite format 3\u0000', 0, 'latin1');
    header.writeUInt16BE(4096, 16);
    header.writeUInt32BE(1, 24);
    header.writeUInt32BE(9, 28);
    header.writeUInt32BE(1, 92);
    const db = size > 0 ? Buffer.concat([header, Buffer.alloc(size - 100)]) : Buffer.from('x'.repeat(200));
    writeFileSync(join(dir, 'dynamodb', 'shared-local-instance.db'), db);
    const run = await cli(dir)(['report'], { now: T0 });
    expect([run.code, run.err]).toEqual([2, expect.stringMatching(message)]);
    expect(JSON.parse(readFileSync(join(dir, 'local-state.json'), 'utf8')).platforms).toEqual({});
  });
});
