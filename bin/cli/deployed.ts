/**
 * Commands without `--local` run against the deployed stack: the CLI reads the stack's outputs (written by
 * `cdk deploy --outputs-file`) and invokes the job functions with the caller's AWS credentials (the standard
 * chain: AWS_PROFILE, SSO, environment). The jobs run where the data is, with their own least-privilege roles;
 * the CLI only sends the request and renders the answer, which carries keyed hashes and counts, never content.
 */
import { readFile } from 'node:fs/promises';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { stackNameOf, STACK_OUTPUTS } from '../../lib/config/deployed';
import { formatIssues } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError, StewardError } from '../../lib/domain/errors';
import { parseJson, stringifyJson } from '../../lib/domain/json';
import { memberAliasName } from '../../lib/domain/member-alias';

/** A job function failed, or could not be invoked. */
export class DeployedJobError extends StewardError {}

/** A CloudFormation output that holds a JSON object of names (CfnOutput values are strings). */
const jsonRecordOutput = z.string().transform((text, ctx) => {
  const parsed = z.record(z.string(), z.string().min(1)).safeParse((() => {
    try {
      return parseJson(text);
    } catch {
      return undefined;
    }
  })());
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: 'custom', message: 'must be a JSON object of names, as the Steward stack writes it' });
  return z.NEVER;
});

/** The outputs of one Steward stack that the CLI uses (others are tolerated). */
export const StackOutputsSchema = z.looseObject({
  [STACK_OUTPUTS.region]: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-central-1' }),
  [STACK_OUTPUTS.functionNames]: jsonRecordOutput,
  [STACK_OUTPUTS.refreshStateMachineArn]: z.string().startsWith('arn:', { message: 'must be a state machine ARN' }).optional(),
  [STACK_OUTPUTS.bucket]: z.string().min(3).optional(),
});

export interface StackOutputs {
  readonly stackName: string;
  readonly region: string;
  /** Function name by job, e.g. `{ "collect": "Steward-x-JobsCollect..." }`. */
  readonly functionNames: Readonly<Record<string, string>>;
  readonly refreshStateMachineArn?: string;
  /** The data bucket: `export pull` reads its `exports/` parts with the member's role. */
  readonly bucket?: string;
}

/**
 * The outputs of this project's stack in an outputs file (`{ "<stack>": { "<output>": "<value>" } }`). Every
 * problem names the file, the JSON path and the fix; bad input fails before anything is invoked.
 */
export function parseStackOutputs(text: string, file: string, config: ProjectConfig): StackOutputs {
  const fix = `write it with: npx cdk deploy -c config=<your config> --outputs-file ${file} (or pass --outputs FILE, or --local)`;
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    throw new BadInputError(`--outputs: ${file} is not valid JSON (${(error as Error).message}); ${fix}`);
  }
  const stackName = stackNameOf(config.project.id);
  const stacks = z.record(z.string(), z.unknown()).safeParse(document);
  if (!stacks.success) throw new BadInputError(`--outputs: ${file} must be a JSON object of stacks; ${fix}`);
  if (!(stackName in stacks.data)) {
    const found = Object.keys(stacks.data);
    throw new BadInputError(
      `--outputs: ${file} has no outputs of stack ${stackName} (project "${config.project.id}" in the config); it holds ${found.length ? found.join(', ') : 'no stack'}; ${fix}`,
    );
  }
  const parsed = StackOutputsSchema.safeParse(stacks.data[stackName]);
  if (!parsed.success) {
    throw new BadInputError(
      `--outputs: the outputs of ${stackName} in ${file} are invalid:`,
      formatIssues(parsed.error.issues.map((issue) => ({ ...issue, path: [stackName, ...issue.path] }))).map((p) => `${p}; redeploy, then ${fix}`),
    );
  }
  const outputs = parsed.data;
  return {
    stackName,
    region: outputs[STACK_OUTPUTS.region],
    functionNames: outputs[STACK_OUTPUTS.functionNames],
    ...(outputs[STACK_OUTPUTS.refreshStateMachineArn] ? { refreshStateMachineArn: outputs[STACK_OUTPUTS.refreshStateMachineArn] } : {}),
    ...(outputs[STACK_OUTPUTS.bucket] ? { bucket: outputs[STACK_OUTPUTS.bucket] } : {}),
  };
}

export async function readStackOutputs(file: string, config: ProjectConfig): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BadInputError(
      `--outputs: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); without --local steward runs against the deployed stack and needs its outputs: ` +
        `npx cdk deploy -c config=<your config> --outputs-file ${file} (or pass --outputs FILE); or add --local to run on the embedded services`,
    );
  }
  return parseStackOutputs(text, file, config);
}

/** What a Lambda function answers when it throws. */
const FunctionErrorSchema = z.looseObject({ errorType: z.string().default('Error'), errorMessage: z.string().default('') });

export interface InvokeOptions {
  /** The member who acts: the function is invoked through the member's alias (lib/domain/member-alias.ts). */
  readonly as?: string;
}

