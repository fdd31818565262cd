import { StewardError } from '../domain/errors';

/** An embedded local service (DynamoDB Local, s3rver) could not start or stop. The message says what to do. */
export class LocalServiceError extends StewardError {}

/** The exact advice printed when no usable Java runtime is found. */
export const JAVA_REQUIRED_MESSAGE =
  'DynamoDB Local needs Java 17+: install it (Debian: apt-get install -y openjdk-17-jre-headless)';
