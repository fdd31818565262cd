/** Observing due records (see index.ts): what the platform answers for each, as an `Outcome`. */
import { COMMENTS_PER_PAGE, MAX_COMMENT_PAGES } from '../../domain/quota-plan';
import { parseJson, stringifyJson } from '../../domain/json';
import { parseRecordKey, recordKeyOf, type ActiveRecord, type RecordKey } from '../../domain/records';
import {
  AD_FIELDS,
  COMMENT_FIELDS,
  TikTokApiError,
  planLookupBatches,
  USER_INFO_FIELDS,
  isUserInfoUnavailable,
  isUserNotFound,
  type ResearchApiClient,
} from '../../platforms/tiktok';
import { mapLimit } from '../context';
import { sourceOfRecord } from '../quota-plan';
import { STORED_VIDEO_FIELDS, storedUserBody } from '../tiktok-sources';
import { SweepState } from './state';
import { failed, failureReason, LOOKUP_CONCURRENCY, PLATFORM_COMMENT_CAP, StopSweep, type Outcome } from './types';

/** How a sweep observes records: lookups by id, comment listings, compliance tasks, account lookups. */
export class SweepObserver extends SweepState {
  // ------------------------------------------------------------------------------------------ observing

  protected async observe(kind: ActiveRecord['ref']['kind'], records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    for (const [source, group] of this.bySource(records, out)) {
      switch (kind) {
        case 'video':
          await this.observeVideos(source, group, out);
          break;
        case 'comment':
          await this.observeComments(source, group, out);
          break;
        case 'user':
          await this.observeUsers(source, group, out);
          break;
        case 'ad':
          await this.observeAds(source, group, out);
          break;
      }
    }
  }

