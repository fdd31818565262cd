/**
 * Module stand-ins for `jest.mock` factories. They import nothing at load time but types (a factory runs while
 * the module it replaces is being required), so any test can use them:
 *
 * @example
 * jest.mock('../../../lib/local/services', () => require('../../support/mock-modules').sharedLocalServicesModule());
 * jest.mock('../../../lib/emulator', () => require('../../support/mock-modules').canaryEmulatorModule('CANARY-1'));
 */
import type { EmulatorOptions } from '../../lib/emulator';
import type { LocalServices, LocalServicesOptions } from '../../lib/local/services';

/**
 * A stand-in for lib/local/services.ts whose `startLocalServices` hands out the services of the jest global setup
 * (creating the requested buckets) and whose `stop` leaves them running. The runtime, the adapters and the jobs
 * are the real ones; only the per-command JVM start is saved. Tables and buckets are named after the project id,
 * so a suite using this needs a project id of its own.
 */
export function sharedLocalServicesModule(): typeof import('../../lib/local/services') {
  const { CreateBucketCommand, HeadBucketCommand } = jest.requireActual<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
  const { makeLocalS3Client } = jest.requireActual<typeof import('../../lib/local/aws-clients')>('../../lib/local/aws-clients');
  const { localAws } = jest.requireActual<typeof import('./local-aws')>('./local-aws');
  const actual = jest.requireActual<typeof import('../../lib/local/services')>('../../lib/local/services');
  return {
    ...actual,
    startLocalServices: async (options: LocalServicesOptions): Promise<LocalServices> => {
      const endpoints = localAws();
      const s3 = makeLocalS3Client(endpoints);
      try {
        for (const bucket of options.buckets) {
          try {
            await s3.send(new HeadBucketCommand({ Bucket: bucket }));
          } catch {
            await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          }
        }
      } finally {
        s3.destroy();
      }
      const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoEndpoint, AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint });
      return {
        ...endpoints,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        stateDir: options.stateDir,
        buckets: [...options.buckets],
        dynamo: undefined as never,
        s3: undefined as never,
        env,
        describe: () => `shared test services: DynamoDB ${endpoints.dynamoEndpoint}, S3 ${endpoints.s3Endpoint}`,
        stop: async () => {},
      };
    },
  };
}

/**
 * lib/emulator with `startEmulator` planting `canary` in every caption, transcript, comment, display name and bio
 * of the world it serves (and `world` on top of the caller's world options): for runs that start their own
 * emulator, such as the CLI's `--local` runtime.
 */
export function canaryEmulatorModule(canary: string, world: EmulatorOptions['world'] = {}): typeof import('../../lib/emulator') {
  const actual = jest.requireActual<typeof import('../../lib/emulator')>('../../lib/emulator');
  return {
    ...actual,
    startEmulator: (options: EmulatorOptions = {}) => actual.startEmulator({ ...options, world: { ...options.world, ...world, contentCanary: canary } }),
  };
}
