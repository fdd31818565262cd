/** A sweep's state: clients, quota meters and their booking, stop conditions (deadline, request budget, quota). */
import { utcDayKey } from '../../domain/clock';
import type { Policy, PolicyId } from '../../domain/policy';
import { type ActiveRecord } from '../../domain/records';
import { projectEnd } from '../../config/load';
import { DailyQuotaExceededError, type CommercialContentClient, type ResearchApiClient } from '../../platforms/tiktok';
import type { AuditChainWriter } from '../../store/ports';
import { type JobContext } from '../context';
import { FuseGate } from '../fuse';
import { ListingSiblings } from '../comment-listing';
import { StopSweep, type RefreshOptions, type RefreshReport } from './types';

/** Usage of one source's client since the run began, booked to the ledger's quota book as it grows. */
interface SourceMeter {
  readonly usage: () => { day: string; requests: number; records: number };
  booked: { day: string; requests: number; records: number };
}

/** The state of one sweep: clients, quota meters, stop conditions. */
export class SweepState {
  protected readonly meters = new Map<string, SourceMeter>();
  protected readonly end: Date;
  protected readonly fuse: FuseGate;
  protected stop: StopSweep | undefined;
  /** Records whose next action is at or before this are due in this sweep. */
  before = new Date(0);
  /** Comments of a video's listing, with their listings' outcomes and counts (comment-listing.ts). */
  protected readonly listings = new ListingSiblings();

  constructor(
    protected readonly ctx: JobContext,
    protected readonly options: RefreshOptions,
    protected readonly runId: string,
    protected readonly chain: AuditChainWriter,
    protected readonly report: RefreshReport,
  ) {
    this.end = projectEnd(ctx.config);
    this.fuse = new FuseGate(ctx, chain, runId);
  }

  protected policyOf(record: ActiveRecord): Policy {
    return this.ctx.policies[record.policyId as PolicyId] ?? this.ctx.policies['tiktok-research'];
  }


  protected research(source: string): ResearchApiClient {
    const client = this.options.clients.research(source);
    this.meter(source, () => client.quota());
    return client;
  }

  protected commercial(source: string): CommercialContentClient {
    const client = this.options.clients.commercial(source);
    this.meter(source, () => client.quota());
    return client;
  }

  protected meter(source: string, usage: () => { day: string; requests: number; records: number }): void {
    if (this.meters.has(source)) return;
    const now = usage();
    this.meters.set(source, { usage, booked: { day: now.day, requests: now.requests, records: now.records } });
  }

  /** Requests this run has sent, over every source. */
  protected requestsSent(): number {
    let total = 0;
    for (const [source, meter] of this.meters) {
      const now = meter.usage();
      const pending = now.day === meter.booked.day ? now.requests - meter.booked.requests : now.requests;
      total += (this.report.requests[source] ?? 0) + pending;
    }
    return total;
  }

  /** Book what each client used since the last booking in the ledger's quota book (per UTC day). */
  async bookUsage(): Promise<void> {
    for (const [source, meter] of this.meters) {
      const now = meter.usage();
      const sameDay = now.day === meter.booked.day;
      const delta = { requests: sameDay ? now.requests - meter.booked.requests : now.requests, records: sameDay ? now.records - meter.booked.records : now.records };
      meter.booked = { day: now.day, requests: now.requests, records: now.records };
      if (delta.requests <= 0 && delta.records <= 0) continue;
      this.report.requests[source] = (this.report.requests[source] ?? 0) + delta.requests;
      await this.ctx.ledger.addQuotaUsage(source, now.day || utcDayKey(this.ctx.clock.now()), delta);
    }
  }

  /** Throw StopSweep when the deadline passed or the request budget is spent. */
  protected checkStop(): void {
    if (this.stop) throw this.stop;
    if (this.options.deadline && this.ctx.clock.now().getTime() >= this.options.deadline.getTime()) this.stop = new StopSweep('deadline');
    else if (this.options.maxRequests !== undefined && this.requestsSent() >= this.options.maxRequests) this.stop = new StopSweep('max-requests');
    if (this.stop) throw this.stop;
  }

  /** The daily quota is not a failure of one record: it ends the sweep. */
  protected rethrowStop(error: unknown): void {
    if (error instanceof StopSweep) throw error;
    if (error instanceof DailyQuotaExceededError) {
      this.stop ??= new StopSweep('quota', error.resetsAt);
      throw this.stop;
    }
  }
}
