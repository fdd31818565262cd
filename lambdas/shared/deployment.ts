/**
 * Cold start of a job function: read and validate the environment at import time (a misconfigured function fails
 * its first invocation, naming the variable), tag every metric with the project, and prepare the deployed wiring.
 */
import { readDeployedEnv } from './env';
import { metrics } from './powertools';
import { deploymentOnce } from './wiring';

export const env = readDeployedEnv();
metrics.setDefaultDimensions({ project: env.config.project.id });

/** The deployed wiring, built on the first invocation and reused while warm. */
export const deployment = deploymentOnce(env);
