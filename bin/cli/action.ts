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
    // Read raw first: a bad global option (say --now) is still answered as JSON when --json was given.
    let json = (command.optsWithGlobals() as { json?: unknown }).json === true;
    try {
      const globals = parseOptions(GlobalOptionsSchema, command.optsWithGlobals());
      json = globals.json;
      const result = await run(options, { io, globals });
      try {
        printResult(io, result, json);
        setExit(result.exitCode);
      } finally {
        await afterOutput(io, result, setExit);
      }
    } catch (error) {
      reportError(io, error, json);
      setExit(error instanceof BadInputError ? EXIT_BAD_INPUT : 1);
    }
  };
}

/** A result's after-output step: a failure is reported on stderr only (stdout already holds the result) and exits 1. */
async function afterOutput(io: CliIo, result: CommandResult, setExit: (code: number) => void): Promise<void> {
  if (!result.after) return;
  try {
    await result.after();
  } catch (error) {
    io.stderr(`steward: ${error instanceof Error ? error.message : String(error)}`);
    setExit(1);
  }
}

/**
 * An error as text on stderr and, with --json, also as one JSON document on stdout that scripts can read:
 * `{"ok": false, "error": {"kind": "bad-input", "message": ..., "path": "--video"}}` (`path`: the option, JSON path
 * or file at fault, when known).
 */
export function reportError(io: CliIo, error: unknown, json: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof BadInputError ? 'bad-input' : error instanceof StewardError ? error.name : 'error';
  const path = error instanceof BadInputError ? error.path : undefined;
  io.stderr(`steward: ${message}`);
  if (json) io.stdout(JSON.stringify({ ok: false, error: { kind, message, ...(path !== undefined ? { path } : {}) } }, null, 2));
}

