/**
 * Proof of deletion. A certificate names the purge events of the records asked for (one or more record keys, or
 * every purge in a time range), with their evidence, their place in their chains (chain id, seq, prevHash, hash),
 * the result of verifying those chains and the seal log, and, for each record, what the ledger and storage hold
 * now: only a tombstone that points at the purge event, and no object version at all.
 *
 * It is JSON (for `steward verify --certificate`) with a Markdown rendering (for people). It holds keyed hashes,
 * kinds, reasons, evidence (platform log ids, counts, rules) and dates; a record key appears only when the
 * requester named it. `digest` is the SHA-256 of the certificate's RFC 8785 canonical JSON without it: `verify`
 * recomputes it (an edited file is reported), then re-checks every claim against the log, the ledger and storage as
 * they are then, and that the seal head named in the certificate is still in the seal log (the log was not cut back).
 *
 * Signed: with a signer (the project's KMS key deployed, a key in the state dir locally) the certificate names the
 * key (`signedBy`) and `signCertificate` signs its RFC 8785 text. That text is the certificate file, byte for byte,
 * so a third party checks it with OpenSSL alone (`openssl dgst -sha256 -verify pub.pem -signature cert.sig cert.json`)
 * and compares the key's fingerprint with the one the project published.
 *
 * A record that was not purged gets no proof: the certificate lists it under `notPurged` with what the ledger holds
 * (active, or nothing), and is not `ok`.
 */
import * as z from 'zod';
import { canonicalDigest, canonicalJson } from '../domain/canonical';
import { SIGNATURE_ALGORITHM, verifySignature } from '../domain/signature';
import { AUDIT_ACTIONS, type ChainedAuditEvent, type ChainSeal, verifyChain, verifyChainSeals, verifySeals } from '../domain/audit';
import { BadInputError } from '../domain/errors';
import { objectKeyOf, parseRecordKey, RECORD_KINDS, PURGE_REASONS, recordKeyOf, type RecordKey } from '../domain/records';
import type { JobContext } from './context';
import { exportFactsByHash, exportStoreOf } from './export';
import { activeRecords, chainsActiveBetween, eventRef, parseEventRef, readChain, readSeals, recordRefOfObjectKey, RECORDS_PREFIX } from './audit-read';
import { queryAuditAll } from './audit-query';

export type CertifyScope = { readonly records: readonly RecordKey[] } | { readonly since: string; readonly until: string };

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Hash32 = z.string().regex(/^[0-9a-f]{32}$/);

const CertifiedPurgeSchema = z
  .object({
    recordHash: Hash32,
    /** Only when the requester named the record. */
    recordKey: z.string().optional(),
    kind: z.enum(RECORD_KINDS),
    reason: z.enum(PURGE_REASONS),
    purgedAt: z.string(),
    actor: z.object({ type: z.enum(['schedule', 'researcher']), name: z.string() }).strict(),
    runId: z.string(),
    evidence: z.record(z.string(), Scalar),
    event: z.object({ ref: z.string(), chainId: z.string(), seq: z.number().int().positive(), prevHash: Hex64, hash: Hex64, action: z.enum(AUDIT_ACTIONS) }).strict(),
    ledger: z.object({ status: z.enum(['tombstoned', 'active', 'absent']), evidenceRef: z.string().optional(), pointsAtEvent: z.boolean() }).strict(),
    storage: z.object({ versionsLeft: z.number().int().min(0) }).strict(),
    /** Gone from every export (no current version holds it), and the pulled copies that held it. */
    exports: z
      .object({
        heldByCurrentExports: z.number().int().min(0),
        pulledCopies: z.array(z.object({ copyId: z.string(), member: z.string(), name: z.string(), version: z.number().int(), released: z.boolean() }).strict()),
      })
      .strict()
      .optional(),
    proven: z.boolean(),
  })
  .strict();
export type CertifiedPurge = z.infer<typeof CertifiedPurgeSchema>;

