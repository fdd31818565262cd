/** Fixed settings of the embedded local services (no SDK import, so starting them stays light). */

/** Static credentials accepted by both local services (s3rver's built-in account; DynamoDB Local takes any). */
export const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const);
export const LOCAL_REGION = 'us-east-1';
