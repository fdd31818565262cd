/** Glue between commander and command actions: global options, output, exit codes. */
import type { Command } from 'commander';
import { BadInputError, EXIT_BAD_INPUT, StewardError } from '../../lib/domain/errors';
import { GlobalOptionsSchema, parseOptions, type GlobalOptions } from './options';
import { printResult, type CliIo, type CommandResult } from './output';

/** What every command action receives. */
export interface CommandContext {
  readonly io: CliIo;
  readonly globals: GlobalOptions;
}

export type CommandAction<O> = (options: O, context: CommandContext) => Promise<CommandResult>;

/** Run a command action: parse globals, print the result, map errors to exit codes. */
export function action<O>(io: CliIo, setExit: (code: number) => void, run: CommandAction<O>) {
  return async (options: O, command: Command): Promise<void> => {
    let json = false;
    try {
      const globals = parseOptions(GlobalOptionsSchema, command.optsWithGlobals());
      json = globals.json;
      const result = await run(options, { io, globals });
      printResult(io, result, json);
      setExit(result.exitCode);
    } catch (error) {
      reportError(io, error, json);
      setExit(error instanceof BadInputError ? EXIT_BAD_INPUT : 1);
    }
  };
}

function reportError(io: CliIo, error: unknown, json: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof BadInputError ? 'bad-input' : error instanceof StewardError ? error.name : 'error';
  if (json) io.stdout(JSON.stringify({ ok: false, error: { kind, message } }, null, 2));
  else io.stderr(`steward: ${message}`);
}

