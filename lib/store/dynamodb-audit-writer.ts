/**
 * One chain's writer on the DynamoDB audit log: appends are serialised, linked at the chain's head and stored by
 * the log (moved out of dynamodb-audit-log.ts).
 */
import { type AuditEvent, type ChainedAuditEvent, CLOSING_ACTIONS, type ChainSeal, linkEvents } from '../domain/audit';
import type { AuditChainWriter } from './ports';
import { EVENTS_WITH_SEAL, validate } from './dynamodb-audit-items';
import type { DynamoDbAuditLog } from './dynamodb-audit-log';


export class DynamoDbChainWriter implements AuditChainWriter {
  /** Serialises appends: events of one chain are linked and written one call after another. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set when an append failed part-way: the next append re-reads the head from the table. */
  private stale = false;

  constructor(
    private readonly log: DynamoDbAuditLog,
    readonly chainId: string,
    private head: { seq: number; hash: string },
  ) {}

  append(events: readonly AuditEvent[]): Promise<ChainedAuditEvent[]> {
    const run = this.tail.then(() => this.appendNow(events));
    this.tail = run.catch(() => undefined);
    return run;
  }

  seal(): Promise<ChainSeal> {
    const run = this.tail.then(async () => {
      if (this.stale) {
        this.head = await this.log.readHead(this.chainId);
        this.stale = false;
      }
      return this.log.appendSeal(this.chainId, 'checkpoint', this.head);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async appendNow(events: readonly AuditEvent[]): Promise<ChainedAuditEvent[]> {
    const valid = validate(events, this.chainId);
    if (valid.length === 0) return [];
    if (this.stale) {
      this.head = await this.log.readHead(this.chainId);
      this.stale = false;
    }
    const linked = linkEvents(valid, this.chainId, this.head);
    try {
      if (valid.some((e) => CLOSING_ACTIONS.has(e.action))) {
        // The last events and the close seal go in one transaction: a finished chain is never left unsealed.
        const split = Math.max(0, linked.length - EVENTS_WITH_SEAL);
        await this.log.writeInOrder(linked.slice(0, split));
        const last = linked[linked.length - 1]!;
        await this.log.appendSeal(this.chainId, 'close', { seq: last.seq, hash: last.hash }, linked.slice(split));
      } else {
        await this.log.writeInOrder(linked);
      }
    } catch (error) {
      this.stale = true;
      throw error;
    }
    const last = linked[linked.length - 1]!;
    this.head = { seq: last.seq, hash: last.hash };
    return linked;
  }
}
