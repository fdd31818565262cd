/**
 * Keyed hashes. The audit log and logs name records and authors only by HMAC-SHA256 with the project secret:
 * the log can outlive the data, and anyone who holds an id and the secret can still find its history.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KeyedHasher {
  /** A stable, non-reversible identifier for `value`. */
  hash(value: string): string;
}

/** HMAC-SHA256, hex, truncated to 128 bits: collision-safe for any realistic corpus, and short in every item. */
export function hmacHasher(secret: string | Buffer, domain = 'steward'): KeyedHasher {
  if (secret.length < 16) throw new RangeError('the project secret must be at least 16 bytes');
  return {
    hash: (value: string) => createHmac('sha256', secret).update(`${domain}\u0000${value}`).digest('hex').slice(0, 32),
  };
}

/** Plain SHA-256 hex of content (integrity, change detection). */
export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
