/**
 * The synthetic TikTok world the emulator serves: accounts, videos, comments, follows, likes, reposts, playlists
 * and an ad library, all derived from a seed and an anchor day. Nothing is random at run time: the same seed and
 * anchor give the same ids, texts and counts, and "what exists at instant t" is a pure function of t. That is the
 * truth the tests compare the HTTP API against.
 *
 * Times inside are Unix seconds. Videos are generated eagerly but compactly (about 50,000 rows by default);
 * comments, likes and reposts are generated on demand from hashes of the seed and the owner's index, so they
 * cost nothing until asked for and come out the same in any order.
 */
import { formatYmd, toUnixSeconds } from './dates';
import { compileQuery, parseDateWindow, type DateWindow, type QueryableVideo, type VideoPredicate } from './query';
import { idPayload, makeId, toBigId } from './ids';
import { hash32, Rng } from './random';
import { type FollowEdge } from './social-graph';
import {
  type VideoTruth,
  type UserTruth,
  type CommentTruth,
  type AdTruth,
  type WorldChange,
  type CommentRow,
  TAG,
  growth,
  before,
  toDate,
} from './world-model';
import { WorldData } from './world-data';

export {
  DEFAULT_WORLD_OPTIONS,
  MAX_COMMENTS_PER_VIDEO,
  commentCount,
  type AdTruth,
  type CommentRow,
  type CommentTruth,
  type UserTruth,
  type VideoTruth,
  type WorldChange,
  type WorldOptions,
} from './world-model';

