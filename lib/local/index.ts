/** Embedded local AWS services: see services.ts. */
export * from './aws-clients';
export * from './constants';
export * from './dynamodb-local';
export * from './errors';
export * from './s3-local';
export * from './services';
export * from './signer';
