/**
 * Cold start of a job function: the environment is read and validated at import (a missing variable fails the
 * first invocation, naming it), and the deployed wiring refuses source secrets that were never filled in.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { JOB_ENV, PLACEHOLDER_CLIENT_KEY } from '../../../lib/config/deployed';
import { ManualClock } from '../../../lib/domain/clock';
import { readDeployedEnv, MissingEnvironmentError, type DeployedEnv } from '../../../lambdas/shared/env';
import { deploymentOnce, DeploymentConfigurationError } from '../../../lambdas/shared/wiring';
import { testConfig, TEST_SECRET } from '../../support/job-context';

const config = testConfig((doc) => {
  doc.sources.research.credentials = { secretName: 'steward/test/research' };
  doc.sources.ads.credentials = { secretName: 'steward/test/ads' };
});
const ARN = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
const ENV = {
  [JOB_ENV.job]: 'collect',
  [JOB_ENV.bucket]: 'bucket',
  [JOB_ENV.ledgerTable]: 'steward-test-ledger',
  [JOB_ENV.auditTable]: 'steward-test-audit',
  [JOB_ENV.contentKeyArn]: 'arn:aws:kms:us-east-1:123456789012:key/k',
  [JOB_ENV.hashKeySecretArn]: ARN('hash'),
  [JOB_ENV.sourceSecretArns]: JSON.stringify({ research: ARN('research') }),
};

describe('readDeployedEnv', () => {
  const saved = process.env.STEWARD_PROJECT_CONFIG;
  beforeEach(() => {
    process.env.STEWARD_PROJECT_CONFIG = JSON.stringify(config);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.STEWARD_PROJECT_CONFIG;
    else process.env.STEWARD_PROJECT_CONFIG = saved;
  });

  it('reads every variable the stack sets', () => {
    const env = readDeployedEnv(ENV);
    expect(env).toMatchObject({ job: 'collect', bucket: 'bucket', sourceSecretArns: { research: ARN('research') } });
    expect(env.config.project.id).toBe('test-project');
  });

  // Optional: the source secrets (jobs that call TikTok), the versioning mode, the signing key and anchor bucket (jobs that seal or sign);
  // the query workgroup and database are read by the query function alone (lambdas/query.ts, at cold start).
  const OPTIONAL: string[] = [JOB_ENV.sourceSecretArns, JOB_ENV.s3Versioning, JOB_ENV.signingKeyArn, JOB_ENV.anchorBucket, JOB_ENV.queryWorkGroup, JOB_ENV.queryDatabase];
  it.each(Object.values(JOB_ENV).filter((name) => !OPTIONAL.includes(name)))('fails, naming %s, when it is missing', (name) => {
    const env = { ...ENV, [name]: undefined };
    expect(() => readDeployedEnv(env)).toThrow(MissingEnvironmentError);
    expect(() => readDeployedEnv(env)).toThrow(new RegExp(`environment variable ${name} is not set`));
  });

  it('requires versioned purges unless told otherwise (local S3 only), and refuses other modes', () => {
    expect(readDeployedEnv(ENV).s3Versioning).toBe('required');
    expect(readDeployedEnv({ ...ENV, [JOB_ENV.s3Versioning]: 'auto' }).s3Versioning).toBe('auto');
    expect(() => readDeployedEnv({ ...ENV, [JOB_ENV.s3Versioning]: 'off' })).toThrow(/must be "required" or "auto"/);
  });

  it('fails when the source secrets are not a JSON object of ARNs', () => {
    expect(() => readDeployedEnv({ ...ENV, [JOB_ENV.sourceSecretArns]: 'research=arn' })).toThrow(/STEWARD_SOURCE_SECRET_ARNS must be a JSON object/);
    expect(() => readDeployedEnv({ ...ENV, [JOB_ENV.sourceSecretArns]: '{"research": "not-an-arn"}' })).toThrow(/STEWARD_SOURCE_SECRET_ARNS/);
  });

  it('fails when the bundle carries no project config, or an invalid one', () => {
    delete process.env.STEWARD_PROJECT_CONFIG;
    expect(() => readDeployedEnv(ENV)).toThrow(/the project config is missing/);
    process.env.STEWARD_PROJECT_CONFIG = JSON.stringify({ ...config, members: [] });
    expect(() => readDeployedEnv(ENV)).toThrow(/\$\.members/);
  });

  it('makes a handler module fail at import (cold start) when a variable is missing', () => {
    const before = { ...process.env };
    try {
      Object.assign(process.env, ENV);
      delete process.env[JOB_ENV.bucket];
      jest.isolateModules(() => {
        expect(() => require('../../../lambdas/collect')).toThrow(/environment variable STEWARD_BUCKET is not set/);
      });
    } finally {
      for (const name of Object.keys(ENV)) if (!(name in before)) delete process.env[name];
    }
  });
});

describe('deploymentOnce', () => {
  const secrets = mockClient(SecretsManagerClient);
  const env: DeployedEnv = { job: 'collect', bucket: 'b', ledgerTable: 'l', auditTable: 'a', contentKeyArn: 'k', hashKeySecretArn: ARN('hash'), sourceSecretArns: { research: ARN('research') }, s3Versioning: 'required', config };
  afterEach(() => secrets.reset());
  afterAll(() => secrets.restore());

  it('refuses a source secret that still holds the deploy-time placeholder, and says how to set it', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN('hash') }).resolves({ SecretString: TEST_SECRET });
    secrets.on(GetSecretValueCommand, { SecretId: ARN('research') }).resolves({ SecretString: JSON.stringify({ clientKey: PLACEHOLDER_CLIENT_KEY, clientSecret: 'generated' }) });
    const deployment = deploymentOnce(env, new ManualClock('2026-11-24T06:00:00Z'));
    await expect(deployment()).rejects.toThrow(DeploymentConfigurationError);
    await expect(deployment()).rejects.toThrow(/source "research" still holds the placeholder.*aws secretsmanager put-secret-value --secret-id/);
  });

  it('refuses a source secret that is not {clientKey, clientSecret}', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN('hash') }).resolves({ SecretString: TEST_SECRET });
    secrets.on(GetSecretValueCommand, { SecretId: ARN('research') }).resolves({ SecretString: 'key:secret' });
    await expect(deploymentOnce(env)()).rejects.toThrow(/the secret of source "research" must be \{"clientKey"/);
  });

  it('does not cache a failed build: once the secret is set, the next invocation succeeds, and later ones reuse it', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN('hash') }).resolves({ SecretString: TEST_SECRET });
    secrets
      .on(GetSecretValueCommand, { SecretId: ARN('research') })
      .resolvesOnce({ SecretString: JSON.stringify({ clientKey: PLACEHOLDER_CLIENT_KEY, clientSecret: 'x' }) })
      .resolves({ SecretString: JSON.stringify({ clientKey: 'lab', clientSecret: 'secret' }) });
    const deployment = deploymentOnce(env);
    await expect(deployment()).rejects.toThrow(/placeholder/);
    const first = await deployment();
    expect(await deployment()).toBe(first);
    expect(first.ctx.actor).toEqual({ type: 'schedule', name: 'schedule' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(4);
  });

  it('refuses a secret wired for a source the config does not define', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TEST_SECRET });
    await expect(deploymentOnce({ ...env, sourceSecretArns: { other: ARN('other') } })()).rejects.toThrow(/source "other", which the project config does not define/);
  });
});

describe('which deployment a handler wires', () => {
  // The jobs that purge (lib/infra/jobs.ts: they invoke the export function) hand it the rebuilds
  // (./purging-deployment.ts); any other job wires no Lambda client for it (smaller bundles).
  const PURGERS = ['purge', 'refresh-shard', 'expire', 'erase'];
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const { join } = require('node:path') as typeof import('node:path');
  const dir = join(__dirname, '../../../lambdas');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')))('%s', (job) => {
    const source = readFileSync(join(dir, `${job}.ts`), 'utf8');
    expect([job, source.includes("from './shared/purging-deployment'")]).toEqual([job, PURGERS.includes(job)]);
  });
});
