/**
 * Reading the whole log and the whole ledger for verification, reports and certificates, without a Scan:
 * chains through the chain registry and the seal log (a Query per partition), active records through the due
 * index over every shard with a far-future bound, purged records through the audit log's `record.purged` events
 * (every tombstone's `evidenceRef` names one; see verify.ts for the cross-checks).
 */
import { type AuditLogSnapshot, type ChainedAuditEvent, type ChainSeal, recordHashesOf } from '../domain/audit';
import { type ActiveRecord, type Platform, type RecordKind, RECORD_KINDS, type RecordRef } from '../domain/records';
import type { AuditLog, Ledger } from '../store/ports';

/** Due-index bound that every active record is due before. */
export const FAR_FUTURE = new Date('9999-12-31T23:59:59.999Z');
const PAGE = 1000;

/** Every event of one chain, in seq order, following cursors. */
export async function readChain(audit: AuditLog, chainId: string): Promise<ChainedAuditEvent[]> {
  const events: ChainedAuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await audit.byChain(chainId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return events;
}

/**
 * The `record.collected` events of one chain (a collect run's) that name `recordHash`: a record's collection is
 * logged as a page event (`recordHashes`), which no per-record index holds, so its history looks here, in the
 * chain its ledger item (`provenance.runId`) or its purge event (`collectedIn`) names.
 */
export async function collectionEventsOf(audit: AuditLog, chainId: string, recordHash: string): Promise<ChainedAuditEvent[]> {
  const out: ChainedAuditEvent[] = [];
  await eachEvent(audit, chainId, (e) => {
    if (e.action === 'record.collected' && recordHashesOf(e).includes(recordHash)) out.push(e);
  });
  return out;
}

/** Keyed hashes of every record a chain logged as collected (page events and one-record events alike). */
export async function collectedHashes(audit: AuditLog, chainId: string): Promise<Set<string>> {
  const out = new Set<string>();
  await eachEvent(audit, chainId, (e) => {
    if (e.action === 'record.collected') for (const hash of recordHashesOf(e)) out.add(hash);
  });
  return out;
}

async function eachEvent(audit: AuditLog, chainId: string, visit: (e: ChainedAuditEvent) => void): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await audit.byChain(chainId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const e of page.events) visit(e);
    cursor = page.cursor;
  } while (cursor);
}

export async function readSeals(audit: AuditLog): Promise<ChainSeal[]> {
  const seals: ChainSeal[] = [];
  for await (const seal of audit.seals()) seals.push(seal);
  return seals;
}

/** Time of the first seal: nothing in the log is older (a chain's open seal precedes its first event). */
export async function firstSealAt(audit: AuditLog): Promise<string | undefined> {
  for await (const seal of audit.seals()) return seal.at;
  return undefined;
}

/**
 * Chains that may hold events between `since` and `until`, from the seal log: opened at or before `until` and not
 * closed before `since` (with a day of slack for writers whose clocks differ). Callers filter events by time.
 */
export function chainsActiveBetween(seals: readonly ChainSeal[], since: string, until: string): string[] {
  const slack = 86_400_000;
  const from = Date.parse(since) - slack;
  const to = Date.parse(until) + slack;
  const spans = new Map<string, { opened: number; closed?: number }>();
  for (const seal of seals) {
    const at = Date.parse(seal.at);
    const span = spans.get(seal.chainId) ?? { opened: at };
    span.opened = Math.min(span.opened, at);
    if (seal.kind === 'close') span.closed = Math.max(span.closed ?? at, at);
    else if (seal.kind === 'open' && span.closed !== undefined && at >= span.closed) delete span.closed; // reopened
    spans.set(seal.chainId, span);
  }
  return [...spans.entries()].filter(([, s]) => s.opened <= to && (s.closed === undefined || s.closed >= from)).map(([id]) => id).sort();
}

/** The whole audit log: every chain the registry or the seal log names, the registry, the seal log. */
export async function readAuditLog(audit: AuditLog): Promise<AuditLogSnapshot> {
  const registered = new Set<string>();
  for await (const id of audit.chains()) registered.add(id);
  const seals = await readSeals(audit);
  const ids = [...new Set([...registered, ...seals.map((s) => s.chainId)])].sort();
  const chains = new Map<string, ChainedAuditEvent[]>();
  for (const id of ids) chains.set(id, await readChain(audit, id));
  return { chains, registered, seals };
}

/** Every event of a snapshot, in time order (then chain, then seq). */
export function eventsOf(snapshot: AuditLogSnapshot): ChainedAuditEvent[] {
  return [...snapshot.chains.values()].flat().sort((a, b) => {
    if (a.at !== b.at) return a.at < b.at ? -1 : 1;
    if (a.chainId !== b.chainId) return a.chainId < b.chainId ? -1 : 1;
    return a.seq - b.seq;
  });
}

/** Every active record, through the due index (a Query per shard and page, never a Scan). */
export async function* activeRecords(ledger: Ledger): AsyncGenerator<ActiveRecord> {
  for (let shard = 0; shard < ledger.dueShards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await ledger.queryDue(shard, FAR_FUTURE, { limit: PAGE, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
      // Each record is let go once handed out, and the page's array before the next read (which would keep it).
      const records = page.records;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        (records as (ActiveRecord | undefined)[])[i] = undefined;
        yield record;
      }
      records.length = 0;
    } while (cursor);
  }
}

export async function allActiveRecords(ledger: Ledger): Promise<ActiveRecord[]> {
  const out: ActiveRecord[] = [];
  for await (const record of activeRecords(ledger)) out.push(record);
  return out;
}

export { RECORDS_PREFIX } from '../domain/records';
const OBJECT_KEY = /^records\/(tiktok)\/([a-z]+)\/([A-Za-z0-9_-]{1,128})\.json$/;

/** The record an object key belongs to (inverse of `objectKeyOf`), or undefined for a key of another shape. */
export function recordRefOfObjectKey(key: string): RecordRef | undefined {
  const match = OBJECT_KEY.exec(key);
  if (!match || !(RECORD_KINDS as readonly string[]).includes(match[2]!)) return undefined;
  return { platform: match[1] as Platform, kind: match[2] as RecordKind, id: match[3]! };
}

/** `<chainId>#<seq>`: how tombstones and certificates name an event. */
export function eventRef(event: { chainId: string; seq: number }): string {
  return `${event.chainId}#${event.seq}`;
}

/** Parse `<chainId>#<seq>`. */
export function parseEventRef(ref: string): { chainId: string; seq: number } | undefined {
  const at = ref.lastIndexOf('#');
  if (at <= 0) return undefined;
  const seq = Number(ref.slice(at + 1));
  return Number.isInteger(seq) && seq > 0 ? { chainId: ref.slice(0, at), seq } : undefined;
}