  /** Records grouped by the source that collected them (their spec's source, or the first of their API). */
  protected bySource(records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Map<string, ActiveRecord[]> {
    const groups = new Map<string, ActiveRecord[]>();
    for (const record of records) {
      const source = sourceOfRecord(this.ctx.config, record);
      if (source === undefined) {
        out.set(recordKeyOf(record.ref), failed('no-source'));
        continue;
      }
      const group = groups.get(source);
      if (group) group.push(record);
      else groups.set(source, [record]);
    }
    return groups;
  }

  protected async observeVideos(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    const byCheck = records.filter((r) => this.policyOf(r).refreshBy === 'existence-check');
    if (byCheck.length > 0) await this.observeByComplianceTask(source, client, 'video', byCheck, out);
    const byLookup = records.filter((r) => this.policyOf(r).refreshBy !== 'existence-check');
    if (byLookup.length === 0) return;

    const items: Array<{ id: string; createTime: number }> = [];
    for (const record of byLookup) {
      const createTime = record.platformCreatedAt ?? (await this.storedCreateTime(record));
      // Unix seconds only: a time in milliseconds would put the lookup window in the far future.
      if (createTime === undefined || !(createTime >= 0 && createTime < 1e11)) out.set(recordKeyOf(record.ref), failed('no-create-time'));
      else items.push({ id: record.ref.id, createTime });
    }
    // One call per planned batch, so a batch that fails after its retries leaves the others unaffected.
    for (const planned of planLookupBatches(items)) {
      this.checkStop();
      const batchItems = items.filter((i) => planned.ids.includes(i.id));
      try {
        for await (const batch of client.lookupVideosByIds(batchItems, STORED_VIDEO_FIELDS)) {
          const found = new Set<string>();
          for (const video of batch.found) {
            found.add(video.id);
            out.set(`tiktok:video:${video.id}`, { kind: 'found', body: stringifyJson(video.raw), logId: batch.logId });
          }
          for (const id of batch.missingIds) {
            out.set(`tiktok:video:${id}`, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: found.size, logId: batch.logId } });
          }
        }
      } catch (error) {
        this.rethrowStop(error);
        const reason = failureReason(error);
        for (const id of planned.ids) if (!out.has(`tiktok:video:${id}`)) out.set(`tiktok:video:${id}`, failed(reason));
      }
    }
  }

  /** A record collected without its creation time: read it from the stored object. */
  protected async storedCreateTime(record: ActiveRecord): Promise<number | undefined> {
    const stored = await this.ctx.objects.get(record.objectKey);
    if (!stored) return undefined;
    try {
      const value = (parseJson(stored.body.toString('utf8')) as { create_time?: unknown }).create_time;
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  protected async observeByComplianceTask(
    source: string,
    client: ResearchApiClient,
    category: 'video' | 'comment',
    records: readonly ActiveRecord[],
    out: Map<RecordKey, Outcome>,
  ): Promise<void> {
    this.checkStop();
    const ids = [...new Set(records.map((r) => r.ref.id))];
    try {
      const result = await client.checkExistence(ids, category, { pollIntervalMs: this.options.pollIntervalMs ?? 15_000 });
      // checkExistence splits ids in order into tasks of `idCount` each.
      const taskOf = new Map<string, string>();
      let offset = 0;
      for (const task of result.tasks) {
        for (const id of ids.slice(offset, offset + task.idCount)) taskOf.set(id, task.taskId);
        offset += task.idCount;
      }
      for (const id of ids) {
        const taskId = taskOf.get(id) ?? '';
        const key = `tiktok:${category}:${id}`;
        if (result.validIds.has(id)) out.set(key, { kind: 'valid', taskId });
        else out.set(key, { kind: 'observed', observation: { kind: 'invalid-in-compliance-task', taskId } });
      }
    } catch (error) {
      this.rethrowStop(error);
      const reason = failureReason(error);
      for (const id of ids) out.set(`tiktok:${category}:${id}`, failed(reason));
    }
  }

  protected async observeComments(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    const byCheck = records.filter((r) => this.policyOf(r).refreshBy === 'existence-check');
    if (byCheck.length > 0) await this.observeByComplianceTask(source, client, 'comment', byCheck, out);
    const byVideo = new Map<RecordKey, ActiveRecord[]>();
    for (const record of records) {
      if (this.policyOf(record).refreshBy === 'existence-check') continue;
      const parent = record.parentKey;
      if (parent === undefined || !parent.startsWith('tiktok:video:')) out.set(recordKeyOf(record.ref), failed('no-parent-video'));
      else {
        const group = byVideo.get(parent);
        if (group) group.push(record);
        else byVideo.set(parent, [record]);
      }
    }
    // One listing per video: every page until has_more is false, unless every due comment was found earlier.
    await this.inParallel([...byVideo.entries()], async ([videoKey, comments]) => {
      const wanted = new Set(comments.map((c) => c.ref.id));
      const videoId = parseRecordKey(videoKey).id;
      let returned = 0;
      let pages = 0;
      let complete = false;
      let logId = '';
      try {
        for await (const page of client.videoComments({ videoId }, { fields: COMMENT_FIELDS, maxCount: COMMENTS_PER_PAGE })) {
          pages += 1;
          logId = page.logId;
          returned += page.comments.length;
          for (const comment of page.comments) {
            if (!wanted.delete(comment.id)) continue;
            out.set(`tiktok:comment:${comment.id}`, { kind: 'found', body: stringifyJson(comment.raw), logId: page.logId });
          }
          if (!page.hasMore) complete = true;
          if (wanted.size === 0 || complete || pages >= MAX_COMMENT_PAGES) break;
        }
      } catch (error) {
        this.rethrowStop(error);
        const reason = failureReason(error);
        for (const id of wanted) out.set(`tiktok:comment:${id}`, failed(reason));
        return;
      }
      // Only a listing read to its end says anything about the comments it did not return; one that reached the
      // platform's cap counts a miss at most (its peers do not confirm anything).
      const peersFound = returned >= PLATFORM_COMMENT_CAP ? 0 : returned;
      for (const id of wanted) {
        out.set(`tiktok:comment:${id}`, complete ? { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound, logId } } : failed('listing-cut-short'));
      }
    });
  }

  protected async observeUsers(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    await this.inParallel(records, async (record) => {
      const key = recordKeyOf(record.ref);
      const username = await this.usernameOf(key, this.policyOf(record).orphanedAccounts === 'keep' ? record : undefined);
      if (username === 'orphaned' || username === 'unknown') {
        out.set(key, username === 'orphaned' ? { kind: 'orphaned' } : failed('no-username'));
        return;
      }
      try {
        const { user, logId } = await client.userInfo(username, USER_INFO_FIELDS);
        out.set(key, { kind: 'found', body: storedUserBody(username, user.raw), logId });
      } catch (error) {
        this.rethrowStop(error);
        // "cannot find the user" is an answer, not an error: one miss (a single-id lookup has no peers).
        if (isUserNotFound(error) || isUserInfoUnavailable(error)) {
          out.set(key, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: 0, logId: error.logId } });
        } else {
          out.set(key, failed(failureReason(error)));
        }
      }
    });
  }

  /**
   * The username of an account, from the stored object of one of its active videos; `orphaned` when no active
   * video names the account any more, `unknown` when those that do cannot be read.
   */
  protected async usernameOf(userKey: RecordKey, keptAccount?: ActiveRecord): Promise<string | 'orphaned' | 'unknown'> {
    let videos = 0;
    for await (const child of this.ctx.ledger.children(userKey)) {
      if (child.ref.kind !== 'video' || child.purgePending) continue;
      videos += 1;
      const stored = await this.ctx.objects.get(child.objectKey);
      if (stored) {
        try {
          const username = (parseJson(stored.body.toString('utf8')) as { username?: unknown }).username;
          if (typeof username === 'string' && username !== '') return username;
        } catch {
          // an unreadable object: try another video
        }
      }
      if (videos >= 3) break;
    }
    if (videos > 0) return 'unknown';
    if (!keptAccount) return 'orphaned';
    // Policy `orphanedAccounts: keep`: the account's own stored copy names it (storedUserBody).
    const own = await this.ctx.objects.get(keptAccount.objectKey);
    try {
      const username = own ? (parseJson(own.body.toString('utf8')) as { username?: unknown }).username : undefined;
      return typeof username === 'string' && username !== '' ? username : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  protected async observeAds(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.commercial(source);
    await this.inParallel(records, async (record) => {
      const key = recordKeyOf(record.ref);
      try {
        const { ad, logId } = await client.adDetail(record.ref.id, AD_FIELDS);
        // The detail endpoint answers with more than the ad query that collected the ad (reach by country):
        // compare and keep the fields that were collected, so an unchanged ad is not rewritten.
        const stored = await this.ctx.objects.get(record.objectKey);
        const body = stored ? stringifyJson(shapedLike(parseJson(stored.body.toString('utf8')), ad.raw)) : stringifyJson(ad.raw);
        out.set(key, { kind: 'found', body, logId });
      } catch (error) {
        this.rethrowStop(error);
        if (error instanceof TikTokApiError && error.code === 'invalid_params' && /cannot find/i.test(error.apiMessage)) {
          out.set(key, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: 0, logId: error.logId } });
        } else {
          out.set(key, failed(failureReason(error)));
        }
      }
    });
  }

  /** Single-record lookups a few at a time; the first stop (quota, deadline, budget) ends them all. */
  protected async inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let stop: StopSweep | undefined;
    await mapLimit(items, LOOKUP_CONCURRENCY, async (item) => {
      if (stop) return;
      try {
        this.checkStop();
        await fn(item);
      } catch (error) {
        if (error instanceof StopSweep) stop ??= error;
        else throw error;
      }
    });
    if (stop) throw stop;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` restricted to the object keys `template` has (recursively, in the template's order); arrays whole. */
export function shapedLike(template: unknown, value: unknown): unknown {
  if (!isPlainObject(template) || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(template)) if (key in value) out[key] = shapedLike(template[key], value[key]);
  return out;
}
