/**
 * Canonical JSON by RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings serialised as ECMAScript does. Every digest that leaves Steward (certificates, seal heads,
 * anchored seals) is a SHA-256 over this form, so anyone can recompute it with any RFC 8785 implementation.
 *
 * The implementation is the `canonicalize` package (by an author of RFC 8785), pinned in package.json.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** The RFC 8785 form of `value`. Throws on what JSON cannot carry (NaN, Infinity, a bare undefined). */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON form');
  return out;
}

/** SHA-256 (hex) of the RFC 8785 form of `value`. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * The home-made canonical form Steward used before RFC 8785 (sorted keys, JSON.stringify for scalars, undefined
 * members dropped). Kept only so that verification can say how old hashes were computed: on every value an audit
 * event or seal holds (strings, finite numbers, booleans, nested objects) it is byte-for-byte the RFC 8785 form,
 * which the tests check on a chain hashed by this function. It differs only where RFC 8785 refuses a value
 * (NaN and Infinity, which it wrote as `null`).
 */
export function legacyCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(legacyCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${legacyCanonicalJson(v)}`).join(',')}}`;
}