const ChainCheckSchema = z
  .object({
    chainId: z.string(),
    events: z.number().int().min(0),
    head: z.object({ seq: z.number().int(), hash: z.string() }).strict(),
    /** The last seal that commits to this chain, if any. */
    sealedBy: z.object({ seq: z.number().int(), kind: z.string(), chainSeq: z.number().int(), hash: Hex64 }).strict().nullable(),
    problems: z.array(z.string()),
  })
  .strict();

export const DeletionCertificateSchema = z
  .object({
    kind: z.literal('steward.deletion-certificate'),
    version: z.literal(1),
    project: z.object({ id: z.string(), title: z.string() }).strict(),
    issuedAt: z.string(),
    issuedBy: z.object({ type: z.enum(['schedule', 'researcher']), name: z.string() }).strict(),
    scope: z.union([
      z.object({ records: z.array(z.object({ recordKey: z.string(), recordHash: Hash32 }).strict()) }).strict(),
      z.object({ since: z.string(), until: z.string() }).strict(),
    ]),
    auditHead: z.object({ seq: z.number().int(), hash: Hex64 }).strict().nullable(),
    purges: z.array(CertifiedPurgeSchema),
    notPurged: z.array(z.object({ recordKey: z.string(), recordHash: Hash32, ledger: z.enum(['active', 'absent', 'tombstoned']), note: z.string() }).strict()),
    chains: z.array(ChainCheckSchema),
    sealLog: z.object({ seals: z.number().int(), problems: z.array(z.string()) }).strict(),
    ok: z.boolean(),
    problems: z.array(z.string()),
    /** The key that signs this certificate's RFC 8785 text (absent: an unsigned certificate). */
    signedBy: z.object({ algorithm: z.literal(SIGNATURE_ALGORITHM), keyFingerprint: Hex64, keyId: z.string() }).strict().optional(),
    digest: Hex64,
  })
  .strict();
export type DeletionCertificate = z.infer<typeof DeletionCertificateSchema>;

/** SHA-256 of the certificate's RFC 8785 canonical JSON without `digest`. */
export function certificateDigest(cert: Omit<DeletionCertificate, 'digest'> | DeletionCertificate): string {
  const { digest: _digest, ...body } = cert as DeletionCertificate;
  return canonicalDigest(body);
}

/** A certificate as handed out: its exact signed text (the file), the DER signature and the public key. */
export interface SignedCertificate {
  readonly certificate: DeletionCertificate;
  /** RFC 8785 text of `certificate`: what was signed, written as the certificate file byte for byte. */
  readonly text: string;
  /** DER signature of `text`, base64. */
  readonly signature: string;
  /** PEM public key of the signer. */
  readonly publicKey: string;
}

export const SignedCertificateSchema = z.object({ text: z.string(), signature: z.string(), publicKey: z.string() }).strict();

/** Sign a certificate's RFC 8785 text with the context's signer. */
export async function signCertificate(ctx: JobContext, certificate: DeletionCertificate): Promise<SignedCertificate> {
  if (!ctx.signer) throw new Error('no signer in this context: certificates are signed by the project key');
  const key = await ctx.signer.publicKey();
  const text = canonicalJson(certificate);
  const signature = await ctx.signer.sign(Buffer.from(text, 'utf8'));
  return { certificate, text, signature: signature.toString('base64'), publicKey: key.pem };
}

/** Issue a certificate (`certify`) and sign it. */
export async function certifySigned(ctx: JobContext, scope: CertifyScope): Promise<SignedCertificate> {
  return signCertificate(ctx, await certify(ctx, scope));
}

interface ChainFacts {
  readonly events: ChainedAuditEvent[];
  readonly check: z.infer<typeof ChainCheckSchema>;
}

