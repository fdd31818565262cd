#!/usr/bin/env node
/**
 * The CDK app: reads the project config(s), validates them with the schema the CLI uses, builds one stack per
 * research project and runs the cdk-nag AwsSolutions and Serverless packs over everything.
 *
 *   npx cdk deploy -c config=steward.config.json          (or STEWARD_CONFIG=steward.config.json)
 *   npx cdk synth  -c config=a.json,b.json                (one stack per project)
 */
import { existsSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadProjectConfig } from '../lib/config/load';
import { stackNameOf } from '../lib/config/deployed';
import { BadInputError } from '../lib/domain/errors';
import { StewardStack } from '../lib/infra/steward-stack';

/** Config files from `-c config=...`, else STEWARD_CONFIG, else steward.config.json; comma-separated. */
export function configFiles(app: App, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = (app.node.tryGetContext('config') as string | undefined) ?? env.STEWARD_CONFIG ?? 'steward.config.json';
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

/** Build the app: one validated stack per config file, cdk-nag packs attached. */
export async function buildApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): Promise<App> {
  const stacks = new Map<string, string>();
  for (const file of configFiles(app, env)) {
    if (!existsSync(file)) {
      throw new BadInputError(
        `config file ${file} not found: name yours with -c config=FILE (or STEWARD_CONFIG=FILE), e.g. npx cdk synth -c config=examples/steward.config.json; ` +
          'for a deploy, copy examples/steward.config.json to steward.config.json and edit it',
      );
    }
    const config = await loadProjectConfig(file);
    const name = stackNameOf(config.project.id);
    const earlier = stacks.get(name);
    if (earlier) throw new BadInputError(`${file}: project.id "${config.project.id}" is already used by ${earlier}; each project needs its own id`);
    stacks.set(name, file);
    new StewardStack(app, name, { config });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

if (require.main === module) {
  buildApp().then(
    (app) => app.synth(),
    (error: unknown) => {
      process.stderr.write(`steward: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
