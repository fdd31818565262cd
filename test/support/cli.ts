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

/** `steward --config FILE --local --state-dir DIR [--now T] [--json] ...args`, in-process. */
export function localCli(globals: { config: string; stateDir: string }) {
  return async (args: readonly string[], options: { now?: string; json?: boolean } = {}): Promise<CliRun> => {
    const io = captureIo();
    const code = await runCli(
      ['--config', globals.config, '--local', '--state-dir', globals.stateDir, ...(options.now ? ['--now', options.now] : []), ...(options.json ? ['--json'] : []), ...args],
      io,
    );
    return { code, out: io.out, err: io.err };
  };
}
