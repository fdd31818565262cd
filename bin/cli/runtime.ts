/** Opening the runtime a command runs on: embedded local services with `--local`, the deployed stack otherwise. */
import { loadProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/domain/errors';
import type { Actor } from '../../lib/jobs/context';
import { openLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lib/local/runtime';
import type { GlobalOptions } from './options';
import packageJson from '../../package.json';

export const COLLECTOR_VERSION = `steward/${packageJson.version}`;

/** Who runs a CLI command: the researcher named by STEWARD_RESEARCHER, else the OS user. */
export function cliActor(): Actor {
  const name = (process.env.STEWARD_RESEARCHER ?? process.env.USER ?? 'researcher').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64);
  return { type: 'researcher', name };
}

/**
 * Run `fn` on the runtime the global options select, and close it whatever happens. `validate` checks the
 * command's input against the config first: bad input fails before anything (even the state dir) is written.
 */
export async function withRuntime<T>(
  globals: GlobalOptions,
  fn: (runtime: LocalRuntime) => Promise<T>,
  extra: Partial<Omit<LocalRuntimeOptions, 'config' | 'stateDir' | 'now'>> & { validate?: (config: ProjectConfig) => void } = {},
): Promise<T> {
  if (!globals.local) {
    throw new BadInputError(
      'this build of steward runs against embedded local services only: add --local (state is kept under --state-dir, default .steward)',
    );
  }
  const config = await loadProjectConfig(globals.config);
  const { validate, ...runtimeOptions } = extra;
  validate?.(config);
  const runtime = await openLocalRuntime({
    config,
    stateDir: globals.stateDir,
    collectorVersion: COLLECTOR_VERSION,
    actor: cliActor(),
    ...(globals.now ? { now: globals.now } : {}),
    ...runtimeOptions,
  });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
