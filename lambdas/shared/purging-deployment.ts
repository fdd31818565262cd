/**
 * Cold start of a job that purges (purge, refresh-shard, expire, erase): the deployment of ./deployment.ts, with
 * export rebuilds handed to the export function (./export-rebuilder.ts), which may read the records a rebuild
 * rewrites; the purgers may not. Other jobs import ./deployment.ts and carry no Lambda client for it.
 */
import { env } from './deployment';
import { lambdaExportPorts } from './export-rebuilder';
import { deploymentOnce } from './wiring';

export { env };

/** The deployed wiring, built on the first invocation and reused while warm. */
export const deployment = deploymentOnce(env, undefined, lambdaExportPorts);
