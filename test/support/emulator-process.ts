/**
 * `npx steward emulator` as its own process on a loopback port, as a lab would run a stand-in for TikTok: the
 * workstation path (`--local` without `--emulator`) is tested against it as a source's `baseUrl`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface EmulatorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, then wait for the process to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
}

/** Start `steward [--now T] emulator --port 0 --client-key K --client-secret S [--seed N]`; resolves once it listens. */
export async function startEmulatorProcess(options: { clientKey: string; clientSecret: string; seed?: number; now?: string }): Promise<EmulatorProcess> {
  const args = [
    join(__dirname, '../../bin/steward.cjs'),
    ...(options.now ? ['--now', options.now] : []),
    'emulator',
    '--port',
    '0',
    '--client-key',
    options.clientKey,
    '--client-secret',
    options.clientSecret,
    '--seed',
    String(options.seed ?? 1),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`emulator exited early with ${code}: ${out}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
