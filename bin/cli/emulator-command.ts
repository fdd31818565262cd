/** `steward emulator`: serve the TikTok API emulator alone until stopped. */
import type { Command } from 'commander';
import { z } from 'zod';
import { MAX_COMMENTS_PER_VIDEO, runEmulatorCli } from '../../lib/emulator';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { action } from './action';
import { untilStopped } from './serve-command';

const EmulatorOptionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535),
  clientKey: z.string().min(1),
  clientSecret: z.string().min(1),
  seed: z.coerce.number().int().min(0).default(1),
  maxCommentsPerVideo: z.coerce.number().int().min(0).max(MAX_COMMENTS_PER_VIDEO).optional(),
});

export function registerEmulatorCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('emulator')
    .description('serve the TikTok Research + Commercial Content API emulator on 127.0.0.1 until stopped')
    .requiredOption('--port <n>', 'port to listen on (0 picks a free one)')
    .requiredOption('--client-key <key>', 'client key the emulator accepts')
    .requiredOption('--client-secret <secret>', 'client secret the emulator accepts')
    .option('--seed <n>', 'seed of the synthetic world', '1')
    .option('--max-comments-per-video <n>', `most comments one video has (0..${MAX_COMMENTS_PER_VIDEO}; above 31 counts are heavy tailed, as on TikTok)`)
    .action(
      action(io, setExit, async (raw: unknown, { globals }) => {
        const options = parseOptions(EmulatorOptionsSchema, raw);
        const emulator = await runEmulatorCli({ ...options, now: globals.now });
        await untilStopped();
        await emulator.stop();
        return { exitCode: 0, json: { ok: true, stopped: emulator.url }, text: `emulator at ${emulator.url} stopped` };
      }),
    );
}
