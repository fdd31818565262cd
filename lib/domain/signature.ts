/**
 * Signatures that stand without Steward: ECDSA P-256 over SHA-256, DER-encoded, checkable with nothing but
 * OpenSSL (`openssl dgst -sha256 -verify pub.pem -signature file.sig file`). Deployed, the key is an asymmetric KMS
 * key that never leaves KMS; locally, a P-256 key in the state dir. Either way a key is named by its fingerprint:
 * the SHA-256 of its public key in DER (SubjectPublicKeyInfo) form, which
 * `openssl pkey -pubin -in pub.pem -outform DER | sha256sum` prints too.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The one algorithm Steward signs with (KMS: ECC_NIST_P256 key, ECDSA_SHA_256). */
export const SIGNATURE_ALGORITHM = 'ECDSA-P256-SHA256' as const;

/** A public key as Steward hands it out. */
export interface PublicKeyInfo {
  /** PEM (`-----BEGIN PUBLIC KEY-----`), what `openssl dgst -verify` takes. */
  readonly pem: string;
  /** SHA-256 hex of the DER SubjectPublicKeyInfo. */
  readonly fingerprint: string;
  /** Where the key lives: a KMS key ARN, or the local key file. */
  readonly keyId: string;
}

function keyObject(key: string | Buffer | KeyObject): KeyObject {
  if (typeof key === 'object' && 'type' in key && !Buffer.isBuffer(key)) return key;
  return Buffer.isBuffer(key) ? createPublicKey({ key, format: 'der', type: 'spki' }) : createPublicKey(key);
}

/** The public key of a PEM or DER SPKI, with its fingerprint. Throws on anything that is not a P-256 public key. */
export function publicKeyInfo(key: string | Buffer, keyId: string): PublicKeyInfo {
  const object = keyObject(key);
  if (object.asymmetricKeyType !== 'ec' || object.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new RangeError(`${keyId}: not a P-256 (prime256v1) public key`);
  }
  const der = object.export({ format: 'der', type: 'spki' });
  return { pem: object.export({ format: 'pem', type: 'spki' }).toString(), fingerprint: createHash('sha256').update(der).digest('hex'), keyId };
}

/** Does `signature` (DER) sign `message` under `publicKeyPem`? Never throws on a malformed signature. */
export function verifySignature(message: string | Uint8Array, signature: Uint8Array, publicKeyPem: string): boolean {
  try {
    return verify('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
