/**
 * Synthesizing Steward stacks in tests: the cdk.json feature flags (as `cdk synth` uses them), the example config
 * (or a variant of it), and no Lambda bundling unless asked (bundles are built and measured by `npm run synth`
 * and `npm run bench`; assertions here are about the template).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { parseJson } from '../../lib/domain/json';
import { StewardStack, type StewardStackProps } from '../../lib/infra/steward-stack';

export const ROOT = join(__dirname, '..', '..');
export const EXAMPLE_CONFIG_FILE = join(ROOT, 'examples', 'steward.config.json');

/** The feature flags of cdk.json. */
export function cdkContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** An App with the project's feature flags; `bundle: false` skips esbuild (a placeholder asset is used). */
export function testApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    context: { ...cdkContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
}

/** The example config, optionally changed (the document is re-validated with the schema). */
export function exampleConfig(change: (doc: Record<string, any>) => void = () => {}): ProjectConfig {
  const doc = parseJson(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as Record<string, any>;
  change(doc);
  return parseProjectConfig(doc, 'test config');
}

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: StewardStack;
  readonly template: Template;
  /** The template as plain JSON, for walks that assertions do not cover. */
  readonly json: { Resources: Record<string, { Type: string; Properties?: any; Metadata?: any }>; Outputs?: Record<string, any> };
}

export function synthStack(config: ProjectConfig = exampleConfig(), props: Partial<StewardStackProps> = {}): SynthesizedStack {
  const app = testApp();
  const stack = new StewardStack(app, `Steward-${config.project.id}`, { config, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as SynthesizedStack['json'] };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(stack: StewardStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: Record<string, unknown>;
  readonly Sid?: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every IAM statement that applies to the role with logical id `roleId` (inline policies and attached AWS::IAM::Policy). */
export function roleStatements(json: SynthesizedStack['json'], roleId: string): Statement[] {
  const role = json.Resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const inline = asArray<any>(role.Properties?.Policies).flatMap((p) => asArray<any>(p.PolicyDocument.Statement));
  const attached = Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && asArray<any>(r.Properties.Roles).some((ref) => ref?.Ref === roleId))
    .flatMap((r) => asArray<any>(r.Properties.PolicyDocument.Statement));
  const managed = asArray<unknown>(role.Properties?.ManagedPolicyArns);
  if (managed.length > 0) throw new Error(`${roleId} has managed policies: ${JSON.stringify(managed)}`);
  return [...inline, ...attached].map((s) => ({ ...s, Action: asArray<string>(s.Action), Resource: asArray(s.Resource) }));
}

/** Allowed actions of a role. */
export function allowedActions(statements: readonly Statement[]): Set<string> {
  return new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
}

/** Whether an IAM action pattern (with `*`) covers `action`. */
export function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

/** Whether any allowed action of the role covers `action` (wildcards included). */
export function canDo(statements: readonly Statement[], action: string): boolean {
  return [...allowedActions(statements)].some((pattern) => covers(pattern, action));
}
