/**
 * The world's videos stored as columns. About 50,000 videos as typed arrays cost a few megabytes and no garbage
 * collection, where 50,000 objects made world generation GC-bound.
 */
export class VideoTable {
  length = 0;
  /** Unix seconds; strictly increasing with the row index. */
  readonly createTime: Float64Array;
  readonly user: Int32Array;
  readonly topic: Uint8Array;
  /** Index into the world's shared hashtag lists. */
  readonly hashtagSet: Uint16Array;
  readonly music: Uint16Array;
  /** Up to two effects; -1 for none. */
  readonly effect0: Int16Array;
  readonly effect1: Int16Array;
  readonly duration: Uint16Array;
  /** Views the video ends up with; counts approach it as it ages. */
  readonly views: Float64Array;
  readonly comments: Uint16Array;
  /** Unix seconds, NaN for never. */
  readonly deletedAt: Float64Array;
  readonly privateAt: Float64Array;
  /** Playlist index, -1 for none. */
  readonly playlist: Int32Array;

  constructor(readonly capacity: number) {
    this.createTime = new Float64Array(capacity);
    this.user = new Int32Array(capacity);
    this.topic = new Uint8Array(capacity);
    this.hashtagSet = new Uint16Array(capacity);
    this.music = new Uint16Array(capacity);
    this.effect0 = new Int16Array(capacity);
    this.effect1 = new Int16Array(capacity);
    this.duration = new Uint16Array(capacity);
    this.views = new Float64Array(capacity);
    this.comments = new Uint16Array(capacity);
    this.deletedAt = new Float64Array(capacity);
    this.privateAt = new Float64Array(capacity);
    this.playlist = new Int32Array(capacity).fill(-1);
  }

  /** Reserve the next row and return its index; the caller fills the columns. */
  push(): number {
    if (this.length >= this.capacity) throw new RangeError(`VideoTable is full (${this.capacity} rows)`);
    this.length += 1;
    return this.length - 1;
  }

  /** First row created at or after `t` (binary search on the creation column). */
  firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.createTime[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
