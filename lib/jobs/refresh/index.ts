/**
 * The refresh sweep: re-fetch every record whose next action is due, before its platform deadline.
 *
 * Work comes from the due index only (a Query per shard, never a Scan), so a sweep costs what is due, not the
 * corpus. Due records are handled in steps of `batchSize`: videos are looked up by id, 100 per request, grouped by
 * ≤30-day creation windows (or checked with batch compliance tasks when the policy says so), ads by id, comments by
 * re-listing their video's comments, accounts by `user/info` with the username read from one of their videos.
 * Steps are grouped across the whole sweep (lib/domain/sweep-groups.ts): videos by creation window, comments by
 * video, so each video is listed once per sweep for every kept comment it has (comment-listing.ts).
 * Then, per record:
 * - changed content: the object is rewritten, the ledger gets the new hash and due date, `record.changed`;
 * - unchanged content: only the due date moves (no S3 write), `record.refreshed`;
 * - not returned: `judge` decides. Purge only on confirmed evidence (absent from a completed lookup that returned
 *   other ids of its batch, invalid in a completed compliance task, or N consecutive misses at least
 *   `missSpacingHours` apart); otherwise a miss is counted and the record is looked at again `missSpacingHours`
 *   later (never past its deadline), so the hourly sweeps of one outage that answers empty add up to one miss, not
 *   N. A failure (5xx after retries, timeout, throttle, quota stop, cut-short listing) changes nothing: the record
 *   stays due and the next sweep retries it, well before its deadline (sweeps start `refreshLeadHours` early).
 *
 * Writes per step go objects -> ledger -> audit, like collect: a crash leaves records due (the next sweep redoes
 * them; a rewritten object whose ledger hash is stale is found "changed" again and re-stamped) or pending purges
 * (completed by the next sweep). Refresh has first call on the daily quota; its usage is booked in the ledger's
 * quota book, where collection reads what is left (see quota-plan.ts).
 */
export { lookUpRecords, refresh } from './run';
export { shapedLike } from './observe';
export type { LookupVerdict, RefreshClients, RefreshOptions, RefreshReport, RefreshStop } from './types';