/** The deployed stack, as the CLI talks to it. */
export interface DeployedStack {
  readonly outputs: StackOutputs;
  /**
   * Invoke a job function and wait for its answer, parsed with `schema` (losslessly: 64-bit ids stay exact). A
   * job's BadInputError or DeploymentConfigurationError (missing credentials) comes back as bad input (exit 2); any
   * other failure is a DeployedJobError naming the function. `as`: the member who acts, for functions that act in
   * a member's name: the member's alias is invoked (`member-<name>`, the only one the member's role may invoke), and
   * the function learns who acts from it.
   */
  invoke<S extends z.ZodType>(job: string, payload: Record<string, unknown>, schema: S, options?: InvokeOptions): Promise<z.infer<S>>;
  /** Start an execution of the refresh sweep (every shard, one worker each). */
  startRefreshSweep(): Promise<{ executionArn: string; startDate: string }>;
  close(): void;
}

/** A job runs up to 15 minutes in Lambda; the CLI waits a little longer for its answer. */
const INVOKE_TIMEOUT_MS = 16 * 60_000;

export function openDeployedStack(outputs: StackOutputs, options: { notice?: (text: string) => void } = {}): DeployedStack {
  // One attempt: a retry after a dropped connection would start the job a second time while the first still runs
  // (collect twice, or a refresh worker that finds its own lease). A failed call says so and can be run again.
  // The SDK clients are loaded on first use (help, bad input and local runs never load them).
  let lambda: LambdaClient | undefined;
  let sfn: SFNClient | undefined;
  const functionOf = (job: string): string => {
    const name = outputs.functionNames[job];
    if (!name) {
      throw new DeployedJobError(
        `stack ${outputs.stackName} has no ${job} function (it has ${Object.keys(outputs.functionNames).join(', ') || 'none'}); deploy this version of Steward, then write the outputs again`,
      );
    }
    return name;
  };

  return {
    outputs,
    async invoke(job, payload, schema, invokeOptions = {}) {
      const qualifier = invokeOptions.as === undefined ? undefined : memberAliasName(invokeOptions.as);
      const functionName = qualifier ? `${functionOf(job)}:${qualifier}` : functionOf(job);
      options.notice?.(`running ${job} in ${functionName} (${outputs.region}); jobs may take up to 15 minutes…`);
      let out;
      try {
        const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
        lambda ??= new LambdaClient({ region: outputs.region, maxAttempts: 1, requestHandler: { requestTimeout: INVOKE_TIMEOUT_MS, throwOnRequestTimeout: true } });
        out = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(stringifyJson(payload)) }));
      } catch (error) {
        const e = error as Error;
        throw new DeployedJobError(
          `cannot invoke ${functionName} (${job}) in ${outputs.region}: ${e.name}: ${e.message}; check your AWS credentials (AWS_PROFILE) and that they may invoke it. ` +
            `If the connection dropped, the job may still be running: see /aws/lambda/${functionName} before running it again`,
          { cause: error },
        );
      }
      const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      let answer: unknown;
      try {
        answer = text === '' ? undefined : parseJson(text);
      } catch {
        throw new DeployedJobError(`${functionName} (${job}) answered something that is not JSON`);
      }
      if (out.FunctionError) {
        const failure = FunctionErrorSchema.safeParse(answer ?? {});
        const { errorType, errorMessage } = failure.success ? failure.data : { errorType: out.FunctionError, errorMessage: '' };
        if (errorType === 'BadInputError') throw new BadInputError(`${job}: ${errorMessage}`);
        // The stack's own configuration (a source secret still holding its placeholder, missing credentials): bad
        // input the lab fixes, not a compliance violation (exit 2, not 1).
        if (errorType === 'DeploymentConfigurationError') throw new BadInputError(`${job}: the stack's configuration: ${errorMessage}`);
        throw new DeployedJobError(`${job} failed in ${functionName}: ${errorType}: ${errorMessage} (details in the log group /aws/lambda/${functionName})`);
      }
      const parsed = schema.safeParse(answer);
      if (!parsed.success) {
        throw new DeployedJobError(`${functionName} (${job}) answered an unexpected shape (${formatIssues(parsed.error.issues).join('; ')}); is the stack on this version of Steward?`);
      }
      return parsed.data;
    },
    async startRefreshSweep() {
      const arn = outputs.refreshStateMachineArn;
      if (!arn) throw new DeployedJobError(`stack ${outputs.stackName} has no refresh state machine (${STACK_OUTPUTS.refreshStateMachineArn} is not in its outputs)`);
      try {
        const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        sfn ??= new SFNClient({ region: outputs.region });
        const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
        return { executionArn: out.executionArn ?? '', startDate: (out.startDate ?? new Date()).toISOString() };
      } catch (error) {
        const e = error as Error;
        throw new DeployedJobError(`cannot start the refresh sweep ${arn}: ${e.name}: ${e.message}; check your AWS credentials (AWS_PROFILE) and that they may start it`, { cause: error });
      }
    },
    close() {
      lambda?.destroy();
      sfn?.destroy();
    },
  };
}

/**
 * The schema of a job's answer: the fields the CLI decides on are checked (a stack on another version of Steward
 * fails clearly), the rest passes through as the job's report type `T`.
 */
export function answerSchema<T>(shape: z.core.$ZodLooseShape) {
  return z.looseObject(shape).transform((answer) => answer as unknown as T);
}
