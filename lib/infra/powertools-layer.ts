/**
 * The public Powertools for AWS Lambda (TypeScript) layer, which the job functions load logger, metrics and tracer
 * from instead of bundling them (the tracer and its X-Ray SDK alone pushed bundles past their 1 MB budget).
 *
 * The layer is the exact Powertools release installed here (and so run by the tests): its ARN is resolved at deploy
 * time, in the stack's region, from the SSM parameter Powertools publishes per release,
 * `/aws/service/powertools/typescript/generic/all/<version>` (its value is
 * `arn:aws:lambda:<region>:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:<n>`). Upgrading the npm packages
 * therefore moves the layer with them.
 */
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/** What the bundles leave out: every Powertools package comes from the layer. */
export const POWERTOOLS_EXTERNALS: readonly string[] = ['@aws-lambda-powertools/*'];

/** The installed Powertools release (logger, metrics and tracer are pinned to the same version). */
export function powertoolsVersion(): string {
  const manifest = require.resolve('@aws-lambda-powertools/tracer').replace(/\/lib\/.*$/, '/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return version;
}

/** The SSM parameter naming the layer of one Powertools release. */
export function powertoolsLayerParameter(version: string = powertoolsVersion()): string {
  return `/aws/service/powertools/typescript/generic/all/${version}`;
}

const LAYER_ID = 'PowertoolsLayer';

/** The layer, one reference per stack. */
export function powertoolsLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LAYER_ID) as lambda.ILayerVersion | undefined;
  if (existing) return existing;
  const arn = ssm.StringParameter.valueForStringParameter(stack, powertoolsLayerParameter());
  return lambda.LayerVersion.fromLayerVersionArn(stack, LAYER_ID, arn);
}
