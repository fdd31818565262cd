/**
 * Running `steward` in-process as a user would: `runCli` with captured output, the global options of a `--local`
 * run (config file, state dir, `--now`), and, for suites that run many commands, the embedded services of the jest
 * global setup instead of a new DynamoDB Local JVM per command (see mock-modules.ts).
 *
 * @example
 * jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());
 * const steward = localCli({ config: file, stateDir: dir });
 * const { code, out } = await steward(['collect'], { now: '2026-03-01T10:00:00Z', json: true });
 */
import type { CliIo } from '../../bin/cli/output';
import { runCli } from '../../bin/cli/program';

/** A CliIo that keeps what a command prints (one line per call, as a terminal shows it). */
export function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (text: string) => {
      io.out += `${text}\n`;
    },
    stderr: (text: string) => {
      io.err += `${text}\n`;
    },
  };
  return io;
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * `steward --config FILE --local --emulator --as ada --state-dir DIR [--now T] [--json] ...args`, in-process: the
 * built-in emulator and the PI of the test configs by default (`emulator: false` for the workstation path, `as`
 * another member or `null` for none).
 */
export function localCli(globals: { config: string; stateDir: string; emulator?: boolean; as?: string | null }) {
  const platform = globals.emulator === false ? [] : ['--emulator'];
  const actor = globals.as === null ? [] : ['--as', globals.as ?? 'ada'];
  return async (args: readonly string[], options: { now?: string; json?: boolean; as?: string | null } = {}): Promise<CliRun> => {
    const io = captureIo();
    const who = options.as === undefined ? actor : options.as === null ? [] : ['--as', options.as];
    const code = await runCli(
      ['--config', globals.config, '--local', ...platform, ...who, '--state-dir', globals.stateDir, ...(options.now ? ['--now', options.now] : []), ...(options.json ? ['--json'] : []), ...args],
      io,
    );
    return { code, out: io.out, err: io.err };
  };
}
