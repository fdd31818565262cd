/** Opening what a command runs on: embedded local services with `--local`, the deployed stack otherwise. */
import { loadProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/domain/errors';
import { checkActor, type MemberAction } from '../../lib/domain/roles';
import type { Actor } from '../../lib/jobs/context';
import type { LocalRuntime, LocalRuntimeOptions } from '../../lib/local/runtime';
import { openDeployedStack, readStackOutputs, type DeployedStack } from './deployed';
import type { CommandContext } from './action';
import type { GlobalOptions } from './options';
import type { CommandResult } from './output';
import packageJson from '../../package.json';

export const COLLECTOR_VERSION = `steward/${packageJson.version}`;

/** The member a command names: `--as`, else STEWARD_RESEARCHER; undefined when neither is set. */
export function namedActor(globals: GlobalOptions): string | undefined {
  return globals.as ?? (process.env.STEWARD_RESEARCHER || undefined);
}

/**
 * Who takes a changing `action`: a member of the config (named by `--as` or STEWARD_RESEARCHER) whose role allows
 * it (lib/domain/roles.ts). Anything else is bad input, before anything is opened or written.
 */
export function actingMember(globals: GlobalOptions, config: ProjectConfig, action: MemberAction): Actor {
  const check = checkActor(config.members, namedActor(globals), action);
  if (!check.ok) throw new BadInputError(`${globals.as ? '--as' : 'STEWARD_RESEARCHER'}: ${check.reason}`);
  return { type: 'researcher', name: check.member.name };
}

/**
 * Who runs a read-only command (named in certificates it issues): the member `--as` names (checked), else
 * STEWARD_RESEARCHER or the OS user as given.
 */
export function readingActor(globals: GlobalOptions, config: ProjectConfig): Actor {
  if (globals.as) return actingMember(globals, config, 'read');
  const name = (process.env.STEWARD_RESEARCHER || process.env.USER || 'researcher').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64);
  return { type: 'researcher', name };
}

/** Said once by every text output of a state on the built-in emulator. */
export const SYNTHETIC_NOTICE = 'synthetic data (emulator): these records come from Steward\'s built-in TikTok API emulator, not from TikTok';

/** A command's work on each target. */
export interface TargetWork {
  /** `--local`: the jobs in-process on embedded services and the emulator. */
  readonly local: (runtime: LocalRuntime) => Promise<CommandResult>;
  /** Without `--local`: the job functions of the deployed stack; absent for commands that only run locally. */
  readonly deployed?: (stack: DeployedStack, config: ProjectConfig) => Promise<CommandResult>;
}

export interface TargetOptions extends Partial<Omit<LocalRuntimeOptions, 'config' | 'stateDir' | 'now' | 'platform' | 'actor'>> {
  /** Checks the command's input against the config: bad input fails before anything is opened or written. */
  readonly validate?: (config: ProjectConfig) => void;
  /**
   * What the command changes: locally it then needs an acting member whose role allows it (`--as`), checked
   * before anything opens. Absent for read-only commands.
   */
  readonly act?: MemberAction;
  /** stdout carries data (CSV): notices such as the synthetic-data one go to stderr instead. */
  readonly dataOnStdout?: boolean;
}

/** Run a command's work on the target the global options select, and close it whatever happens. */
export async function onTarget({ globals, io }: CommandContext, work: TargetWork, options: TargetOptions = {}): Promise<CommandResult> {
  const config = await loadProjectConfig(globals.config);
  const { validate, act, dataOnStdout, ...runtimeOptions } = options;
  validate?.(config);
  if (globals.emulator && !globals.local) throw new BadInputError('--emulator selects the built-in emulator for --local runs: add --local (the deployed stack always talks to TikTok)');
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
  const actor = act ? actingMember(globals, config, act) : readingActor(globals, config);
  // Loaded on first use: `--help`, `--version`, bad input and deployed runs never load the embedded services.
  // (a require, not import(): under the tsx fallback of bin/launch.cjs an import() of a .ts path finds no loader)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openLocalRuntime } = require('../../lib/local/runtime') as typeof import('../../lib/local/runtime');
  const runtime = await openLocalRuntime({
    config,
    stateDir: globals.stateDir,
    platform: globals.emulator ? 'emulator' : 'api',
    collectorVersion: COLLECTOR_VERSION,
    actor,
    ...(globals.now ? { now: globals.now } : {}),
    ...runtimeOptions,
  });
  const opened = performance.now();
  let result: CommandResult;
  try {
    result = await work.local(runtime);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  // STEWARD_TIMING=1: how long the command's own work took until its result was ready to print, apart from opening
  // and closing and any after-output step (bench/serve-attach.ts, bench/query.ts)
  if (process.env.STEWARD_TIMING === '1') io.stderr(`steward timing: work ${(performance.now() - opened).toFixed(0)} ms`);
  if (runtime.synthetic && dataOnStdout) io.stderr(SYNTHETIC_NOTICE);
  const shown = runtime.synthetic && !dataOnStdout ? { ...result, text: `${result.text}\n${SYNTHETIC_NOTICE}` } : result;
  const after = result.after;
  if (!after) {
    await runtime.close();
    return shown;
  }
  // The runtime stays open for the after-output step (the caller awaits it once it has printed), then closes.
  return {
    ...shown,
    after: async () => {
      try {
        await after();
      } finally {
        await runtime.close();
      }
    },
  };
}
