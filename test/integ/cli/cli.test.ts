/**
 * The CLI as a user meets it: exit codes (0 ok, 2 bad input), messages that name the field, nothing written on
 * bad input, JSON output, and the emulator command as a separate process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../bin/cli/program';
import { captureIo } from '../../support/cli';
import { climateVideosSpec, sampleConfig } from '../../support/sample-config';
import { parseJson } from '../../../lib/domain/json';

const workDir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
function configFile(name: string, doc: unknown): string {
  const file = join(workDir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
}

const GOOD = sampleConfig({ id: 'cli-test', title: 'CLI test' }, { specs: [climateVideosSpec({ start: '2026-02-20', end: '2026-02-24' })] });

describe('steward CLI', () => {
  it.each([
    ['a config with a bad field', ['collect'], { ...GOOD, project: { ...GOOD.project, endDate: 'June 2027' } }, /\$\.project\.endDate: .*YYYY-MM-DD/],
    ['a config that is not JSON', ['collect'], '{"project": ', /not valid JSON/],
    ['an unknown spec', ['collect', '--spec', 'nope'], GOOD, /--spec: no spec named "nope"/],
    ['a bad --now', ['--now', 'yesterday', 'collect'], GOOD, /--now: must be an ISO 8601 time/],
    ['a shard out of range', ['refresh', '--shard', '3', '99'], GOOD, /^steward: Invalid command-line options:\n  - --shard: shards are 0\.\.15$/m],
    ['an impossible --now (no February 30)', ['--now', '2026-02-30T00:00:00Z', 'collect'], GOOD, /--now: must be an ISO 8601 time/],
    ['an impossible audit --since', ['audit', '--action', 'record.purged', '--since', '2026-02-30'], GOOD, /--since: must be an ISO 8601 time/],
    ['a record key whose id is no video id', ['audit', '--record', 'tiktok:video:abc'], GOOD, /--record: "tiktok:video:abc": a video id is a number/],
    ['a certify key whose id is no comment id', ['certify', '--record', 'tiktok:comment:x1'], GOOD, /--record: "tiktok:comment:x1": a comment id is a number/],
  ])('exits 2 on %s, names the problem, and writes nothing', async (_what, args, doc, message) => {
    // Prepare
    const io = captureIo();
    const stateDir = join(workDir, `state-${Math.random().toString(36).slice(2)}`);
    // Act
    const code = await runCli(['--config', configFile('c.json', doc), '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, ...args], io);
    // Assess
    expect(code).toBe(2);
    expect(io.err).toMatch(message);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('exits 2 on an unknown option or command', async () => {
    expect(await runCli(['collect', '--frobnicate'], captureIo())).toBe(2);
    expect(await runCli(['frobnicate'], captureIo())).toBe(2);
  });

  it('without --local and without the stack\'s outputs, says how to get them or to add --local', async () => {
    const io = captureIo();
    expect(await runCli(['--config', configFile('good.json', GOOD), '--outputs', join(workDir, 'no-outputs.json'), 'collect'], io)).toBe(2);
    expect(io.err).toMatch(/cdk deploy .*--outputs-file .*no-outputs\.json.*add --local/);
  });

  it('reports bad input as JSON with --json', async () => {
    const io = captureIo();
    const code = await runCli(['--json', '--config', join(workDir, 'missing.json'), '--local', 'collect'], io);
    expect(code).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ ok: false, error: { kind: 'bad-input', message: expect.stringContaining('cannot read config file') } });
  });

  it('collects with --local and prints one JSON document; state survives for the next command', async () => {
    // Prepare
    const stateDir = join(workDir, 'state-ok');
    const args = ['--json', '--config', configFile('good.json', GOOD), '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, '--now', '2026-03-01T10:00:00Z'];
    // Act
    const io = captureIo();
    const code = await runCli([...args, 'collect'], io);
    const again = captureIo();
    const code2 = await runCli([...args, 'collect', '--spec', 'climate-videos'], again);
    // Assess
    expect(code).toBe(0);
    const report = parseJson(io.out) as { specs: Array<{ spec: string; outcome: string; newRecords: number }> };
    expect(report.specs[0]).toMatchObject({ spec: 'climate-videos', outcome: 'finished' });
    expect(report.specs[0]!.newRecords).toBeGreaterThan(10);
    expect(code2).toBe(0);
    expect((parseJson(again.out) as typeof report).specs[0]).toMatchObject({ newRecords: 0, outcome: 'finished' });
    expect(readdirSync(stateDir).sort()).toEqual(expect.arrayContaining(['dynamodb', 's3', 'local-state.json']));
  }, 120_000);

  it('serves the emulator as its own process until stopped', async () => {
    // Act
    const child = spawn(process.execPath, [join(__dirname, '../../../bin/steward.cjs'), 'emulator', '--port', '0', '--client-key', 'k1', '--client-secret', 's1', '--seed', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited early with ${code}: ${out}`)));
    });
    const token = await fetch(`${url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_key: 'k1', client_secret: 's1', grant_type: 'client_credentials' }),
    });
    const wrong = await fetch(`${url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_key: 'k1', client_secret: 'nope', grant_type: 'client_credentials' }),
    });
    child.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    // Assess
    expect(token.status).toBe(200);
    expect(((await token.json()) as { access_token: string }).access_token).toMatch(/^clt\./);
    expect(wrong.status).toBe(401);
    expect(exitCode).toBe(0);
  }, 60_000);
});