async function checkChains(ctx: JobContext, chainIds: Iterable<string>, seals: readonly ChainSeal[]): Promise<Map<string, ChainFacts>> {
  const out = new Map<string, ChainFacts>();
  for (const chainId of [...new Set(chainIds)].sort()) {
    const events = await readChain(ctx.audit, chainId);
    const mine = seals.filter((s) => s.chainId === chainId && s.chainSeq > 0);
    const last = mine[mine.length - 1];
    const head = events[events.length - 1];
    out.set(chainId, {
      events,
      check: {
        chainId,
        events: events.length,
        head: head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: '' },
        sealedBy: last ? { seq: last.seq, kind: last.kind, chainSeq: last.chainSeq, hash: last.hash } : null,
        problems: [...verifyChain(events), ...verifyChainSeals(chainId, events, seals)],
      },
    });
  }
  return out;
}

/** What storage holds for records named only by hash: one listing of the record objects, hashed. */
async function versionsByHash(ctx: JobContext): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const { key, versions } of ctx.objects.listVersionedKeys(RECORDS_PREFIX)) {
    const ref = recordRefOfObjectKey(key);
    if (ref) out.set(ctx.hasher.hash(recordKeyOf(ref)), versions);
  }
  return out;
}

export async function certify(ctx: JobContext, scope: CertifyScope): Promise<DeletionCertificate> {
  const { ledger, objects, hasher, clock } = ctx;
  const named = 'records' in scope ? scope.records.map((recordKey) => ({ recordKey, recordHash: hasher.hash(recordKey), ref: parseRecordKey(recordKey) })) : [];

  // 1. The purge events: a record's history, or the chains active in the time range (found through the seal log,
  // so a range costs the chains it covers, not a query per day).
  const seals = await readSeals(ctx.audit);
  const sealProblems = verifySeals(seals);
  let purgeEvents: ChainedAuditEvent[];
  let chains: Map<string, ChainFacts>;
  if ('records' in scope) {
    purgeEvents = [];
    for (const r of named) {
      const history = await queryAuditAll(ctx, { by: 'record', record: r.recordKey });
      purgeEvents.push(...history.filter((e) => e.action === 'record.purged'));
    }
    chains = await checkChains(ctx, purgeEvents.map((e) => e.chainId), seals);
  } else {
    const since = new Date(Date.parse(scope.since)).toISOString();
    const until = new Date(Date.parse(scope.until)).toISOString();
    const candidates = await checkChains(ctx, chainsActiveBetween(seals, since, until), seals);
    purgeEvents = [...candidates.values()]
      .flatMap((c) => c.events)
      .filter((e) => e.action === 'record.purged' && e.recordHash !== undefined && e.at >= since && e.at <= until)
      .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.chainId !== b.chainId ? (a.chainId < b.chainId ? -1 : 1) : a.seq - b.seq));
    const used = new Set(purgeEvents.map((e) => e.chainId));
    chains = new Map([...candidates].filter(([id]) => used.has(id)));
  }

  // 3. Ledger and storage now.
  const hashes = [...new Set(purgeEvents.map((e) => e.recordHash!))];
  const tombstones = await ledger.getTombstones([...hashes, ...named.map((r) => r.recordHash)]);
  const keyOfHash = new Map(named.map((r) => [r.recordHash, r]));
  let versions: Map<string, number> | undefined;
  let activeHashes: Set<string> | undefined;
  if (!('records' in scope)) {
    versions = await versionsByHash(ctx);
    // Only each active record's keyed hash is kept, record by record (not every record at once).
    activeHashes = new Set();
    for await (const record of activeRecords(ledger)) activeHashes.add(hasher.hash(recordKeyOf(record.ref)));
  }
  const namedLedger = named.length > 0 ? await ledger.getRecords(named.map((r) => r.ref)) : new Map();
  const inExports = await exportFactsByHash(ctx, exportStoreOf(ctx), new Set(hashes));

  const purges: CertifiedPurge[] = [];
  for (const e of purgeEvents) {
    const hash = e.recordHash!;
    const requested = keyOfHash.get(hash);
    const tombstone = tombstones.get(hash);
    const isActive = requested ? namedLedger.get(requested.recordKey)?.status === 'active' : activeHashes!.has(hash);
    const versionsLeft = requested ? await objects.countVersions(objectKeyOf(requested.ref)) : (versions!.get(hash) ?? 0);
    const status = tombstone && !isActive ? 'tombstoned' : isActive ? 'active' : 'absent';
    const facts = chains.get(e.chainId)!;
    const inChain = facts.events.find((c) => c.seq === e.seq);
    const pointsAtEvent = tombstone?.evidenceRef === eventRef(e);
    purges.push({
      recordHash: hash,
      ...(requested ? { recordKey: requested.recordKey } : {}),
      kind: e.kind!,
      reason: e.reason as CertifiedPurge['reason'],
      purgedAt: e.at,
      actor: { ...e.actor },
      runId: e.runId,
      evidence: { ...(e.evidence ?? {}) },
      event: { ref: eventRef(e), chainId: e.chainId, seq: e.seq, prevHash: e.prevHash, hash: e.hash, action: e.action },
      ledger: { status, ...(tombstone ? { evidenceRef: tombstone.evidenceRef } : {}), pointsAtEvent },
      storage: { versionsLeft },
      ...(inExports.has(hash) ? { exports: { heldByCurrentExports: inExports.get(hash)!.heldByCurrentExports, pulledCopies: inExports.get(hash)!.pulledCopies.map((c) => ({ ...c })) } } : {}),
      proven: status === 'tombstoned' && versionsLeft === 0 && (inExports.get(hash)?.heldByCurrentExports ?? 0) === 0 && inChain?.hash === e.hash && facts.check.problems.length === 0 && sealProblems.length === 0,
    });
  }
  // A record purged twice (an erasure after an unavailability is a no-op, but be safe) is proven by the event its
  // tombstone names: drop the others, keep any when none is named.
  const kept = purges.filter((p, _i, all) => p.ledger.pointsAtEvent || !all.some((q) => q.recordHash === p.recordHash && q.ledger.pointsAtEvent));

  const notPurged = named
    .filter((r) => !kept.some((p) => p.recordHash === r.recordHash))
    .map((r) => {
      const found = namedLedger.get(r.recordKey);
      const ledgerStatus = found?.status === 'active' ? 'active' : found?.status === 'tombstoned' ? 'tombstoned' : 'absent';
      const note =
        ledgerStatus === 'active'
          ? 'not purged: the ledger holds it as an active record'
          : ledgerStatus === 'tombstoned'
            ? 'tombstoned, but no purge event of it is in the audit log'
            : 'not purged: no purge event, and the ledger holds nothing of it (never collected, or collected under another id)';
      return { recordKey: r.recordKey, recordHash: r.recordHash, ledger: ledgerStatus as 'active' | 'absent' | 'tombstoned', note };
    });

  const problems = [
    ...sealProblems,
    ...[...chains.values()].flatMap((c) => c.check.problems),
    ...kept.filter((p) => !p.proven).map((p) => `${p.kind} ${p.recordHash}: not proven (${unproven(p)})`),
    ...notPurged.map((n) => `${n.recordKey}: ${n.note}`),
  ];
  const head = seals[seals.length - 1];
  const body: Omit<DeletionCertificate, 'digest'> = {
    kind: 'steward.deletion-certificate',
    version: 1,
    project: { id: ctx.config.project.id, title: ctx.config.project.title },
    issuedAt: clock.now().toISOString(),
    issuedBy: { ...ctx.actor },
    scope: 'records' in scope ? { records: named.map((r) => ({ recordKey: r.recordKey, recordHash: r.recordHash })) } : { since: scope.since, until: scope.until },
    auditHead: head ? { seq: head.seq, hash: head.hash } : null,
    purges: kept,
    notPurged,
    chains: [...chains.values()].map((c) => c.check),
    sealLog: { seals: seals.length, problems: sealProblems },
    ok: problems.length === 0 && (kept.length > 0 || named.length === 0),
    problems,
  };
  if (ctx.signer) {
    const key = await ctx.signer.publicKey();
    body.signedBy = { algorithm: SIGNATURE_ALGORITHM, keyFingerprint: key.fingerprint, keyId: key.keyId };
  }
  return { ...body, digest: certificateDigest(body) };
}

