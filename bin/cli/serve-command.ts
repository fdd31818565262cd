/**
 * `steward serve --local [--port N]`: keep the embedded services (and the emulator) up. Other `--local` commands on
 * the same state dir attach to them while it runs, instead of starting their own (lib/local/services.ts), and the
 * aws CLI can read the data. DynamoDB Local listens on N and S3 on N+1; without --port, on the ports of the previous
 * serve of the state dir when they are free.
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { action } from './action';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { onTarget } from './runtime';

/** Resolves on Ctrl-C or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

const ServeOptionsSchema = z.object({
  port: z.coerce
    .number({ message: 'must be a port number' })
    .int({ message: 'must be a whole port number' })
    .min(1, { message: 'must be 1..65534 (S3 listens on the next port)' })
    .max(65_534, { message: 'must be 1..65534 (S3 listens on the next port)' })
    .optional(),
});

export function registerServeCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('keep the local services (DynamoDB Local, S3) and the TikTok API emulator running until Ctrl-C; other --local commands on the state dir attach to them')
    .option('--port <n>', 'DynamoDB Local on port N and S3 on N+1 (default: the ports of the previous serve of this state dir, when free)')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(ServeOptionsSchema, raw);
        const services = { serve: true, ...(options.port ? { dynamoPort: options.port, s3Port: options.port + 1 } : {}) };
        return onTarget(
          context,
          {
            local: async (runtime) => {
              const endpoints = {
                dynamodb: runtime.services.dynamoEndpoint,
                s3: runtime.services.s3Endpoint,
                emulator: runtime.emulator?.url ?? null,
                bucket: runtime.bucket,
                tables: runtime.tables,
              };
              io.stderr(
                `${runtime.services.describe([runtime.tables.ledger, runtime.tables.audit])}\n${runtime.emulator ? `  TikTok API emulator ${runtime.emulator.url} (synthetic data)\n` : ''}` +
                  `\nOther --local commands with --state-dir ${context.globals.stateDir} now attach to these services (one at a time).\nPress Ctrl-C to stop.`,
              );
              await untilStopped();
              return { exitCode: 0, json: { ok: true, endpoints }, text: 'stopped' };
            },
          },
          { services },
        );
      }),
    );
}
