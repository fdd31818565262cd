/**
 * Powertools on the job functions: logger, metrics and tracer come from the public Powertools layer at the release
 * installed here (resolved from its per-release SSM parameter in the stack's region), the bundles leave every
 * Powertools package out, tracing is active on the functions and the state machine, and traces never capture a
 * job's answer or an error's text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, LAMBDAS_DIR } from '../../lib/infra/job-function';
import { POWERTOOLS_EXTERNALS, powertoolsLayerParameter, powertoolsVersion } from '../../lib/infra/powertools-layer';
import { exampleConfig, logicalId, ROOT, synthStack } from './support';

const { stack, json } = synthStack(exampleConfig());
const functions = [...stack.jobs.functions.values()];
const parameters = (json as unknown as { Parameters: Record<string, { Type: string; Default: string }> }).Parameters;

describe('Powertools layer', () => {
  it('is the installed release: logger, metrics and tracer pinned to one version, whose SSM parameter names the layer', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const pinned = ['logger', 'metrics', 'tracer'].map((name) => pkg.dependencies[`@aws-lambda-powertools/${name}`]);
    expect(pinned).toEqual([powertoolsVersion(), powertoolsVersion(), powertoolsVersion()]);
    const layerParams = Object.entries(parameters).filter(([, p]) => p.Default === powertoolsLayerParameter());
    expect(layerParams).toEqual([[expect.any(String), { Type: 'AWS::SSM::Parameter::Value<String>', Default: `/aws/service/powertools/typescript/generic/all/${powertoolsVersion()}` }]]);
  });

  it.each(functions.map((f) => [f.job, f] as const))('%s: loads the layer, traces actively, captures no answers or errors', (_job, f) => {
    const props = json.Resources[logicalId(stack, f.fn)]!.Properties;
    const [layerParam] = Object.entries(parameters).find(([, p]) => p.Default === powertoolsLayerParameter())!;
    expect(props.Layers).toEqual([{ Ref: layerParam }]);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Environment.Variables).toMatchObject({ POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false', POWERTOOLS_TRACER_CAPTURE_ERROR: 'false' });
  });

  it('the state machine is traced too', () => {
    const machines = Object.values(json.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines) expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('the bundles leave Powertools out: a handler built with the stack options imports it, holds none of its code', async () => {
    expect(BUNDLE_OPTIONS.externalModules).toEqual(expect.arrayContaining([...POWERTOOLS_EXTERNALS]));
    const result = await build({
      entryPoints: [join(LAMBDAS_DIR, 'collect.ts')],
      bundle: true,
      write: false,
      metafile: true,
      outfile: join(ROOT, 'cdk.out', 'powertools-test.js'),
      platform: 'node',
      format: 'cjs',
      mainFields: [...BUNDLE_OPTIONS.mainFields],
      external: [...BUNDLE_OPTIONS.externalModules],
      define: { 'process.env.STEWARD_PROJECT_CONFIG': JSON.stringify('{}') },
      logLevel: 'error',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    expect(Object.keys(output.inputs).filter((file) => file.includes('@aws-lambda-powertools') || file.includes('aws-xray-sdk'))).toEqual([]);
    const imported = output.imports.filter((i) => i.external).map((i) => i.path);
    expect(imported).toEqual(expect.arrayContaining(['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@aws-lambda-powertools/tracer', '@aws-lambda-powertools/tracer/middleware']));
  });
});