function unproven(p: CertifiedPurge): string {
  const why: string[] = [];
  if (p.ledger.status !== 'tombstoned') why.push(`the ledger holds it as ${p.ledger.status}`);
  if (p.storage.versionsLeft > 0) why.push(`storage still holds ${p.storage.versionsLeft} version(s)`);
  if (p.exports && p.exports.heldByCurrentExports > 0) why.push(`${p.exports.heldByCurrentExports} current export(s) still hold it`);
  if (why.length === 0) why.push('its chain or the seal log does not verify');
  return why.join('; ');
}

// ------------------------------------------------------------------------------------------------ re-check

export interface CertificateCheck {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly purges: number;
  readonly problems: readonly string[];
  /** The signature check: which key signed, and whether it is this project's signing key. */
  readonly signature?: { readonly verified: boolean; readonly keyFingerprint: string; readonly projectKey: boolean };
}

/** The file as written: its exact bytes and its DER signature, for the signature check. */
export interface CertificateFileBytes {
  readonly text: string;
  /** DER signature, base64 (absent: no signature file was found). */
  readonly signature?: string;
}

/**
 * Check the signature of a certificate file against the project's signing key. A certificate that names a key
 * must come with a signature over its exact text; the text must be the certificate in RFC 8785 form.
 */
