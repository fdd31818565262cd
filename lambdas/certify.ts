/**
 * Proof-of-deletion certificate (on demand) for named records (`PLATFORM:KIND:ID`) or for every purge in a time
 * range: the purge events, their evidence, the tombstones and the object versions left (none), signed with the
 * project's KMS key (answer: the RFC 8785 text that was signed, its DER signature in base64, the public key PEM).
 * Record keys appear in the certificate only when the requester named them.
 */
import * as z from 'zod';
// The times `steward certify` takes: what the CLI accepts, the function accepts.
import { IsoTimeSchema as isoTime } from '../lib/domain/clock';
import { certifySigned } from '../lib/jobs/certify';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const CertifyEventSchema = z
  .object({
    /** Named records, `PLATFORM:KIND:ID`. */
    records: z.array(z.string().min(1)).min(1).max(1000).optional(),
    /** Or every purge in a time range. */
    since: isoTime.optional(),
    until: isoTime.optional(),
  })
  .strict()
  .refine((e) => (e.records !== undefined) !== (e.since !== undefined && e.until !== undefined) && (e.since === undefined) === (e.until === undefined), {
    message: 'give either "records" or both "since" and "until"',
  });

export const handler = jobHandler(CertifyEventSchema, async (event) => {
  const { ctx } = await deployment();
  // Signed with the project's KMS key: the answer is the exact signed text, its DER signature and the public key.
  const signed = await certifySigned(ctx, event.records ? { records: event.records } : { since: event.since!, until: event.until! });
  logger.info('deletion certificate issued', { scope: event.records ? 'records' : 'time-range', digest: signed.certificate.digest, key: signed.certificate.signedBy?.keyFingerprint });
  return { text: signed.text, signature: signed.signature, publicKey: signed.publicKey };
});
