/**
 * Proof of deletion on DynamoDB Local and s3rver: a certificate for purged records verifies (now, and when
 * re-checked later with `verify --certificate`); one for a record that was not purged says so and exits 1; a
 * certificate stops verifying when the file is edited or when what it proves stops being true. One history is
 * purged by the compliance engine's own purge (lib/jobs/purge.ts), cascade included.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION } from '../../../lib/domain/errors';
import { objectKeyOf, parseRecordKey } from '../../../lib/domain/records';
import { certify, checkCertificate, parseCertificate, signCertificate, type DeletionCertificate } from '../../../lib/jobs/certify';
import type { JobContext } from '../../../lib/jobs/context';
import { purgeRecords } from '../../../lib/jobs/purge';
import { verify } from '../../../lib/jobs/verify';
import { auditKeys } from '../../../lib/store/tables';
import { opensslCommand, publicKeyPathOf, runCertify, signaturePathOf } from '../../../bin/cli/certify-command';
import { readCertificateFile, runVerify } from '../../../bin/cli/verify-command';
import { runCli } from '../../../bin/cli/program';
import type { CliIo } from '../../../bin/cli/output';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { auditTableOf, collectRecords, DAY, purgeRecord, rawDoc, run, videoKey } from '../../support/compliance-world';

let fx: LocalJobFixture;

/** Re-check a certificate as a file would carry it: signed by the context's key. */
async function checkSigned(ctx: JobContext, cert: DeletionCertificate) {
  const signed = await signCertificate(ctx, cert);
  return checkCertificate(ctx, cert, { text: signed.text, signature: signed.signature });
}

/** Run OpenSSL alone on a certificate file, as a third party would. */
function openssl(out: string): { status: number | null; stdout: string } {
  const run = spawnSync('openssl', ['dgst', '-sha256', '-verify', publicKeyPathOf(out), '-signature', signaturePathOf(out), out], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout };
}
const raw = rawDoc();
const dir = mkdtempSync(join(tmpdir(), 'steward-certify-'));

const purgedA = videoKey(11);
const purgedB = videoKey(12);
const kept = videoKey(13);
const neverSeen = videoKey(99);

beforeAll(async () => {
  fx = await localJobContext({ now: '2026-03-01T06:00:00Z' });
  const { ctx, clock } = fx;
  await run(ctx, 'collect-c1', async (chain) => {
    await collectRecords(ctx, chain, [purgedA, purgedB, kept]);
  });
  clock.advance(DAY);
  await run(ctx, 'purge-c1', async (chain) => {
    await purgeRecord(ctx, chain, purgedA, 'unavailable', { rule: 'batch-lookup', logId: '202603020600ABC', peersFound: 2 });
  });
  clock.advance(DAY);
  await run(ctx, 'erase-c1', async (chain) => {
    await purgeRecord(ctx, chain, purgedB, 'erasure', { rule: 'erasure-request', request: 'ER-7' });
  });
});
afterAll(() => {
  fx?.destroy();
  raw.destroy();
});