async function checkSignature(ctx: JobContext, cert: DeletionCertificate, file: CertificateFileBytes | undefined, problems: string[]): Promise<CertificateCheck['signature']> {
  if (!cert.signedBy) {
    // A context without a key (tests of the unsigned checks) has nothing to hold a signature against.
    if (ctx.signer) problems.push('the certificate is not signed (issued before certificates were signed, or edited to remove its signer)');
    return undefined;
  }
  if (!file?.signature) {
    problems.push(`the certificate names signing key ${cert.signedBy.keyFingerprint} but no signature came with it`);
    return { verified: false, keyFingerprint: cert.signedBy.keyFingerprint, projectKey: false };
  }
  if (file.text !== canonicalJson(cert)) problems.push('the certificate file is not the exact text that was signed (reformatted or edited)');
  if (!ctx.signer) {
    problems.push('this context has no signing key to check the signature against');
    return { verified: false, keyFingerprint: cert.signedBy.keyFingerprint, projectKey: false };
  }
  const key = await ctx.signer.publicKey();
  const projectKey = cert.signedBy.keyFingerprint === key.fingerprint;
  const verified = verifySignature(file.text, Buffer.from(file.signature, 'base64'), key.pem);
  if (!projectKey) problems.push(`the certificate names signing key ${cert.signedBy.keyFingerprint}, not this project's key ${key.fingerprint}`);
  else if (!verified) problems.push(`the signature does not verify with this project's key ${key.fingerprint} (the certificate was edited after it was signed)`);
  return { verified, keyFingerprint: cert.signedBy.keyFingerprint, projectKey };
}

