/**
 * Seals anchored outside the audit table (DynamoDB Local, the local anchor file): verify holds the table against
 * the anchors, so a rewritten table (every hash recomputed, which the hash chains alone cannot catch), an emptied
 * or deleted table, and an edited anchor are each reported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ChainSeal, linkEvents, linkSeal, verifyAuditLog, GENESIS_HASH } from '../../../lib/domain/audit';
import { ANCHOR_FILE } from '../../../lib/local/signer';
import { readAuditLog } from '../../../lib/jobs/audit-read';
import { verify } from '../../../lib/jobs/verify';
import { auditItem, sealItem } from '../../../lib/store/dynamodb-audit-log';
import { auditKeys } from '../../../lib/store/tables';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { auditTableOf, collectRecords, DAY, purgeRecord, rawDoc, run, videoKey } from '../../support/compliance-world';

const raw = rawDoc();
afterAll(() => raw.destroy());

/** A small history: a collect run and a purge run, each opened and closed (4 seals, all anchored). */
async function history(): Promise<LocalJobFixture> {
  const fx = await localJobContext({ now: '2026-03-01T06:00:00Z' });
  await run(fx.ctx, 'collect-a', async (chain) => {
    await collectRecords(fx.ctx, chain, [videoKey(1), videoKey(2)]);
  });
  fx.clock.advance(DAY);
  await run(fx.ctx, 'purge-a', async (chain) => {
    await purgeRecord(fx.ctx, chain, videoKey(1), 'unavailable', { rule: 'batch-lookup', logId: 'L1', peersFound: 1 });
  });
  return fx;
}

const anchorViolations = (report: Awaited<ReturnType<typeof verify>>) => report.violations.filter((v) => v.kind === 'audit-anchor').map((v) => v.message);

describe('verify against the seal anchors', () => {
  it('an intact log agrees with its anchors, signed by the project key', async () => {
    const fx = await history();
    try {
      // Act
      const report = await verify(fx.ctx);

      // Assess
      expect(report.violations).toEqual([]);
      expect(report.audit.anchors).toEqual({
        count: 4,
        head: report.audit.head,
        unanchoredTail: 0,
        keyFingerprint: (await fx.ctx.signer!.publicKey()).fingerprint,
      });
    } finally {
      fx.destroy();
    }
  });

  it('detects a rewritten audit item even when every hash after it was recomputed', async () => {
    const fx = await history();
    try {
      // Prepare: rewrite the purge's evidence, relink the chain and the whole seal log, as an attacker with write
      // access and this code would. The hash chains then verify; only the anchors disagree.
      const table = auditTableOf(fx.ctx);
      const before = await readAuditLog(fx.ctx.audit);
      const events = [...before.chains.get('purge-a')!].map(({ chainId: _c, seq: _s, prevHash: _p, hash: _h, ...body }) => body);
      events[1] = { ...events[1]!, evidence: { ...events[1]!.evidence, logId: 'FORGED' } };
      const relinked = linkEvents(events, 'purge-a', { seq: 0, hash: GENESIS_HASH });
      for (const event of relinked) await raw.doc.send(new PutCommand({ TableName: table, Item: auditItem(event) }));
      let head = { seq: 0, hash: GENESIS_HASH };
      for (const seal of before.seals) {
        const commits = seal.chainId === 'purge-a' && seal.chainSeq > 0 ? relinked[seal.chainSeq - 1]!.hash : seal.chainHash;
        const next: ChainSeal = linkSeal({ at: seal.at, chainId: seal.chainId, chainSeq: seal.chainSeq, chainHash: commits, kind: seal.kind }, head);
        await raw.doc.send(new PutCommand({ TableName: table, Item: sealItem(next) }));
        head = { seq: next.seq, hash: next.hash };
      }
      expect(verifyAuditLog(await readAuditLog(fx.ctx.audit))).toEqual([]);

      // Act
      const report = await verify(fx.ctx);

      // Assess
      expect(report.ok).toBe(false);
      expect(anchorViolations(report)).toEqual(expect.arrayContaining([expect.stringMatching(/seal #\d+ in the audit table differs from its anchor .*\(the audit log was rewritten\)/)]));
    } finally {
      fx.destroy();
    }
  });

  it('detects the newest seals deleted with what they cover (tail truncation), which the table alone cannot', async () => {
    const fx = await history();
    try {
      // Prepare: delete the purge run entirely (its events, registry item and both seals)
      const table = auditTableOf(fx.ctx);
      const before = await readAuditLog(fx.ctx.audit);
      for (const event of before.chains.get('purge-a')!) await raw.doc.send(new DeleteCommand({ TableName: table, Key: { pk: auditKeys.chainPk('purge-a'), sk: auditKeys.seqSk(event.seq) } }));
      await raw.doc.send(new DeleteCommand({ TableName: table, Key: { pk: auditKeys.registryPk, sk: 'purge-a' } }));
      for (const seal of before.seals.filter((s) => s.chainId === 'purge-a')) {
        await raw.doc.send(new DeleteCommand({ TableName: table, Key: { pk: auditKeys.sealPk, sk: auditKeys.seqSk(seal.seq) } }));
      }

      // Act
      const report = await verify(fx.ctx);

      // Assess
      expect(verifyAuditLog(await readAuditLog(fx.ctx.audit))).toEqual([]);
      expect(anchorViolations(report)).toEqual([expect.stringMatching(/2 anchored seal\(s\) are missing from the audit table/)]);
    } finally {
      fx.destroy();
    }
  });

  it('detects a deleted audit table', async () => {
    const fx = await history();
    try {
      // Act
      await raw.doc.send(new DeleteTableCommand({ TableName: auditTableOf(fx.ctx) }));
      const report = await verify(fx.ctx);

      // Assess
      expect(report.ok).toBe(false);
      expect(report.violations.map((v) => v.message)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/audit table .* does not exist/),
          expect.stringMatching(/the audit table is gone, yet 4 anchored seal\(s\) up to #4 name its chains \(table deleted\)/),
        ]),
      );
    } finally {
      fx.destroy();
    }
  });

  it('detects an edited anchor (its signature no longer verifies)', async () => {
    const fx = await history();
    try {
      // Prepare
      const file = join(fx.stateDir, ANCHOR_FILE);
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[0] = lines[0]!.replace(/"chainSeq\\":0/, '"chainSeq\\":1');
      writeFileSync(file, lines.join('\n'));

      // Act
      const report = await verify(fx.ctx);

      // Assess
      expect(anchorViolations(report)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`seal anchor ${ANCHOR_FILE}:1: the signature does not verify`))]));
    } finally {
      fx.destroy();
    }
  });
});