describe('certify', () => {
  it('proves the deletion of purged records: events, chain positions, intact chains, tombstone only, no version left', async () => {
    // Act
    const cert = await certify(fx.ctx, { records: [purgedA, purgedB] });

    // Assess
    expect(cert.ok).toBe(true);
    expect(cert.problems).toEqual([]);
    expect(cert.notPurged).toEqual([]);
    expect(cert.purges).toEqual([
      expect.objectContaining({
        recordKey: purgedA,
        recordHash: fx.ctx.hasher.hash(purgedA),
        reason: 'unavailable',
        evidence: expect.objectContaining({ logId: '202603020600ABC', versionsRemoved: 1 }),
        event: expect.objectContaining({ ref: 'purge-c1#2', chainId: 'purge-c1', seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        ledger: { status: 'tombstoned', evidenceRef: 'purge-c1#2', pointsAtEvent: true },
        storage: { versionsLeft: 0 },
        proven: true,
      }),
      expect.objectContaining({ recordKey: purgedB, reason: 'erasure', event: expect.objectContaining({ ref: 'erase-c1#2' }), proven: true }),
    ]);
    expect(cert.chains.map((c) => [c.chainId, c.problems, c.sealedBy?.kind])).toEqual([
      ['erase-c1', [], 'close'],
      ['purge-c1', [], 'close'],
    ]);
    expect(parseCertificate(JSON.parse(JSON.stringify(cert)))).toEqual(cert);
    expect(await checkSigned(fx.ctx, cert)).toMatchObject({ ok: true, purges: 2, problems: [] });
  });

  it('certifies every purge in a time range, by hash, without knowing the ids', async () => {
    // Act
    const cert = await certify(fx.ctx, { since: '2026-03-02', until: '2026-03-02T23:59:59Z' });

    // Assess: only the purge of day 2, named by hash
    expect(cert.ok).toBe(true);
    expect(cert.purges.map((p) => [p.recordHash, p.recordKey, p.proven])).toEqual([[fx.ctx.hasher.hash(purgedA), undefined, true]]);
    expect((await checkSigned(fx.ctx, cert)).ok).toBe(true);
  });

  it('says so for a record that was not purged, or never collected, and exits 1', async () => {
    // Act
    const result = await runCertify(fx.ctx, { records: [kept, neverSeen] });
    const cert = parseCertificate(result.json);

    // Assess
    expect(result.exitCode).toBe(EXIT_VIOLATION);
    expect(cert.ok).toBe(false);
    expect(cert.purges).toEqual([]);
    expect(cert.notPurged).toEqual([
      { recordKey: kept, recordHash: fx.ctx.hasher.hash(kept), ledger: 'active', note: 'not purged: the ledger holds it as an active record' },
      expect.objectContaining({ recordKey: neverSeen, ledger: 'absent' }),
    ]);
    expect(result.text).toContain('**Result: NOT proven.**');
    expect(result.text).toContain(`\`${kept}\``);
    expect((await checkSigned(fx.ctx, cert)).ok).toBe(false);
  });

  it('writes the signed certificate with --out: OpenSSL alone verifies it; `verify --certificate` re-checks it and names the key; an edit is caught by both', async () => {
    // Prepare
    const out = join(dir, 'cert.json');
    const written = await runCertify(fx.ctx, { records: [purgedA] }, out);
    expect(written.exitCode).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'cert.md'), 'utf8')).toMatch(/# Certificate of deletion[\s\S]*1 deletion\(s\) proven[\s\S]*purge-c1#2/);
    const key = await fx.ctx.signer!.publicKey();
    expect(written.text).toContain(`check the signature without Steward: ${opensslCommand(out)}`);
    expect(written.text).toContain(`signed by key ${key.fingerprint}`);

    // Act
    const byOpenssl = openssl(out);
    const valid = await runVerify(fx.ctx, { certificate: await readCertificateFile(out) });
    const edited = JSON.parse(readFileSync(out, 'utf8'));
    edited.purges[0].reason = 'expired';
    const editedFile = join(dir, 'edited.json');
    writeFileSync(editedFile, JSON.stringify(edited));
    writeFileSync(signaturePathOf(editedFile), readFileSync(signaturePathOf(out)));
    writeFileSync(publicKeyPathOf(editedFile), readFileSync(publicKeyPathOf(out)));
    const editedByOpenssl = openssl(editedFile);
    const tampered = await runVerify(fx.ctx, { certificate: await readCertificateFile(editedFile) });

    // Assess
    expect(byOpenssl).toEqual({ status: 0, stdout: 'Verified OK\n' });
    expect(readFileSync(publicKeyPathOf(out), 'utf8')).toBe(key.pem);
    expect(valid.exitCode).toBe(EXIT_OK);
    expect(valid.text).toMatch(new RegExp(`OK, 1 deletion\\(s\\) still proven.*signature verifies; signed by key ${key.fingerprint} \\(this project's signing key\\)`));
    expect(editedByOpenssl.status).not.toBe(0);
    expect(editedByOpenssl.stdout).toMatch(/Verification failure/);
    expect(tampered.exitCode).toBe(EXIT_VIOLATION);
    expect(tampered.text).toMatch(/edited after it was issued/);
    expect(tampered.text).toMatch(/the signature does not verify with this project's key/);
  });

  it('refuses a certificate signed by another key, or without its signature', async () => {
    // Prepare: the same certificate issued in another state dir (another key)
    const other = await localJobContext({ now: '2026-03-01T06:00:00Z' });
    try {
      const out = join(dir, 'other.json');
      const cert = await certify(fx.ctx, { records: [purgedA] });
      const foreign = await signCertificate(other.ctx, { ...cert, signedBy: { ...cert.signedBy!, keyFingerprint: (await other.ctx.signer!.publicKey()).fingerprint } });

      // Act
      const byOtherKey = await checkCertificate(fx.ctx, foreign.certificate, { text: foreign.text, signature: foreign.signature });
      const unsignedFile = await runCertify(fx.ctx, { records: [purgedA] }, out);
      const withoutSignature = await checkCertificate(fx.ctx, parseCertificate(JSON.parse(readFileSync(out, 'utf8'))), { text: readFileSync(out, 'utf8') });

      // Assess
      expect(byOtherKey.ok).toBe(false);
      expect(byOtherKey.signature).toMatchObject({ projectKey: false });
      expect(byOtherKey.problems).toEqual(expect.arrayContaining([expect.stringMatching(/names signing key [0-9a-f]{64}, not this project's key/)]));
      expect(unsignedFile.exitCode).toBe(EXIT_OK);
      expect(withoutSignature.problems).toEqual(expect.arrayContaining([expect.stringMatching(/no signature came with it/)]));
    } finally {
      other.destroy();
    }
  });

  it('stops verifying when what it proves stops being true: an object version back, the purge event deleted', async () => {
    // Prepare: a fresh history, so other tests keep theirs
    const local = await localJobContext({ now: '2026-03-01T06:00:00Z' });
    try {
      const { ctx } = local;
      await run(ctx, 'collect-x', async (chain) => {
        await collectRecords(ctx, chain, [purgedA]);
      });
      await run(ctx, 'purge-x', async (chain) => {
        await purgeRecord(ctx, chain, purgedA, 'unavailable');
      });
      const cert = await certify(ctx, { records: [purgedA] });
      expect((await checkSigned(ctx, cert)).ok).toBe(true);

      // Act
      await ctx.objects.put(objectKeyOf(parseRecordKey(purgedA)), '{"back":true}');
      const objectBack = await checkSigned(ctx, cert);
      await ctx.objects.deleteAllVersions(objectKeyOf(parseRecordKey(purgedA)));
      await raw.doc.send(new DeleteCommand({ TableName: auditTableOf(ctx), Key: { pk: auditKeys.chainPk('purge-x'), sk: auditKeys.seqSk(2) } }));
      const eventGone = await checkSigned(ctx, cert);

      // Assess
      expect(objectBack.problems).toEqual([expect.stringMatching(/storage holds 1 version\(s\) of it again/)]);
      expect(eventGone.ok).toBe(false);
      expect(eventGone.problems).toEqual(expect.arrayContaining([expect.stringMatching(/the purge event is no longer in its chain/), expect.stringMatching(/chain purge-x: expected seq 2, found 3/)]));
    } finally {
      local.destroy();
    }
  });

  it('end to end with the compliance engine’s purge: a video and its comments, cascade included, certified and verified', async () => {
    // Prepare
    const local = await localJobContext({ now: '2026-03-01T06:00:00Z' });
    try {
      const { ctx, clock } = local;
      const video = videoKey(500);
      const comments = [`tiktok:comment:${7_330_000_000_000_000_001n}`, `tiktok:comment:${7_330_000_000_000_000_002n}`];
      await run(ctx, 'collect-e2e', async (chain) => {
        await collectRecords(ctx, chain, [video]);
        const records = await collectRecords(ctx, chain, comments);
        // comments belong to their video: what an erasure or unavailability cascades through
        await ctx.ledger.putRecords(records.map((r) => ({ ...r, parentKey: video })), () => clock.now().toISOString());
      });
      clock.advance(DAY);

      // Act
      await run(ctx, 'purge-e2e', async (chain) => {
        await purgeRecords(ctx, [{ key: video, reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L-e2e', peersFound: 5 } }], chain);
      });
      const cert = await certify(ctx, { records: [video, ...comments] });
      const report = await verify(ctx);

      // Assess
      expect(cert.ok).toBe(true);
      expect(cert.purges.map((p) => [p.recordKey, p.reason, p.proven])).toEqual(
        expect.arrayContaining([
          [video, 'unavailable', true],
          [comments[0], 'cascade', true],
          [comments[1], 'cascade', true],
        ]),
      );
      expect((await checkSigned(ctx, cert)).ok).toBe(true);
      expect(report.violations).toEqual([]);
    } finally {
      local.destroy();
    }
  });

  it('refuses bad input with exit 2 before opening anything', async () => {
    const io: CliIo & { err: string } = { err: '', isTty: false, stdout: () => {}, stderr: (t) => (io.err += t) };
    expect(await runCli(['--local', '--state-dir', join(dir, 'nope'), 'certify'], io)).toBe(EXIT_BAD_INPUT);
    expect(io.err).toMatch(/--record PLATFORM:KIND:ID/);
    expect(await runCli(['--local', '--state-dir', join(dir, 'nope'), 'certify', '--record', 'video:1'], io)).toBe(EXIT_BAD_INPUT);
    expect(await runCli(['--local', '--state-dir', join(dir, 'nope'), 'certify', '--record', purgedA, '--since', '2026-01-01'], io)).toBe(EXIT_BAD_INPUT);
    expect(await runCli(['--local', '--state-dir', join(dir, 'nope'), 'verify', '--certificate', join(dir, 'missing.json')], io)).toBe(EXIT_BAD_INPUT);
    expect(io.err).toMatch(/cannot read/);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });
});