/** Parse a certificate file's JSON; throws BadInputError naming what is wrong. */
export function parseCertificate(json: unknown, origin = 'certificate'): DeletionCertificate {
  const parsed = DeletionCertificateSchema.safeParse(json);
  if (!parsed.success) {
    throw new BadInputError(
      `${origin} is not a Steward deletion certificate`,
      parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/**
 * Re-check a certificate against the log, the ledger and storage as they are now: the file is unedited, the seal
 * head it names is still in the seal log, every purge event is still at its chain position with the same hash,
 * its chain and the seal log verify, the tombstone still points at it, and storage still holds no version.
 */
export async function checkCertificate(ctx: JobContext, cert: DeletionCertificate, file?: CertificateFileBytes): Promise<CertificateCheck> {
  const problems: string[] = [];
  const signature = await checkSignature(ctx, cert, file, problems);
  if (certificateDigest(cert) !== cert.digest) problems.push('the certificate was edited after it was issued (digest does not match)');
  if (!cert.ok) problems.push(`the certificate itself records problems: ${cert.problems.join('; ') || 'no purge found'}`);

  const seals = await readSeals(ctx.audit);
  problems.push(...verifySeals(seals));
  if (cert.auditHead) {
    const still = seals.find((s) => s.seq === cert.auditHead!.seq);
    if (!still) problems.push(`the seal log no longer holds seal #${cert.auditHead.seq}, its head when the certificate was issued (log cut back)`);
    else if (still.hash !== cert.auditHead.hash) problems.push(`seal #${cert.auditHead.seq} differs from the one the certificate names`);
  }
  const chains = await checkChains(ctx, cert.purges.map((p) => p.event.chainId), seals);
  for (const c of chains.values()) problems.push(...c.check.problems);

  const tombstones = await ctx.ledger.getTombstones(cert.purges.map((p) => p.recordHash));
  const needListing = cert.purges.some((p) => p.recordKey === undefined);
  const versions = needListing ? await versionsByHash(ctx) : new Map<string, number>();
  for (const p of cert.purges) {
    const where = `${p.kind} ${p.recordHash} (${p.event.ref})`;
    const ref = parseEventRef(p.event.ref);
    const event = chains.get(p.event.chainId)!.events.find((e) => e.seq === p.event.seq);
    if (!ref || ref.chainId !== p.event.chainId || ref.seq !== p.event.seq) problems.push(`${where}: malformed event reference`);
    if (!event) problems.push(`${where}: the purge event is no longer in its chain`);
    else {
      if (event.hash !== p.event.hash) problems.push(`${where}: the event at that position has another hash now`);
      if (event.action !== 'record.purged' || event.recordHash !== p.recordHash || event.reason !== p.reason) problems.push(`${where}: the event at that position is not this purge`);
    }
    const tombstone = tombstones.get(p.recordHash);
    if (!tombstone) problems.push(`${where}: the ledger holds no tombstone any more`);
    else if (tombstone.evidenceRef !== p.event.ref) problems.push(`${where}: the tombstone points at ${tombstone.evidenceRef}, not at this event`);
    if (p.recordKey !== undefined) {
      const record = (await ctx.ledger.getRecords([parseRecordKey(p.recordKey)])).get(p.recordKey);
      if (record?.status === 'active') problems.push(`${where}: the record is active in the ledger again`);
      const left = await ctx.objects.countVersions(objectKeyOf(parseRecordKey(p.recordKey)));
      if (left > 0) problems.push(`${where}: storage holds ${left} version(s) of it again`);
    } else if ((versions.get(p.recordHash) ?? 0) > 0) {
      problems.push(`${where}: storage holds ${versions.get(p.recordHash)} version(s) of it again`);
    }
  }
  return { ok: problems.length === 0, checkedAt: ctx.clock.now().toISOString(), purges: cert.purges.length, problems, ...(signature ? { signature } : {}) };
}

// ------------------------------------------------------------------------------------------------ Markdown

export function renderCertificateMarkdown(cert: DeletionCertificate): string {
  const out: string[] = [];
  out.push(`# Certificate of deletion: ${cert.project.title}`, '');
  out.push(`Project \`${cert.project.id}\`. Issued ${cert.issuedAt} by ${cert.issuedBy.type} \`${cert.issuedBy.name}\`.`);
  out.push(
    'records' in cert.scope
      ? `Scope: ${cert.scope.records.map((r) => `\`${r.recordKey}\` (hash \`${r.recordHash}\`)`).join(', ')}.`
      : `Scope: every purge from ${cert.scope.since} to ${cert.scope.until}.`,
  );
  out.push(cert.auditHead ? `Audit log seal head at issue: #${cert.auditHead.seq} \`${cert.auditHead.hash}\`.` : 'Audit log: no seals.');
  out.push('');
  out.push(
    cert.ok
      ? `**Result: ${cert.purges.length} deletion(s) proven.** Every purge event below is in an intact hash chain; the ledger holds only a tombstone that points at it; storage holds no version of the record.`
      : `**Result: NOT proven.** ${cert.problems.length} problem(s), listed at the end.`,
  );
  for (const p of cert.purges) {
    out.push('', `## ${p.kind} \`${p.recordHash}\`${p.recordKey ? ` (\`${p.recordKey}\`)` : ''}`, '');
    out.push(`- purged ${p.purgedAt}, reason **${p.reason}**, by ${p.actor.type} \`${p.actor.name}\` in run \`${p.runId}\``);
    out.push(`- evidence: ${Object.entries(p.evidence).map(([k, v]) => `${k} = \`${String(v)}\``).join(', ') || 'none'}`);
    out.push(`- audit event \`${p.event.ref}\`: chain \`${p.event.chainId}\`, position ${p.event.seq}, prevHash \`${p.event.prevHash}\`, hash \`${p.event.hash}\``);
    out.push(`- ledger now: ${p.ledger.status}${p.ledger.evidenceRef ? `, tombstone evidence \`${p.ledger.evidenceRef}\`${p.ledger.pointsAtEvent ? ' (this event)' : ' (ANOTHER event)'}` : ''}`);
    out.push(`- storage now: ${p.storage.versionsLeft} object version(s) left`);
    if (p.exports) {
      const copies = p.exports.pulledCopies.map((c) => `${c.member}'s copy \`${c.copyId}\` of ${c.name} v${c.version} (${c.released ? 'released' : 'NOT released: its holder must delete it'})`);
      out.push(`- exports now: ${p.exports.heldByCurrentExports === 0 ? 'gone from every export' : `still in ${p.exports.heldByCurrentExports} export(s)`}; pulled copies that held it: ${copies.join(', ') || 'none'}`);
    }
    out.push(`- proven: **${p.proven ? 'yes' : 'no'}**`);
  }
  if (cert.notPurged.length > 0) {
    out.push('', '## Not purged', '');
    for (const n of cert.notPurged) out.push(`- \`${n.recordKey}\` (hash \`${n.recordHash}\`): ${n.note}`);
  }
  if (cert.chains.length > 0) {
    out.push('', '## Chains verified', '');
    out.push('| chain | events | head | sealed by | result |', '| --- | --- | --- | --- | --- |');
    for (const c of cert.chains) {
      out.push(
        `| \`${c.chainId}\` | ${c.events} | #${c.head.seq} \`${c.head.hash.slice(0, 16)}…\` | ${c.sealedBy ? `seal #${c.sealedBy.seq} (${c.sealedBy.kind} at ${c.sealedBy.chainSeq})` : '–'} | ${c.problems.length === 0 ? 'intact' : c.problems.join('; ')} |`,
      );
    }
  }
  out.push('', `Seal log: ${cert.sealLog.seals} seal(s), ${cert.sealLog.problems.length === 0 ? 'intact' : cert.sealLog.problems.join('; ')}.`);
  if (cert.problems.length > 0) {
    out.push('', '## Problems', '');
    for (const p of cert.problems) out.push(`- ${p}`);
  }
  out.push('', `Certificate digest (SHA-256 of its RFC 8785 canonical JSON without this field): \`${cert.digest}\`.`);
  if (cert.signedBy) out.push(`Signed (${cert.signedBy.algorithm}) by key \`${cert.signedBy.keyFingerprint}\` (SHA-256 of its public key, DER).`);
  out.push('Check it against the log at any time: `steward verify --certificate <file.json>`.', '');
  return out.join('\n');
}
