/**
 * One listing per video: when the sweep lists a video's comments for the ones that are due, every other kept
 * comment of that video goes along (read from the ledger's `children` index), so the listing refreshes them all and
 * their deadlines move together. A video's comments then fall due together, and the next sweep lists the video
 * once again, not once per comment or per step.
 *
 * A comment that goes along but is not yet due ("alongside") is refreshed if found, judged if absent from a
 * complete listing (the same evidence as for a due one), and left alone if the listing was cut short. A due one
 * found this way is counted as due here, and skipped when the due index hands it over later in the same sweep.
 */
import type { ActiveRecord, RecordKey } from '../domain/records';
import { recordKeyOf } from '../domain/records';
import { mapLimit, type JobContext } from './context';

/** Ledger reads in flight at once while gathering the comments of a step's videos. */
const CHILDREN_CONCURRENCY = 8;

export class ListingSiblings {
  /** Due comments refreshed (or tried) with their video's listing before the due index handed them over. */
  private readonly counted = new Set<RecordKey>();
  private readonly stepDue = new Set<RecordKey>();
  private readonly stepEarly = new Set<RecordKey>();

  /**
   * The due comments of a step with every other kept comment of their videos that `goesAlong` accepts; `isDue`
   * tells a comment that is due in this sweep from one refreshed early.
   */
  async withSiblings(
    ctx: Pick<JobContext, 'ledger'>,
    due: readonly ActiveRecord[],
    goesAlong: (record: ActiveRecord) => boolean,
    isDue: (record: ActiveRecord) => boolean,
  ): Promise<ActiveRecord[]> {
    this.clearStep();
    const inStep = new Set(due.map((r) => recordKeyOf(r.ref)));
    const parents = [...new Set(due.flatMap((r) => (r.parentKey?.startsWith('tiktok:video:') && goesAlong(r) ? [r.parentKey] : [])))];
    const siblings: ActiveRecord[] = [];
    await mapLimit(parents, CHILDREN_CONCURRENCY, async (parent) => {
      for await (const child of ctx.ledger.children(parent)) {
        const key = recordKeyOf(child.ref);
        if (child.ref.kind !== 'comment' || inStep.has(key) || this.counted.has(key) || !goesAlong(child)) continue;
        inStep.add(key);
        siblings.push(child);
        (isDue(child) ? this.stepDue : this.stepEarly).add(key);
      }
    });
    return [...due, ...siblings];
  }

  /** Whether `key` went along with its video's listing in the current step. */
  isSibling(key: RecordKey): boolean {
    return this.stepDue.has(key) || this.stepEarly.has(key);
  }

  /** Of the records a step handled, the comments refreshed alongside before they were due. */
  countAlongside(handled: readonly ActiveRecord[]): number {
    return handled.filter((r) => this.stepEarly.has(recordKeyOf(r.ref))).length;
  }

  /** Of the records a step handled, the due comments that came with their video's listing: counted as due now. */
  countDue(handled: readonly ActiveRecord[]): number {
    let n = 0;
    for (const record of handled) {
      const key = recordKeyOf(record.ref);
      if (!this.stepDue.has(key)) continue;
      this.counted.add(key);
      n += 1;
    }
    return n;
  }

  /** A due comment already counted with its video's listing in this sweep. */
  wasCounted(key: RecordKey): boolean {
    return this.counted.has(key);
  }

  clearStep(): void {
    this.stepDue.clear();
    this.stepEarly.clear();
  }
}
