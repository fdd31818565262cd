/**
 * Collecting comments without re-listing what cannot have changed: a video whose `comment_count` (kept current by
 * the video refresh and video collection) shows no comment beyond those Steward keeps, and none of whose kept comments
 * is near its deadline, is not listed. A video with a kept comment near its deadline is listed: the listing then
 * doubles as that comment's refresh (collect moves the deadline of every record it finds again), so the sweep does
 * not list the video a second time for the same deadline.
 */
import { MS_PER_DAY, type Clock } from '../domain/clock';
import { parseJson } from '../domain/json';
import { objectKeyOf, parseRecordKey, type RecordKey } from '../domain/records';
import type { Ledger, ObjectStore } from '../store/ports';

/**
 * A kept comment whose deadline falls within this time is "near": its video is listed now. The sweep's default lead
 * (48 h) plus one day, so a daily collection reaches it before the sweep does.
 */
export const NEAR_DEADLINE_MS = 3 * MS_PER_DAY;
/** Comments of one video the platform serves at most (platform-api-facts.md). */
const SERVED_PER_VIDEO = 1_000;

/** Whether listing the video's comments could find nothing new and refresh nothing that is near its deadline. */
export async function nothingToList(deps: { ledger: Ledger; objects: ObjectStore; clock: Clock }, videoKey: RecordKey, maxPerVideo: number): Promise<boolean> {
  const stored = await deps.objects.get(objectKeyOf(parseRecordKey(videoKey)));
  if (!stored) return false;
  let count: number;
  try {
    count = Number((parseJson(stored.body.toString('utf8')) as { comment_count?: unknown }).comment_count);
  } catch {
    return false;
  }
  if (!Number.isFinite(count) || count < 0) return false;
  const horizon = deps.clock.now().getTime() + NEAR_DEADLINE_MS;
  let kept = 0;
  for await (const child of deps.ledger.children(videoKey)) {
    if (child.ref.kind !== 'comment') continue;
    if (Date.parse(child.refreshDueAt) <= horizon) return false;
    kept += 1;
  }
  return kept >= Math.min(count, maxPerVideo, SERVED_PER_VIDEO);
}
