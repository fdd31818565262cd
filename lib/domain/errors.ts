/**
 * Errors that cross layers. The CLI maps them to exit codes (DESIGN.md): 2 for bad input, 1 for a compliance
 * violation found; anything else is a failure of Steward itself.
 */
export class StewardError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from outside (config, CLI argument, event) is invalid. The message names the field and the fix. */
export class BadInputError extends StewardError {
  constructor(
    message: string,
    /** Each problem on its own line: `path: what is wrong; how to fix it`. */
    readonly problems: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message, options);
    this.path = pathOfProblem([message, ...problems]);
    // Spelled out, not taken from the class: minified Lambda bundles rename classes, and the CLI recognises a
    // job's bad input by this name in the function's error answer (exit 2).
    this.name = 'BadInputError';
  }

  /** What was wrong, as the user names it: an option (`--video`), a JSON path (`$.specs[0].query`) or a file. */
  readonly path: string | undefined;
}

/** The option or JSON path a problem starts with (`--video: ...`, `$.specs[0]: ...`), if any. */
export function pathOfProblem(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const match = /^\s*(--[a-z][a-z0-9-]*|\$[^\s:]*)(?=[\s:])/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** A check found records out of compliance (overdue obligation, broken audit chain, orphaned object). */
export class ComplianceViolationError extends StewardError {
  constructor(message: string, readonly violations: readonly string[] = []) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;

/** Exit code for an error thrown out of a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof BadInputError) return EXIT_BAD_INPUT;
  return EXIT_VIOLATION;
}
