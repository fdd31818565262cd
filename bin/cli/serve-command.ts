/** `steward serve --local`: keep the embedded services and the emulator up, so the aws CLI can read local data. */
import type { Command } from 'commander';
import { action } from './action';
import type { CliIo } from './output';
import { onTarget } from './runtime';

/** Resolves on Ctrl-C or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function registerServeCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('keep the local services (DynamoDB Local, S3) and the TikTok API emulator running until Ctrl-C')
    .action(
      action(io, setExit, async (_raw: unknown, context) =>
        onTarget(context, {
          local: async (runtime) => {
          const endpoints = {
            dynamodb: runtime.services.dynamoEndpoint,
            s3: runtime.services.s3Endpoint,
            emulator: runtime.emulator?.url ?? null,
            bucket: runtime.bucket,
            tables: runtime.tables,
          };
          io.stderr(`${runtime.services.describe([runtime.tables.ledger, runtime.tables.audit])}\n${runtime.emulator ? `  TikTok API emulator ${runtime.emulator.url} (synthetic data)\n` : ''}\nPress Ctrl-C to stop.`);
          await untilStopped();
          return { exitCode: 0, json: { ok: true, endpoints }, text: 'stopped' };
          },
        }),
      ),
    );
}
