/**
 * The `steward` command line: commander parses, zod validates, jobs do the work. Kept separate from
 * bin/steward.ts so tests can run any command in-process and read its output and exit code.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT } from '../../lib/domain/errors';
import { registerCollectCommand } from './collect-command';
import { registerEmulatorCommand } from './emulator-command';
import { registerServeCommand } from './serve-command';
import { registerAuditCommand } from './audit-command';
import { registerVerifyCommand } from './verify-command';
import { registerReportCommand } from './report-command';
import { registerCalendarCommand } from './calendar-command';
import { registerPublicationCommand } from './publication-command';
import { registerCertifyCommand } from './certify-command';
import { registerRefreshCommand } from './refresh-command';
import { registerPurgeCommand } from './purge-command';
import { registerExpireCommand } from './expire-command';
import { registerEraseCommand } from './erase-command';
import { registerQuotaCommand } from './quota-command';
import { registerExportCommand } from './export-command';
import { registerQueryCommand } from './query-command';
import type { CliIo } from './output';
import packageJson from '../../package.json';

/** What `--version` prints. */
export const STEWARD_VERSION = packageJson.version;

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('steward')
    .description('Keeps TikTok research data compliant: collect, refresh, purge, audit, prove.')
    .option('--config <file>', 'project config file', 'steward.config.json')
    .option('--local', 'run against embedded local services (state under --state-dir)', false)
    .option('--emulator', 'with --local: use the built-in TikTok API emulator (synthetic data) instead of each source\'s baseUrl', false)
    .option('--state-dir <dir>', 'where --local keeps its state', '.steward')
    .option('--outputs <file>', 'without --local: the deployed stack\'s outputs (cdk deploy --outputs-file)', 'steward.outputs.json')
    .option('--now <iso>', 'set the clock for local runs (the emulator follows it)')
    .option('--as <member>', 'who acts (a member in the config; default: STEWARD_RESEARCHER); changing commands need one')
    .option('--json', 'print one JSON document instead of text', false)
    .version(STEWARD_VERSION, '-V, --version', 'print Steward\'s version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  registerCollectCommand(program, io, setExit);
  registerEmulatorCommand(program, io, setExit);
  registerServeCommand(program, io, setExit);
  registerAuditCommand(program, io, setExit);
  registerVerifyCommand(program, io, setExit);
  registerReportCommand(program, io, setExit);
  registerCalendarCommand(program, io, setExit);
  registerPublicationCommand(program, io, setExit);
  registerCertifyCommand(program, io, setExit);
  registerRefreshCommand(program, io, setExit);
  registerPurgeCommand(program, io, setExit);
  registerExpireCommand(program, io, setExit);
  registerEraseCommand(program, io, setExit);
  registerQuotaCommand(program, io, setExit);
  registerExportCommand(program, io, setExit);
  registerQueryCommand(program, io, setExit);
  versionEverywhere(program);
  return program;
}

/** `--version` on every command and subcommand too (`steward purge holds --version`), whoever registered it. */
function versionEverywhere(command: Command): void {
  for (const sub of command.commands) {
    sub.version(STEWARD_VERSION, '-V, --version', 'print Steward\'s version');
    versionEverywhere(sub);
  }
}

/** Parse argv and run; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is bad input (commander printed it).
      if (error.exitCode === 0) return 0;
      if (argv.includes('--json')) {
        const message = error.message.replace(/^error: /, '');
        const option = /'(--?[A-Za-z][\w-]*)'/.exec(message)?.[1];
        io.stdout(JSON.stringify({ ok: false, error: { kind: 'bad-input', message, ...(option ? { path: option } : {}) } }, null, 2));
      }
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  return exitCode;
}
