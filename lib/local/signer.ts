/**
 * Local signing and anchoring: the Signer port over a P-256 key in the state dir (node:crypto), and seal anchors
 * in an append-only file of the state dir (one signed record per line; lines are only ever appended).
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeyInfo, type PublicKeyInfo } from '../domain/signature';
import type { Signer } from '../store/ports';
import type { AnchorSink } from '../store/seal-anchors';

export const SIGNING_KEY_FILE = 'signing-key.pem';
export const ANCHOR_FILE = 'seal-anchors.jsonl';

/** A P-256 key kept in `<stateDir>/signing-key.pem` (PKCS#8, mode 600), made on first use. */
export class KeyFileSigner implements Signer {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly info: PublicKeyInfo,
  ) {}

  static async open(stateDir: string): Promise<KeyFileSigner> {
    const file = join(stateDir, SIGNING_KEY_FILE);
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      // `wx`: two processes making the key at once cannot both win; the loser reads the winner's.
      try {
        await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
      } catch (raced) {
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        pem = await readFile(file, 'utf8');
      }
    }
    const privateKey = createPrivateKey(pem);
    return new KeyFileSigner(privateKey, publicKeyInfo(createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(), file));
  }

  async sign(message: Uint8Array): Promise<Buffer> {
    return sign('sha256', message, this.privateKey);
  }

  async publicKey(): Promise<PublicKeyInfo> {
    return this.info;
  }
}

/** Anchors appended to `<stateDir>/seal-anchors.jsonl`. */
export class FileAnchorSink implements AnchorSink {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, ANCHOR_FILE);
  }

  async write(_seq: number, record: string): Promise<void> {
    await appendFile(this.file, `${record}\n`, { flag: 'a', mode: 0o600 });
  }

  async *read(): AsyncIterable<{ record: string; where: string }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) if (lines[i]!.trim() !== '') yield { record: lines[i]!, where: `${ANCHOR_FILE}:${i + 1}` };
  }
}
