#!/usr/bin/env node
/** `npx steward`: see bin/cli/program.ts. */
import { runCli } from './cli/program';
import { processIo } from './cli/output';

runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`steward: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
