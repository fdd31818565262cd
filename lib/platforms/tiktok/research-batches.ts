/** Pure helpers of the Research API client: lookup batch planning, id lists, search restarts (see research-client.ts). */
import { TikTokRequestValidationError, TikTokResponseShapeError } from './errors';
import { checkId } from './paging';
import { type Video } from './schemas';
import { MAX_WINDOW_DAYS, addDaysYmd, unixSecondsToYmd, type DateWindow } from './windows';
import { MAX_IDS_PER_LOOKUP, type VideoLookupItem } from './research-types';

/**
 * Split lookup items into batches of ≤100 ids whose creation dates fit one window of ≤30 inclusive days.
 * Greedy over items sorted by creation time, which gives the fewest batches for this one-dimensional packing.
 */
export function planLookupBatches(items: readonly VideoLookupItem[], maxIds: number = MAX_IDS_PER_LOOKUP): Array<{ ids: string[]; window: DateWindow }> {
  const unique = new Map<string, VideoLookupItem>();
  items.forEach((item, i) => {
    checkId(item.id, `items[${i}].id`);
    // Milliseconds by mistake would put the window in the year 50,000 and every id would look missing.
    if (!Number.isFinite(item.createTime) || item.createTime < 0 || item.createTime >= 1e11) {
      throw new TikTokRequestValidationError(`Invalid items[${i}].createTime ${item.createTime}: expected Unix seconds (create_time), not milliseconds`);
    }
    if (!unique.has(item.id)) unique.set(item.id, item);
  });
  const sorted = [...unique.values()]
    .map((item) => ({ id: item.id, day: unixSecondsToYmd(item.createTime) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const batches: Array<{ ids: string[]; window: DateWindow }> = [];
  let current: { ids: string[]; startDate: string; lastAllowed: string; endDate: string } | undefined;
  for (const { id, day } of sorted) {
    if (current && current.ids.length < maxIds && day <= current.lastAllowed) {
      current.ids.push(id);
      current.endDate = day;
      continue;
    }
    if (current) batches.push({ ids: current.ids, window: { startDate: current.startDate, endDate: current.endDate } });
    current = { ids: [id], startDate: day, lastAllowed: addDaysYmd(day, MAX_WINDOW_DAYS - 1), endDate: day };
  }
  if (current) batches.push({ ids: current.ids, window: { startDate: current.startDate, endDate: current.endDate } });
  return batches;
}

/** Remove videos at or above the smallest id already yielded; return the new smallest id. */
export function dropYielded(videos: Video[], minYieldedId: string | undefined): { fresh: Video[]; minId: string | undefined } {
  let min = minYieldedId === undefined ? undefined : BigInt(minYieldedId);
  const ceiling = min;
  const seen = new Set<string>();
  const fresh: Video[] = [];
  for (const video of videos) {
    const id = BigInt(video.id);
    if ((ceiling !== undefined && id >= ceiling) || seen.has(video.id)) continue;
    seen.add(video.id);
    fresh.push(video);
    if (min === undefined || id < min) min = id;
  }
  return { fresh, minId: min?.toString() };
}

/** Ids from a plain-text download: digit tokens separated by newlines (commas and spaces tolerated). */
export function parseIdList(endpoint: string, text: string, logId = ''): Set<string> {
  const ids = new Set<string>();
  const junk: string[] = [];
  for (const token of text.split(/[\s,;]+/)) {
    if (token === '') continue;
    if (/^\d+$/.test(token)) ids.add(token);
    else junk.push(token);
  }
  // A header line ("video_id") is fine; a body that is mostly not ids is not a list of ids.
  if (junk.length > 1 && junk.length > ids.size) {
    throw new TikTokResponseShapeError(endpoint, [`(body): expected one id per line, found ${JSON.stringify(junk.slice(0, 3))}`], logId);
  }
  return ids;
}

/**
 * Where a restarted window can end: the creation day of the smallest id already yielded (results come in
 * descending id order and ids carry their creation second in the high 32 bits), if that day lies in the window.
 */
export function restartEnd(window: DateWindow, minYieldedId: string | undefined): string | undefined {
  if (minYieldedId === undefined) return undefined;
  const day = unixSecondsToYmd(Number(BigInt(minYieldedId) >> 32n));
  return day >= window.startDate && day <= window.endDate ? day : undefined;
}
