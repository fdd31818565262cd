/**
 * Seal anchors: every seal head of the audit log is also written, signed, outside the audit table (deployed: a
 * bucket with S3 Object Lock in compliance mode; locally: an append-only file). An anchor is a signed statement
 * `{kind, version, project, keyFingerprint, seal}` in RFC 8785 form; the seal inside carries its `hash` and its
 * `prevHash`, so one anchored seal pins every seal before it through the seal log's own hash chain, and through
 * them every chain head those seals commit to.
 *
 * `checkAnchors` then holds the table's seal log against the anchors: an anchored seal missing from the table
 * (seals deleted, the table emptied or re-created) or different there (the log rewritten, every hash recomputed)
 * is reported, and so is an audit table that is gone while anchors name its seals. Seals written after the last
 * anchor (a writer that crashed between the two writes) are pinned by the next anchored seal, and counted until then.
 */
import * as z from 'zod';
import { type ChainSeal, SEAL_KINDS, sealHash } from './audit';
import { canonicalJson } from './canonical';
import { type PublicKeyInfo, verifySignature } from './signature';

export const SEAL_ANCHOR_KIND = 'steward.seal-anchor' as const;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const SealStatementSchema = z
  .object({
    kind: z.literal(SEAL_ANCHOR_KIND),
    version: z.literal(1),
    project: z.string(),
    keyFingerprint: Hex64,
    seal: z
      .object({
        seq: z.number().int().positive(),
        prevHash: Hex64,
        hash: Hex64,
        at: z.string(),
        chainId: z.string(),
        chainSeq: z.number().int().min(0),
        chainHash: z.string(),
        kind: z.enum(SEAL_KINDS),
      })
      .strict(),
  })
  .strict();
export type SealStatement = z.infer<typeof SealStatementSchema>;

/** The exact text an anchor signs. */
export function sealStatementText(project: string, seal: ChainSeal, keyFingerprint: string): string {
  const { seq, prevHash, hash, at, chainId, chainSeq, chainHash, kind } = seal;
  const statement: SealStatement = { kind: SEAL_ANCHOR_KIND, version: 1, project, keyFingerprint, seal: { seq, prevHash, hash, at, chainId, chainSeq, chainHash, kind } };
  return canonicalJson(statement);
}

/** An anchor as stored: the statement text and its DER signature (base64). One JSON line or object each. */
export const AnchorRecordSchema = z.object({ statement: z.string(), signature: z.string() }).strict();

/** What the anchors say about the table's seal log. */
export interface AnchorCheck {
  readonly anchors: number;
  /** The newest anchored seal. */
  readonly head?: { readonly seq: number; readonly hash: string };
  /** Table seals newer than the newest anchor (pinned once the next seal is anchored). */
  readonly unanchoredTail: number;
  readonly problems: string[];
}

/**
 * Hold the table's seals (`undefined`: the audit table is gone) against the anchors, whose signatures must verify
 * under `key` (the project's signing key) and name `project`.
 */
export function checkAnchors(
  tableSeals: readonly ChainSeal[] | undefined,
  anchors: readonly { statement: string; signature: string; where: string }[],
  key: PublicKeyInfo,
  project: string,
): AnchorCheck {
  const problems: string[] = [];
  const pinned = new Map<number, { hash: string; where: string }>();
  for (const anchor of anchors) {
    let statement: SealStatement;
    try {
      statement = SealStatementSchema.parse(JSON.parse(anchor.statement));
    } catch {
      problems.push(`seal anchor ${anchor.where}: not a Steward seal statement`);
      continue;
    }
    if (canonicalJson(statement) !== anchor.statement) problems.push(`seal anchor ${anchor.where}: its text is not in canonical form (edited)`);
    if (!verifySignature(anchor.statement, Buffer.from(anchor.signature, 'base64'), key.pem)) {
      problems.push(
        statement.keyFingerprint === key.fingerprint
          ? `seal anchor ${anchor.where}: the signature does not verify with the project's key ${key.fingerprint} (edited)`
          : `seal anchor ${anchor.where}: signed by key ${statement.keyFingerprint}, not by the project's key ${key.fingerprint}`,
      );
      continue;
    }
    if (statement.project !== project) problems.push(`seal anchor ${anchor.where}: names project ${statement.project}, not ${project}`);
    const s = statement.seal;
    if (sealHash(s, s.seq, s.prevHash) !== s.hash) problems.push(`seal anchor ${anchor.where}: seal #${s.seq} does not match its own hash`);
    const earlier = pinned.get(s.seq);
    if (earlier && earlier.hash !== s.hash) problems.push(`seal anchors ${earlier.where} and ${anchor.where}: two different seals #${s.seq}`);
    pinned.set(s.seq, { hash: s.hash, where: anchor.where });
  }
  const seqs = [...pinned.keys()].sort((a, b) => a - b);
  const last = seqs[seqs.length - 1];
  const head = last === undefined ? undefined : { seq: last, hash: pinned.get(last)!.hash };
  if (tableSeals === undefined) {
    if (head) problems.push(`the audit table is gone, yet ${pinned.size} anchored seal(s) up to #${head.seq} name its chains (table deleted)`);
    return { anchors: anchors.length, ...(head ? { head } : {}), unanchoredTail: 0, problems };
  }
  const bySeq = new Map(tableSeals.map((s) => [s.seq, s]));
  let missing = 0;
  for (const seq of seqs) {
    const anchored = pinned.get(seq)!;
    const inTable = bySeq.get(seq);
    if (!inTable) missing += 1;
    else if (inTable.hash !== anchored.hash) {
      problems.push(`seal #${seq} in the audit table differs from its anchor ${anchored.where} (the audit log was rewritten)`);
    }
  }
  if (missing > 0) {
    problems.push(
      tableSeals.length === 0
        ? `the audit table holds no seals, yet ${missing} anchored seal(s) up to #${head!.seq} name its chains (table emptied or re-created)`
        : `${missing} anchored seal(s) are missing from the audit table (seals deleted or the log cut back; the newest anchor is #${head!.seq})`,
    );
  }
  const unanchoredTail = tableSeals.filter((s) => s.seq > (last ?? 0)).length;
  return { anchors: anchors.length, ...(head ? { head } : {}), unanchoredTail, problems };
}
