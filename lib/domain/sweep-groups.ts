/**
 * How a refresh sweep groups the due records it reads into steps, across the whole sweep rather than per step:
 *
 * - videos refreshed by id lookup gather by 30-day creation window (a lookup request may span at most 30 days), and a
 *   window's videos form a step once they fill `stepSize` (10 full requests at the default 1,000); what is left of
 *   each window goes at the end of the sweep, packed together (adjacent windows may share a request);
 * - comments gather by parent video: every due comment of a video is refreshed by one listing of that video, so a
 *   video is handed to at most one step per sweep; its comments read later in the sweep are `covered` (the listing
 *   already saw them, or failed for them: either way they wait for the next sweep);
 * - records checked by batch compliance task gather in steps of `checkStepSize`;
 * - everything else (ads, accounts, pending purges, expired records, comments without a parent video) in steps of
 *   `stepSize`, in read order.
 *
 * Pure: the sweep (lib/jobs/refresh/) runs it on ledger records, and the quota plan's `SweepCost` on the same
 * records' shapes, so the plan prices exactly the steps the sweep takes.
 */

/** Days one video lookup's creation window may span (Research API limit). */
export const WINDOW_DAYS = 30;

/** Where a record goes in the sweep. */
export type Lane =
  | { readonly lane: 'video'; /** Unix day of creation; undefined when unknown (read from the object later). */ readonly day?: number }
  | { readonly lane: 'comment'; readonly parent: string }
  | { readonly lane: 'check' }
  | { readonly lane: 'other' };

export interface SweepGroupOptions {
  /** Records per lookup step. */
  readonly stepSize: number;
  /** Records per compliance-task step. */
  readonly checkStepSize: number;
  /**
   * Videos held back in window groups at most; beyond it the fullest window goes at once, so a sweep over many
   * years of creation times keeps its memory bounded. @default 10 * stepSize
   */
  readonly maxHeldVideos?: number;
}

/** The Unix day of a creation time in Unix seconds, or undefined when it is not one. */
export function creationDay(unixSeconds: number | undefined): number | undefined {
  if (unixSeconds === undefined || !(unixSeconds >= 0 && unixSeconds < 1e11)) return undefined;
  return Math.floor(unixSeconds / 86_400);
}

/** The 30-day window a creation day falls in (fixed windows, so every window's videos fit one request's range). */
export function windowOf(day: number | undefined): string {
  return day === undefined ? 'undated' : String(Math.floor(day / WINDOW_DAYS));
}

/**
 * Groups records into steps. `add` returns the steps that became complete; `finish` the rest. Steps of comments
 * hold every due comment of their videos read so far; a comment of a video already in a step is `covered`.
 */
export class SweepGroups<T> {
  private readonly windows = new Map<string, T[]>();
  private held = 0;
  private readonly pendingParents = new Map<string, T[]>();
  private pendingComments = 0;
  /** Videos whose comments were handed to a step this sweep. */
  private readonly listed = new Set<string>();
  private checks: T[] = [];
  private others: T[] = [];
  private readonly maxHeld: number;

  constructor(
    private readonly laneOf: (item: T) => Lane,
    private readonly options: SweepGroupOptions,
  ) {
    this.maxHeld = options.maxHeldVideos ?? 10 * options.stepSize;
  }

  /** Whether the comments of `parent` were already handed to a step in this sweep. */
  isListed(parent: string): boolean {
    return this.listed.has(parent);
  }

  /** Records read but not yet in a step. */
  get pending(): number {
    return this.held + this.pendingComments + this.checks.length + this.others.length;
  }

  /** Add one record in read order: the steps it completes, and whether it is covered by a step already taken. */
  add(item: T): { steps: T[][]; covered: boolean } {
    const lane = this.laneOf(item);
    const steps: T[][] = [];
    switch (lane.lane) {
      case 'check':
        this.checks.push(item);
        if (this.checks.length >= this.options.checkStepSize) steps.push(this.checks.splice(0));
        break;
      case 'other':
        this.others.push(item);
        if (this.others.length >= this.options.stepSize) steps.push(this.others.splice(0));
        break;
      case 'comment': {
        if (this.listed.has(lane.parent)) return { steps, covered: true };
        const group = this.pendingParents.get(lane.parent);
        if (group) group.push(item);
        else this.pendingParents.set(lane.parent, [item]);
        this.pendingComments += 1;
        if (this.pendingComments >= this.options.stepSize) steps.push(this.takeComments());
        break;
      }
      case 'video': {
        const key = windowOf(lane.day);
        const group = this.windows.get(key);
        if (group) group.push(item);
        else this.windows.set(key, [item]);
        this.held += 1;
        if ((group?.length ?? 1) >= this.options.stepSize) steps.push(this.takeWindow(key));
        else if (this.held > this.maxHeld) steps.push(this.takeWindow(this.fullestWindow()));
        break;
      }
    }
    // Compliance-task records never wait behind a lookup step: a sweep that stops early would leave them every time.
    if (steps.length > 0 && lane.lane !== 'check' && this.checks.length > 0) steps.unshift(this.checks.splice(0));
    return { steps, covered: false };
  }

  /** Every record still held, as steps: compliance-task records, then the rest of each window, comments, others. */
  finish(): T[][] {
    const steps = this.peek();
    for (const parent of this.pendingParents.keys()) this.listed.add(parent);
    this.pendingParents.clear();
    this.pendingComments = 0;
    this.windows.clear();
    this.held = 0;
    this.checks = [];
    this.others = [];
    return steps;
  }

  /** The steps `finish` would take now, without taking them. */
  peek(): T[][] {
    const steps: T[][] = [];
    if (this.checks.length > 0) steps.push([...this.checks]);
    // What is left of every window goes together, in creation order: adjacent windows may share a request.
    const rest: T[] = [];
    for (const key of [...this.windows.keys()].sort(byWindow)) rest.push(...this.windows.get(key)!);
    for (let i = 0; i < rest.length; i += this.options.stepSize) steps.push(rest.slice(i, i + this.options.stepSize));
    if (this.pendingComments > 0) steps.push([...this.pendingParents.values()].flat());
    if (this.others.length > 0) steps.push([...this.others]);
    return steps;
  }

  private takeComments(): T[] {
    const out: T[] = [];
    for (const [parent, group] of this.pendingParents) {
      this.listed.add(parent);
      out.push(...group);
    }
    this.pendingParents.clear();
    this.pendingComments = 0;
    return out;
  }

  private takeWindow(key: string): T[] {
    const group = this.windows.get(key) ?? [];
    this.windows.delete(key);
    this.held -= group.length;
    return group;
  }

  private fullestWindow(): string {
    let best = '';
    let size = -1;
    for (const [key, group] of this.windows) {
      if (group.length > size) {
        best = key;
        size = group.length;
      }
    }
    return best;
  }
}

function byWindow(a: string, b: string): number {
  if (a === 'undated') return 1;
  if (b === 'undated') return -1;
  return Number(a) - Number(b);
}