/**
 * The world for one seed and anchor day. The truth methods take Dates; the methods the API layer uses take Unix
 * seconds and entity indexes.
 */export class World extends WorldData {
  // ---------------------------------------------------------------- truth

  /** True when the video is visible at `at`: created, not deleted or private, its account not deleted. */
  videoExists(id: string | bigint, at: Date): boolean {
    const index = this.videoIndexOf(id);
    return index !== undefined && this.isVideoVisible(index, toUnixSeconds(at));
  }

  /** True when the comment, its video, its author (and its parent comment, for a reply) are all there at `at`. */
  commentExists(id: string | bigint, at: Date): boolean {
    const comment = this.commentOf(id);
    return comment !== undefined && this.isCommentVisible(comment, toUnixSeconds(at));
  }

  userExists(username: string, at: Date): boolean {
    return this.visibleUser(username, toUnixSeconds(at)) !== undefined;
  }

  adExists(id: string | bigint, at: Date): boolean {
    const ad = this.adLibrary.find(String(id));
    return ad !== undefined && this.adLibrary.isVisible(ad, toUnixSeconds(at));
  }

  /**
   * Every video id matching a video-query body (`query`, `start_date`, `end_date`) that is visible at `at`, in
   * descending id order: what paging through the Research API must add up to. No paging, quota or faults.
   * Throws QueryError when the body is invalid.
   */
  matchVideos(body: { query: unknown; start_date: unknown; end_date: unknown }, at: Date): string[] {
    const window = parseDateWindow(body.start_date, body.end_date);
    const predicate = compileQuery(body.query);
    return this.searchVideos(predicate, window, toUnixSeconds(at)).map((i) => this.videoId(i).toString());
  }

  /** A visible video with every documented field as the API renders it at `at`; undefined when not visible. */
  video(id: string | bigint, at: Date): Record<string, unknown> | undefined {
    const index = this.videoIndexOf(id);
    const t = toUnixSeconds(at);
    return index !== undefined && this.isVideoVisible(index, t) ? this.renderVideo(index, t) : undefined;
  }

  /** A visible account with every documented user-info field at `at`. */
  user(username: string, at: Date): Record<string, unknown> | undefined {
    const t = toUnixSeconds(at);
    const index = this.visibleUser(username, t);
    return index === undefined ? undefined : this.renderUser(index, t);
  }

  /** Every video ever in the world (past and future), oldest first. */
  listVideos(): VideoTruth[] {
    const v = this.videos;
    return Array.from({ length: v.length }, (_, i) => ({
      id: this.videoId(i).toString(),
      username: this.users[v.user[i]!]!.username,
      createTime: new Date(v.createTime[i]! * 1000),
      regionCode: this.users[v.user[i]!]!.region,
      hashtagNames: this.hashtagLists[v.hashtagSet[i]!]!,
      ...(!Number.isNaN(v.deletedAt[i]) && { deletedAt: toDate(v.deletedAt[i]) }),
      ...(!Number.isNaN(v.privateAt[i]) && { privateAt: toDate(v.privateAt[i]) }),
    }));
  }

  listUsers(): UserTruth[] {
    return this.users.map((u) => ({ username: u.username, ...(u.deletedAt !== undefined && { deletedAt: toDate(u.deletedAt) }) }));
  }

  /** Every comment ever written on a video (including deleted and future ones), in creation order. */
  listComments(videoId: string | bigint): CommentTruth[] {
    const index = this.videoIndexOf(videoId);
    if (index === undefined) return [];
    const list = this.commentsOf(index);
    return list.map((c) => ({
      id: c.id.toString(),
      videoId: this.videoId(index).toString(),
      parentCommentId: (c.parent < 0 ? this.videoId(index) : list[c.parent]!.id).toString(),
      username: this.users[c.author]!.username,
      text: c.text,
      createTime: new Date(c.createTime * 1000),
      ...(c.deletedAt !== undefined && { deletedAt: toDate(c.deletedAt) }),
    }));
  }

  listAds(): AdTruth[] {
    return this.adLibrary.ads.map((ad) => ({
      id: ad.id.toString(),
      advertiserBusinessId: this.adLibrary.advertisers[ad.advertiser]!.businessId.toString(),
      firstShownDate: formatYmd(ad.firstShown),
      countries: ad.countries,
      ...(ad.removedAt !== undefined && { removedAt: toDate(ad.removedAt) }),
    }));
  }

  /** Every deletion, privatisation, account deletion and ad removal, in time order. */
  changes(): WorldChange[] {
    const out: WorldChange[] = [];
    const v = this.videos;
    for (let i = 0; i < v.length; i += 1) {
      if (!Number.isNaN(v.deletedAt[i])) out.push({ kind: 'video', id: this.videoId(i).toString(), change: 'deleted', at: new Date(v.deletedAt[i]! * 1000) });
      if (!Number.isNaN(v.privateAt[i])) out.push({ kind: 'video', id: this.videoId(i).toString(), change: 'made_private', at: new Date(v.privateAt[i]! * 1000) });
    }
    for (const user of this.users) {
      if (user.deletedAt !== undefined) out.push({ kind: 'user', id: user.username, change: 'account_deleted', at: new Date(user.deletedAt * 1000) });
    }
    for (const ad of this.adLibrary.ads) {
      if (ad.removedAt !== undefined) out.push({ kind: 'ad', id: ad.id.toString(), change: 'removed', at: new Date(ad.removedAt * 1000) });
    }
    return out.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  // ---------------------------------------------------------------- used by the API layer (times in Unix seconds)

  /** Index of the video with this id, or undefined. O(1): the id's low bits lead back to the index. */
  videoIndexOf(id: unknown): number | undefined {
    const big = toBigId(id);
    if (big === undefined) return undefined;
    const index = idPayload(big, this.videoKey);
    // The low bits name the index (a bijection); the high bits must then be that video's creation second.
    return index < this.videos.length && big >> 32n === BigInt(this.videos.createTime[index]!) ? index : undefined;
  }

  isVideoVisible(index: number, t: number): boolean {
    const v = this.videos;
    // NaN (never) compares false, so `!(x <= t)` reads "not yet".
    return v.createTime[index]! <= t && !(v.deletedAt[index]! <= t) && !(v.privateAt[index]! <= t) && !before(this.users[v.user[index]!]!.deletedAt, t);
  }

  /** Indexes of videos created in the window and visible at `t` that satisfy the predicate, newest first. */
  searchVideos(predicate: VideoPredicate, window: DateWindow, t: number): number[] {
    const out: number[] = [];
    const lo = this.videos.firstAtOrAfter(window.from);
    const hi = this.videos.firstAtOrAfter(Math.min(window.to, t + 1));
    for (let i = hi - 1; i >= lo; i -= 1) {
      if (this.isVideoVisible(i, t) && predicate(this.queryView(i, t))) out.push(i);
    }
    return out;
  }

  /** Every documented video field at `t`. Optional fields (playlist, transcript, label, tag) only when present. */
  renderVideo(index: number, t: number): Record<string, unknown> {
    const v = this.videos;
    const detail = this.detail(index);
    const user = this.users[v.user[index]!]!;
    const views = this.viewsAt(index, t);
    const hashtags = this.hashtagLists[v.hashtagSet[index]!]!;
    const effects = this.effectsOf(index);
    const record: Record<string, unknown> = {
      id: this.videoId(index),
      create_time: v.createTime[index],
      username: user.username,
      region_code: user.region,
      video_description: detail.description,
      music_id: BigInt(this.music[v.music[index]!]!),
      like_count: Math.floor(views * detail.likeRate),
      comment_count: this.commentsForVideo(index, t).length,
      share_count: Math.floor(views * detail.shareRate),
      view_count: views,
      effect_ids: effects.map((e) => this.effects[e]!.id),
      hashtag_names: [...hashtags],
      is_stem_verified: detail.stem,
      favorites_count: Math.floor(views * detail.favouriteRate),
      video_duration: v.duration[index],
      hashtag_info_list: hashtags.map((name) => ({ hashtag_id: this.hashtagIds.get(name)!, hashtag_description: `Videos about #${name}` })),
      sticker_info_list: detail.stickers.map((s) => ({ sticker_id: this.stickers[s]!.id, sticker_name: this.stickers[s]!.name })),
      effect_info_list: effects.map((e) => ({
        effect_id: this.effects[e]!.id,
        effect_name: this.effects[e]!.name,
        effect_photo_url: this.effects[e]!.photoUrl,
      })),
      video_mention_list: detail.mentions.map((u) => this.users[u]!.username),
    };
    if (v.playlist[index]! >= 0) record.playlist_id = this.playlists[v.playlist[index]!]!.id;
    if (detail.transcript !== undefined) record.voice_to_text = detail.transcript;
    if (detail.label !== undefined) record.video_label = { content: detail.label };
    if (detail.tag !== undefined) record.video_tag = { ...detail.tag };
    return record;
  }

  /** Index of the account if it exists and is not deleted at `t`. Usernames match case-insensitively. */
  visibleUser(username: unknown, t: number): number | undefined {
    if (typeof username !== 'string') return undefined;
    const index = this.userByName.get(username.trim().toLowerCase());
    return index === undefined || before(this.users[index]!.deletedAt, t) ? undefined : index;
  }

  renderUser(index: number, t: number): Record<string, unknown> {
    const user = this.users[index]!;
    const visible = user.videos.filter((v) => this.isVideoVisible(v, t));
    const likes = visible.reduce((sum, v) => sum + Math.floor(this.viewsAt(v, t) * this.detail(v).likeRate), 0);
    return {
      display_name: user.displayName,
      bio_description: user.bio,
      avatar_url: user.avatarUrl,
      is_verified: user.verified,
      follower_count: this.followers(index, t).length,
      following_count: this.following(index, t).length,
      likes_count: likes,
      video_count: visible.length,
      bio_url: user.bioUrl,
    };
  }

  /** `{username, display_name}` as the follower lists show an account. */
  renderAccount(index: number): { username: string; display_name: string } {
    return { username: this.users[index]!.username, display_name: this.users[index]!.displayName };
  }

  /**
   * The comment with this id (visible or not), or undefined. The id's payload holds the video and the comment's
   * number modulo 32; its creation second (unique within a video) tells which of those numbers it is.
   */
  commentOf(id: unknown): CommentRow | undefined {
    const big = toBigId(id);
    if (big === undefined) return undefined;
    const payload = idPayload(big, this.commentKey);
    const video = Math.floor(payload / 32);
    if (video >= this.videos.length) return undefined;
    const list = this.commentsOf(video);
    const first = list[payload % 32];
    if (first?.id === big || list.length <= 32) return first?.id === big ? first : undefined;
    const createTime = Number(big >> 32n);
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = list[mid]!.createTime;
      if (t === createTime) return list[mid]!.id === big ? list[mid] : undefined;
      if (t < createTime) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** A video's comments (top-level and replies) visible at `t`, in creation order. */
  commentsForVideo(index: number, t: number): CommentRow[] {
    if (!this.isVideoVisible(index, t)) return [];
    const list = this.commentsOf(index);
    return list.filter((c) => this.commentSelfVisible(c, t) && (c.parent < 0 || this.commentSelfVisible(list[c.parent]!, t)));
  }

  /** Replies to a comment visible at `t`, in creation order; none when the comment itself is gone. */
  repliesTo(comment: CommentRow, t: number): CommentRow[] {
    if (comment.parent >= 0 || !this.isCommentVisible(comment, t)) return [];
    return this.commentsOf(comment.video).filter((c) => c.parent === comment.k && this.commentSelfVisible(c, t));
  }

  isCommentVisible(comment: CommentRow, t: number): boolean {
    if (!this.isVideoVisible(comment.video, t) || !this.commentSelfVisible(comment, t)) return false;
    return comment.parent < 0 || this.commentSelfVisible(this.commentsOf(comment.video)[comment.parent]!, t);
  }

  renderComment(comment: CommentRow, t: number): Record<string, unknown> {
    const videoId = this.videoId(comment.video);
    const list = this.commentsOf(comment.video);
    return {
      id: comment.id,
      video_id: videoId,
      text: comment.text,
      like_count: Math.floor(comment.likes * growth(t - comment.createTime)),
      reply_count: comment.parent < 0 ? this.repliesTo(comment, t).length : 0,
      parent_comment_id: comment.parent < 0 ? videoId : list[comment.parent]!.id,
      create_time: comment.createTime,
    };
  }

  /** Followers of an account at `t`, newest follow first (follow times are unique). */
  followers(index: number, t: number): FollowEdge[] {
    return this.followGraph().followers[index]!.filter((e) => e.time <= t && !before(this.users[e.user]!.deletedAt, t));
  }

  /** Accounts an account follows at `t`, newest follow first. */
  following(index: number, t: number): FollowEdge[] {
    return this.followGraph().following[index]!.filter((e) => e.time <= t && !before(this.users[e.user]!.deletedAt, t));
  }

  /** Videos the account liked by `t` that are still visible, newest video first (create times are unique). */
  likedVideos(index: number, t: number): number[] {
    return this.interactions(this.likes, TAG.likes, index, 6, 200, (a, b) => this.videos.createTime[b.video]! - this.videos.createTime[a.video]!)
      .filter((i) => i.time <= t && this.isVideoVisible(i.video, t))
      .map((i) => i.video);
  }

  /** Videos the account reposted by `t` that are still visible, newest repost first. */
  repostedVideos(index: number, t: number): number[] {
    return this.interactions(this.reposts, TAG.reposts, index, 2, 60, (a, b) => b.time - a.time)
      .filter((i) => i.time <= t && this.isVideoVisible(i.video, t))
      .map((i) => i.video);
  }

  /** Up to three of the account's own videos, pinned; those visible at `t`. */
  pinnedVideos(index: number, t: number): number[] {
    const own = this.users[index]!.videos;
    const rng = new Rng(hash32(this.seed, TAG.pins, index));
    const pinned = rng.distinct(Math.min(own.length, rng.int(4)), own.length).map((i) => own[i]!);
    return pinned.filter((v) => this.isVideoVisible(v, t));
  }

  /** A playlist by id (not when its owner is deleted at `t`), with its videos visible at `t`. */
  playlist(id: unknown, t: number): { record: Record<string, unknown>; videos: number[] } | undefined {
    const big = toBigId(id);
    const index = big === undefined ? undefined : this.playlistById.get(big.toString());
    if (index === undefined) return undefined;
    const playlist = this.playlists[index]!;
    if (before(this.users[playlist.user]!.deletedAt, t)) return undefined;
    const videos = playlist.videos.filter((v) => this.isVideoVisible(v, t));
    const lastUpdated = videos.reduce((latest, v) => Math.max(latest, this.videos.createTime[v]!), Number(playlist.id >> 32n));
    return {
      record: { playlist_id: playlist.id, playlist_name: playlist.name, playlist_item_total: videos.length, playlist_last_updated: lastUpdated },
      videos,
    };
  }

  /** Every playlist id (tests and the admin API use them as starting points). */
  playlistIds(): string[] {
    return this.playlists.map((p) => p.id.toString());
  }

  /** A video's id as a bigint (for rendering lists of ids). */
  videoId(index: number): bigint {
    return makeId(this.videos.createTime[index]!, index, this.videoKey);
  }

  videoCreateTime(index: number): number {
    return this.videos.createTime[index]!;
  }

  private queryView(index: number, t: number): QueryableVideo {
    const v = this.videos;
    const user = this.users[v.user[index]!]!;
    const world = this;
    return {
      get id() {
        return world.videoId(index);
      },
      get effectIds() {
        return world.effectsOf(index).map((e) => world.effects[e]!.id);
      },
      createTime: v.createTime[index]!,
      username: user.username,
      regionCode: user.region,
      hashtagNames: this.hashtagLists[v.hashtagSet[index]!]!,
      musicId: this.music[v.music[index]!]!,
      durationSeconds: v.duration[index]!,
      description: () => this.detail(index).description,
      viewCount: () => this.viewsAt(index, t),
      commentCount: () => this.commentsForVideo(index, t).length,
    };
  }
}
