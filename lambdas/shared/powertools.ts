/**
 * Logger, metrics and tracer, created once per execution environment (Powertools reads its settings from env).
 * Deployed, the packages come from the Powertools layer (lib/infra/powertools-layer.ts), not from the bundle; in
 * tests and local runs from node_modules. Outside Lambda the tracer does nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS } from '../../lib/config/deployed';

export const logger = new Logger({ serviceName: METRICS.service });
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
export const tracer = new Tracer({ serviceName: METRICS.service });
