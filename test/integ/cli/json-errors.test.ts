/**
 * Bad input is exit 2 on every command, names what is wrong, writes nothing, and with --json also prints one JSON
 * document on stdout: `{"ok": false, "error": {"kind": "bad-input", "message": ..., "path": ...}}`. Ids are unsigned
 * 64-bit numbers; an --out file needs an existing folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../bin/cli/program';
import { isPlatformId } from '../../../lib/domain/records';
import { captureIo } from '../../support/cli';
import { sampleConfig, writeSampleConfig } from '../../support/sample-config';

const { workDir, configFile: config } = writeSampleConfig('steward-json-errors-', sampleConfig({ id: 'cli-json-errors', title: 'CLI JSON errors' }));
const TWO_TO_64 = '18446744073709551616';
const missingFolder = join(workDir, 'no-such-folder', 'report.md');

async function steward(args: readonly string[], json = true) {
  const io = captureIo();
  const stateDir = join(workDir, `state-${Math.random().toString(36).slice(2)}`);
  const code = await runCli(['--config', config, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, ...(json ? ['--json'] : []), ...args], io);
  return { code, out: io.out, err: io.err, wrote: existsSync(stateDir) };
}

describe('bad input: exit 2, nothing written, and one JSON document with --json', () => {
  it.each([
    ['erase --video 2^64', ['erase', '--video', TWO_TO_64], '--video', /unsigned 64-bit/],
    ['erase --comment 2^64', ['erase', '--comment', TWO_TO_64], '--comment', /unsigned 64-bit/],
    ['audit --record with an id of 2^64', ['audit', '--record', `tiktok:video:${TWO_TO_64}`], '--record', /unsigned 64-bit/],
    ['certify --record with an id of 2^64', ['certify', '--record', `tiktok:comment:${TWO_TO_64}`], '--record', /unsigned 64-bit/],
    ['report --out into a missing folder', ['report', '--out', missingFolder], '--out', /no-such-folder does not exist/],
    ['certify --out into a missing folder', ['certify', '--record', 'tiktok:video:1', '--out', missingFolder], '--out', /no-such-folder does not exist/],
    ['report --out naming a folder', ['report', '--out', workDir], '--out', /it is a folder/],
    ['verify --content that is neither full nor a number', ['verify', '--content', 'most'], '--content', /use "full"/],
    ['refresh --shard out of range', ['refresh', '--shard', '99'], '--shard', /shards are 0\.\.15/],
    ['an option commander does not know', ['purge', '--frobnicate'], '--frobnicate', /unknown option/],
  ])('%s', async (_what, args, path, message) => {
    const { code, out, err, wrote } = await steward(args);

    expect(code).toBe(2);
    expect(wrote).toBe(false);
    expect(err).toMatch(message);
    expect(JSON.parse(out)).toEqual({ ok: false, error: { kind: 'bad-input', message: expect.stringMatching(message), path } });
  });

  it.each([
    ['collect'],
    ['refresh'],
    ['purge'],
    ['expire'],
    ['erase', '--video', '1'],
    ['report'],
    ['audit', '--record', 'tiktok:video:1'],
    ['verify'],
    ['certify', '--record', 'tiktok:video:1'],
    ['quota', 'plan'],
    ['serve'],
  ])('every command answers a bad global option as JSON too: %s --now 2026-02-30', async (...args) => {
    const { code, out, wrote } = await steward(['--now', '2026-02-30T00:00:00Z', ...args]);

    expect(code).toBe(2);
    expect(wrote).toBe(false);
    expect(JSON.parse(out)).toEqual({ ok: false, error: { kind: 'bad-input', message: expect.stringContaining('--now'), path: '--now' } });
  });

  it('without --json, bad input is text on stderr only', async () => {
    const { code, out, err } = await steward(['erase', '--video', TWO_TO_64], false);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toContain(`--video: "${TWO_TO_64}" is not a TikTok video id: ids are unsigned 64-bit numbers, at most 18446744073709551615`);
  });

  it('the largest 64-bit id is an id; one more is not', () => {
    expect(isPlatformId('18446744073709551615')).toBe(true);
    expect(isPlatformId(TWO_TO_64)).toBe(false);
    expect(isPlatformId('99999999999999999999')).toBe(false);
    expect(isPlatformId('7320768196569599275')).toBe(true);
  });
});
