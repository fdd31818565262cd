/**
 * The audit events collect writes for the records of a page (moved out of collect.ts): new records as page events,
 * re-collected records one event each.
 */
import { type AuditEvent, RECORDS_PER_EVENT } from '../domain/audit';
import { recordKeyOf, type RecordRef } from '../domain/records';
import type { JobContext } from './context';

/**
 * `record.collected` as page events: one per kind and platform log id, naming up to RECORDS_PER_EVENT records by
 * keyed hash (`recordHashes`), instead of one event per record. A new record then costs the audit log a share of
 * one item and no per-record index write; its history finds the event through the run's chain.
 */
export function collectedEvents(ctx: JobContext, collected: readonly { ref: RecordRef; logId: string }[], runId: string, specName: string, at: string): AuditEvent[] {
  const groups = new Map<string, { kind: RecordRef['kind']; logId: string; hashes: string[] }>();
  for (const { ref, logId } of collected) {
    const id = `${ref.kind}\n${logId}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { kind: ref.kind, logId, hashes: [] }));
    group.hashes.push(ctx.hasher.hash(recordKeyOf(ref)));
  }
  const events: AuditEvent[] = [];
  for (const { kind, logId, hashes } of groups.values()) {
    for (let i = 0; i < hashes.length; i += RECORDS_PER_EVENT) {
      events.push({ at, action: 'record.collected', actor: ctx.actor, runId, recordHashes: hashes.slice(i, i + RECORDS_PER_EVENT), kind, specName, evidence: { logId } });
    }
  }
  return events;
}

export function recordEvent(
  ctx: JobContext,
  action: 'record.collected' | 'record.changed' | 'record.refreshed',
  ref: RecordRef,
  runId: string,
  specName: string,
  at: string,
  logId: string,
): AuditEvent {
  return {
    at,
    action,
    actor: ctx.actor,
    runId,
    recordHash: ctx.hasher.hash(recordKeyOf(ref)),
    kind: ref.kind,
    specName,
    evidence: action === 'record.collected' ? { logId } : { method: 'collect', logId },
  };
}
