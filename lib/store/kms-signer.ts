/**
 * The Signer port over an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) of the evidence side: the private key
 * never leaves KMS. Messages are hashed here and KMS signs the digest (`MessageType: DIGEST`), so a certificate of
 * any size is signed the same way `openssl dgst -sha256 -verify` checks it; KMS answers DER, as OpenSSL expects.
 */
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createHash } from 'node:crypto';
import { publicKeyInfo, type PublicKeyInfo } from '../domain/signature';
import type { Signer } from './ports';

export class KmsSigner implements Signer {
  private key?: Promise<PublicKeyInfo>;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyArn: string,
  ) {}

  async sign(message: Uint8Array): Promise<Buffer> {
    const digest = createHash('sha256').update(message).digest();
    const out = await this.kms.send(new SignCommand({ KeyId: this.keyArn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    if (!out.Signature) throw new Error(`KMS Sign with ${this.keyArn} returned no signature`);
    return Buffer.from(out.Signature);
  }

  publicKey(): Promise<PublicKeyInfo> {
    this.key ??= this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyArn })).then((out) => {
      if (!out.PublicKey) throw new Error(`KMS GetPublicKey of ${this.keyArn} returned no key`);
      return publicKeyInfo(Buffer.from(out.PublicKey), this.keyArn);
    });
    this.key.catch(() => {
      this.key = undefined;
    });
    return this.key;
  }
}
