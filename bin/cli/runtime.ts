/** Opening what a command runs on: embedded local services with `--local`, the deployed stack otherwise. */
import { loadProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/domain/errors';
import type { Actor } from '../../lib/jobs/context';
import { openLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lib/local/runtime';
import { openDeployedStack, readStackOutputs, type DeployedStack } from './deployed';
import type { CommandContext } from './action';
import type { CommandResult } from './output';
import packageJson from '../../package.json';

export const COLLECTOR_VERSION = `steward/${packageJson.version}`;

/** Who runs a CLI command: the researcher named by STEWARD_RESEARCHER, else the OS user. */
export function cliActor(): Actor {
  const name = (process.env.STEWARD_RESEARCHER ?? process.env.USER ?? 'researcher').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64);
  return { type: 'researcher', name };
}

/** A command's work on each target. */
export interface TargetWork {
  /** `--local`: the jobs in-process on embedded services and the emulator. */
  readonly local: (runtime: LocalRuntime) => Promise<CommandResult>;
  /** Without `--local`: the job functions of the deployed stack; absent for commands that only run locally. */
  readonly deployed?: (stack: DeployedStack, config: ProjectConfig) => Promise<CommandResult>;
}

export interface TargetOptions extends Partial<Omit<LocalRuntimeOptions, 'config' | 'stateDir' | 'now'>> {
  /** Checks the command's input against the config: bad input fails before anything is opened or written. */
  readonly validate?: (config: ProjectConfig) => void;
}

/** Run a command's work on the target the global options select, and close it whatever happens. */
export async function onTarget({ globals, io }: CommandContext, work: TargetWork, options: TargetOptions = {}): Promise<CommandResult> {
  const config = await loadProjectConfig(globals.config);
  const { validate, ...runtimeOptions } = options;
  validate?.(config);
  if (!globals.local) {
    if (!work.deployed) throw new BadInputError('this command runs on the embedded local services only: add --local');
    if (globals.now) throw new BadInputError('--now sets the clock of --local runs only; the deployed jobs run on AWS time (drop --now, or add --local)');
    // A job may run for minutes: say what is being waited for, on a terminal only (--json and pipes stay clean).
    const notice = io.isTty && !globals.json ? (text: string) => io.stderr(text) : undefined;
    const stack = openDeployedStack(await readStackOutputs(globals.outputs, config), notice ? { notice } : {});
    try {
      return await work.deployed(stack, config);
    } finally {
      stack.close();
    }
  }
  const runtime = await openLocalRuntime({
    config,
    stateDir: globals.stateDir,
    collectorVersion: COLLECTOR_VERSION,
    actor: cliActor(),
    ...(globals.now ? { now: globals.now } : {}),
    ...runtimeOptions,
  });
  try {
    return await work.local(runtime);
  } finally {
    await runtime.close();
  }
}
