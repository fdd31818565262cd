/**
 * RFC 8785 canonical JSON, and the audit log hashed before Steward adopted it: events and seals hashed by the old
 * home-made form (hashes frozen below, computed by the code of commit 0b4dddf) still verify.
 */
import { chainHash, type ChainedAuditEvent, linkedHashOf, type ChainSeal, GENESIS_HASH, sealHash, verifyChain, verifySeals } from '../../lib/domain/audit';
import { canonicalJson, legacyCanonicalJson } from '../../lib/domain/canonical';

const LEGACY_EVENTS = [
  { at: '2026-01-01T00:00:00.000Z', action: 'run.started', actor: { type: 'schedule', name: 'schedule' }, runId: 'legacy-1' },
  {
    at: '2026-01-01T00:00:01.000Z',
    action: 'record.purged',
    actor: { type: 'researcher', name: 'ana' },
    runId: 'legacy-1',
    recordHash: 'a'.repeat(32),
    kind: 'video',
    reason: 'unavailable',
    evidence: { logId: '20260101ABC', peersFound: 2, rule: 'batch-lookup', note: 'caf\u00e9 \u2028 "quoted" \\ ✓', fraction: 0.1, confirmed: true },
    counts: { versionsRemoved: 1 },
  },
] as const;
/** Computed with the pre-RFC 8785 `canonicalJson` of lib/domain/audit.ts. */
const LEGACY_HASHES = ['b0eaeb5f3ab266169f5cbabc229edf37125a83737f4adc027b285edd92d10c18', '7bf13cb80ed70608208f51f7e9ec2e9892edd19c0196f090251e11b688e54f89'];
const LEGACY_SEAL_HASH = 'cd0fc96ecd69e289a8b7f3c13d2f0f3810b3323f69dfe4dcabc5dee76e0325aa';

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, drops undefined members, writes numbers and strings the ECMAScript way', () => {
    // Act / Assess
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, '\u20ac': 1, '\ud83d\ude00': 2, é: 0.000001, big: 1e21 })).toBe(
      '{"a":[true,null,"x"],"b":1,"big":1e+21,"é":0.000001,"\u20ac":1,"\ud83d\ude00":2}',
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/NaN/);
  });

  it('is the old home-made form, byte for byte, on what audit events hold', () => {
    for (const event of LEGACY_EVENTS) expect(canonicalJson(event)).toBe(legacyCanonicalJson(event));
  });
});

describe('linkedHashOf (a chained event checked without copying it)', () => {
  const linked = (event: Record<string, unknown>, seq: number): ChainedAuditEvent => {
    const body = event as unknown as Parameters<typeof chainHash>[0];
    return { ...body, chainId: 'c-1', seq, prevHash: GENESIS_HASH, hash: chainHash(body, 'c-1', seq, GENESIS_HASH) };
  };

  it('is chainHash of the body, byte for byte: nested values, odd keys, undefined members, key order, legacy NaN', () => {
    // Prepare
    const events = [
      ...LEGACY_EVENTS,
      { ...LEGACY_EVENTS[1], evidence: { ...LEGACY_EVENTS[1].evidence, skipped: undefined }, '\u20ac': 1, Z: 'upper', a: [1, { y: 2, x: null }], recordHashes: ['b'.repeat(32)] },
      { action: 'record.collected', at: '2026-01-01T00:00:00.000Z', counts: { ratio: Number.NaN } }, // refused by RFC 8785: the old form hashed it
    ].map((e, i) => linked(e as Record<string, unknown>, i + 1));

    // Act / Assess
    expect(events.map(linkedHashOf)).toEqual(events.map((e) => e.hash));
    expect(linkedHashOf({ ...events[0]!, runId: 'edited' })).not.toBe(events[0]!.hash);
    expect(linkedHashOf({ ...events[0]!, seq: 9 })).not.toBe(events[0]!.hash);
  });
});

describe('audit chains hashed before RFC 8785', () => {
  it('still verify: events and seals keep their hashes', () => {
    // Prepare: the stored items, as the old code wrote them
    let prevHash = GENESIS_HASH;
    const stored: ChainedAuditEvent[] = LEGACY_EVENTS.map((event, i) => {
      const item = { ...event, chainId: 'legacy-1', seq: i + 1, prevHash, hash: LEGACY_HASHES[i]! } as unknown as ChainedAuditEvent;
      prevHash = item.hash;
      return item;
    });
    const seal: ChainSeal = { at: '2026-01-01T00:00:02.000Z', chainId: 'legacy-1', chainSeq: 2, chainHash: LEGACY_HASHES[1]!, kind: 'close', seq: 1, prevHash: GENESIS_HASH, hash: LEGACY_SEAL_HASH };

    // Act / Assess
    expect(verifyChain(stored)).toEqual([]);
    expect(verifySeals([seal])).toEqual([]);
    expect(chainHash(LEGACY_EVENTS[0] as never, 'legacy-1', 1, GENESIS_HASH)).toBe(LEGACY_HASHES[0]);
    expect(sealHash(seal, 1, GENESIS_HASH)).toBe(LEGACY_SEAL_HASH);
  });

  it('an edit is still caught', () => {
    const edited = { ...LEGACY_EVENTS[1], reason: 'expired', chainId: 'legacy-1', seq: 1, prevHash: GENESIS_HASH, hash: LEGACY_HASHES[1]! } as unknown as ChainedAuditEvent;
    expect(verifyChain([edited])).toEqual([expect.stringMatching(/content does not match its hash \(edited\)/)]);
  });
});
