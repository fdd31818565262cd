/** How the emulator world is generated from its seed (see world.ts). */
import { startOfUtcDay } from '../domain/clock';
import { AdLibrary } from './ad-library';
import { DAY_SECONDS, toUnixSeconds } from './dates';
import { makeId } from './ids';
import { hash32, Rng, WeightedPicker, zipfWeights } from './random';
import { buildFollowGraph, type FollowGraph } from './social-graph';
import { VideoTable } from './video-table';
import {
  ADJECTIVES,
  EFFECT_NAMES,
  FILLER_WORDS,
  NOUNS,
  POPULAR_HASHTAGS,
  REGIONS,
  STICKER_NAMES,
  TOPICS,
  VIDEO_LABELS,
} from './vocabulary';
import {
  type WorldOptions,
  DEFAULT_WORLD_OPTIONS,
  type CommentRow,
  type UserRow,
  type VideoDetail,
  type PlaylistRow,
  type Interaction,
  TAG,
  COMMENT_CACHE_LIMIT,
  MEDIA_HOST,
  VIDEO_TAGS,
  PLAYLIST_WORDS,
  NONE,
  DETAIL_CACHE_LIMIT,
  growth,
  before,
  capitalise,
  commentCount,
  checkOptions,
} from './world-model';

/**
 * The world's data for one seed and anchor day: accounts, videos, playlists and the catalog, generated eagerly;
 * details, comments and interactions, generated on demand (see world.ts).
 */
export class WorldData {
  readonly seed: number;
  /** 00:00 UTC of the anchor day. */
  readonly anchor: Date;
  readonly options: Readonly<WorldOptions>;
  /** The world holds videos created in [start, end). */
  readonly start: Date;
  readonly end: Date;

  protected readonly from: number;
  protected readonly to: number;
  protected readonly canary: string;
  protected readonly videoKey: number;
  protected readonly commentKey: number;
  protected readonly users: UserRow[] = [];
  protected readonly userByName = new Map<string, number>();
  protected readonly videos: VideoTable;
  protected readonly playlists: PlaylistRow[] = [];
  protected readonly playlistById = new Map<string, number>();
  protected readonly music: string[] = [];
  protected readonly effects: { id: string; name: string; photoUrl: string }[] = [];
  protected readonly stickers: { id: string; name: string }[] = [];
  protected readonly hashtagIds = new Map<string, number>();
  /** Distinct hashtag lists (a few hundred), shared by the videos that carry them. */
  protected readonly hashtagLists: string[][] = [];
  protected readonly hashtagListIndex = new Map<number, number>();
  protected readonly details = new Map<number, VideoDetail>();
  protected readonly commentCache = new Map<number, CommentRow[]>();
  protected readonly likes = new Map<number, Interaction[]>();
  protected readonly reposts = new Map<number, Interaction[]>();
  protected graph: FollowGraph | undefined;
  protected ads: AdLibrary | undefined;

  constructor(seed: number, anchor: Date, options: Partial<WorldOptions> = {}) {
    this.seed = seed;
    this.options = Object.freeze({ ...DEFAULT_WORLD_OPTIONS, ...options });
    checkOptions(this.options);
    this.anchor = startOfUtcDay(anchor);
    this.from = toUnixSeconds(this.anchor) - this.options.historyDays * DAY_SECONDS;
    this.to = toUnixSeconds(this.anchor) + this.options.futureDays * DAY_SECONDS;
    this.start = new Date(this.from * 1000);
    this.end = new Date(this.to * 1000);
    this.canary = this.options.contentCanary ? ` ${this.options.contentCanary}` : '';
    this.videoKey = hash32(seed, TAG.videoId);
    this.commentKey = hash32(seed, TAG.commentId);
    this.buildCatalog(new Rng(hash32(seed, TAG.catalog)));
    this.buildUsers(new Rng(hash32(seed, TAG.users)));
    const days = this.options.historyDays + this.options.futureDays;
    this.videos = new VideoTable(days * (Math.ceil(this.options.videosPerDay * 1.15) + 1));
    this.buildVideos(new Rng(hash32(seed, TAG.videos)));
    this.buildPlaylists(new Rng(hash32(seed, TAG.playlists)));
  }

  /** The ad library, built on first use (most runs never ask for ads). */
  get adLibrary(): AdLibrary {
    this.ads ??= new AdLibrary({
      seed: this.seed,
      from: this.from,
      to: this.to,
      adsPerYear: this.options.adsPerYear,
      advertisers: this.options.advertisers,
      removalShare: this.options.adRemovalShare,
    });
    return this.ads;
  }

  // ---------------------------------------------------------------- generation

  protected buildCatalog(rng: Rng): void {
    for (let i = 0; i < 500; i += 1) {
      const released = this.from - rng.int(3 * 365 * DAY_SECONDS);
      this.music.push(((BigInt(released) << 32n) | BigInt(rng.uint32())).toString());
    }
    const effectIds = new Set<string>();
    for (let i = 0; i < EFFECT_NAMES.length * 3; i += 1) {
      let id = String(rng.between(100_000, 9_999_999));
      while (effectIds.has(id)) id = String(rng.between(100_000, 9_999_999));
      effectIds.add(id);
      const base = EFFECT_NAMES[i % EFFECT_NAMES.length]!;
      const name = i < EFFECT_NAMES.length ? base : `${base} ${Math.floor(i / EFFECT_NAMES.length) + 1}`;
      this.effects.push({ id, name, photoUrl: `${MEDIA_HOST}/effects/${id}.png` });
    }
    STICKER_NAMES.forEach((name) => this.stickers.push({ id: String(rng.between(1_000_000, 99_999_999)), name }));
    const names = [...POPULAR_HASHTAGS.map((p) => p.name), ...TOPICS.map((t) => t.hashtag)];
    names.forEach((name) => this.hashtagIds.set(name, rng.between(10_000, 99_999_999)));
  }

  protected buildUsers(rng: Rng): void {
    const regions = new WeightedPicker(REGIONS.map((r) => r.weight));
    const topics = new WeightedPicker(zipfWeights(TOPICS.length, 0.9));
    for (let i = 0; i < this.options.users; i += 1) {
      let username: string;
      let adjective: string;
      let noun: string;
      do {
        adjective = rng.pick(ADJECTIVES);
        noun = rng.pick(NOUNS);
        username = `${adjective}${rng.pick(['_', '.', ''])}${noun}${rng.int(10_000)}`;
      } while (this.userByName.has(username));
      const favourite = [topics.pick(rng), topics.pick(rng)];
      const region = REGIONS[regions.pick(rng)]!.code;
      const deleted = rng.chance(this.options.accountDeletionShare);
      this.userByName.set(username, i);
      this.users.push({
        username,
        displayName: `${capitalise(adjective)} ${capitalise(noun)}${this.canary}`,
        bio: `${capitalise(rng.pick(FILLER_WORDS))} #${TOPICS[favourite[0]!]!.hashtag} from ${region}${this.canary}`,
        avatarUrl: `${MEDIA_HOST}/avatars/${rng.uint32().toString(16)}.jpeg`,
        bioUrl: rng.chance(0.2) ? `https://example.com/${username}` : '',
        verified: rng.chance(0.02),
        region,
        topics: favourite,
        deletedAt: deleted ? this.from + rng.int(this.to - this.from) : undefined,
        videos: [],
      });
    }
  }

  protected buildVideos(rng: Rng): void {
    const activity = new WeightedPicker(this.users.map(() => Math.pow(rng.next(), 3) + 0.01));
    const topics = new WeightedPicker(zipfWeights(TOPICS.length, 0.9));
    const music = new WeightedPicker(zipfWeights(this.music.length, 1.0, 2));
    const days = this.options.historyDays + this.options.futureDays;
    const perDay = this.options.videosPerDay;
    for (let day = 0; day < days; day += 1) {
      const dayStart = this.from + day * DAY_SECONDS;
      const count = Math.min(DAY_SECONDS, Math.round(perDay * (0.85 + 0.3 * rng.next())));
      // One video per slot of the day, at a random second in it: seconds are distinct, so ids sort exactly like
      // creation times and time cursors never split a second.
      const slot = DAY_SECONDS / count;
      for (let i = 0; i < count; i += 1) this.addVideo(rng, dayStart + Math.floor((i + rng.next()) * slot), { activity, topics, music });
    }
  }

  protected addVideo(rng: Rng, createTime: number, pickers: { activity: WeightedPicker; topics: WeightedPicker; music: WeightedPicker }): void {
    let user = pickers.activity.pick(rng);
    for (let tries = 0; before(this.users[user]!.deletedAt, createTime) && tries < 8; tries += 1) user = pickers.activity.pick(rng);
    const owner = this.users[user]!;
    const topic = rng.chance(0.6) ? rng.pick(owner.topics) : pickers.topics.pick(rng);
    const second = rng.chance(0.3) ? pickers.topics.pick(rng) : topic;
    let popular = 0;
    POPULAR_HASHTAGS.forEach((p, bit) => {
      if (rng.chance(p.share)) popular |= 1 << bit;
    });
    const effectRoll = rng.next();
    const effects = effectRoll < 0.05 ? rng.distinct(2, this.effects.length) : effectRoll < 0.3 ? [rng.int(this.effects.length)] : NONE;
    const lengthRoll = rng.next();
    const duration =
      lengthRoll < 0.35 ? rng.between(3, 14) : lengthRoll < 0.75 ? rng.between(15, 60) : lengthRoll < 0.95 ? rng.between(61, 300) : rng.between(301, 600);
    const views = Math.min(50_000_000, Math.floor(Math.exp(Math.log(900) + 1.9 * rng.normal())));
    const max = this.options.maxCommentsPerVideo;
    const comments = commentCount(rng.next(), max, views);
    const lifetime = this.to - createTime;
    const v = this.videos;
    const index = v.push();
    v.createTime[index] = createTime;
    v.user[index] = user;
    v.topic[index] = topic;
    v.hashtagSet[index] = this.hashtagList(topic, second, popular);
    v.music[index] = pickers.music.pick(rng);
    v.effect0[index] = effects[0] ?? -1;
    v.effect1[index] = effects[1] ?? -1;
    v.duration[index] = duration;
    v.views[index] = views;
    v.comments[index] = comments;
    v.deletedAt[index] = rng.chance(this.options.videoDeletionShare) ? createTime + 1 + rng.int(lifetime) : NaN;
    v.privateAt[index] = rng.chance(this.options.videoPrivateShare) ? createTime + 1 + rng.int(lifetime) : NaN;
    owner.videos.push(index);
  }

  /** Index of the shared hashtag list for a combination of topic tags and popular tags. */
  protected hashtagList(topic: number, second: number, popularBits: number): number {
    const key = (topic * 64 + second) * 8 + popularBits;
    let index = this.hashtagListIndex.get(key);
    if (index === undefined) {
      const list = [TOPICS[topic]!.hashtag];
      if (second !== topic) list.push(TOPICS[second]!.hashtag);
      POPULAR_HASHTAGS.forEach((p, bit) => {
        if (popularBits & (1 << bit)) list.push(p.name);
      });
      index = this.hashtagLists.push(list) - 1;
      this.hashtagListIndex.set(key, index);
    }
    return index;
  }

  protected effectsOf(index: number): number[] {
    return [this.videos.effect0[index]!, this.videos.effect1[index]!].filter((e) => e >= 0);
  }

  protected buildPlaylists(rng: Rng): void {
    const key = hash32(this.seed, TAG.playlistId);
    this.users.forEach((user, u) => {
      if (user.videos.length < 4 || !rng.chance(0.25)) return;
      const owned = Array.from({ length: rng.between(1, 2) }, () => {
        const index = this.playlists.length;
        this.playlists.push({ id: 0n, name: `${TOPICS[rng.pick(user.topics)]!.hashtag} ${rng.pick(PLAYLIST_WORDS)}`, user: u, videos: [] });
        return index;
      });
      for (const v of user.videos) {
        if (!rng.chance(0.35)) continue;
        const p = rng.pick(owned);
        this.playlists[p]!.videos.push(v);
        this.videos.playlist[v] = p;
      }
      for (const p of owned) {
        const playlist = this.playlists[p]!;
        // A playlist is created with its first video; an empty one keeps an id from its owner's first video.
        const created = this.videos.createTime[playlist.videos[0] ?? user.videos[0]!]!;
        playlist.id = makeId(created, p, key);
        this.playlistById.set(playlist.id.toString(), p);
      }
    });
  }

  protected detail(index: number): VideoDetail {
    const cached = this.details.get(index);
    if (cached) return cached;
    const rng = new Rng(hash32(this.seed, TAG.detail, index));
    const topic = TOPICS[this.videos.topic[index]!]!;
    const owner = this.videos.user[index]!;
    const words = [
      ...Array.from({ length: rng.between(2, 6) }, () => rng.pick(FILLER_WORDS)),
      ...Array.from({ length: rng.between(1, 3) }, () => rng.pick(topic.words)),
    ];
    const mentions = rng.chance(0.1) ? [rng.int(this.users.length)].filter((u) => u !== owner) : [];
    const hashtags = this.hashtagLists[this.videos.hashtagSet[index]!]!;
    const description = [...words, ...hashtags.map((h) => `#${h}`), ...mentions.map((u) => `@${this.users[u]!.username}`)].join(' ');
    const detail: VideoDetail = {
      description: `${description}${this.canary}`,
      transcript: rng.chance(0.1) ? `${words.join(' ')}${this.canary}` : undefined,
      mentions,
      stickers: rng.chance(0.12) ? [rng.int(this.stickers.length)] : [],
      stem: rng.chance(0.03),
      label: rng.chance(0.05) ? rng.pick(VIDEO_LABELS) : undefined,
      tag: rng.chance(0.06) ? rng.pick(VIDEO_TAGS) : undefined,
      likeRate: 0.02 + 0.1 * rng.next(),
      shareRate: 0.001 + 0.01 * rng.next(),
      favouriteRate: 0.002 + 0.02 * rng.next(),
    };
    if (this.details.size >= DETAIL_CACHE_LIMIT) this.details.clear();
    this.details.set(index, detail);
    return detail;
  }

  protected commentsOf(video: number): CommentRow[] {
    const cached = this.commentCache.get(video);
    if (cached) return cached;
    const created = this.videos.createTime[video]!;
    const rng = new Rng(hash32(this.seed, TAG.comments, video));
    const times = Array.from({ length: this.videos.comments[video]! }, () => created + 30 + Math.floor(-Math.log(1 - rng.next()) * 2 * DAY_SECONDS)).sort((a, b) => a - b);
    for (let k = 1; k < times.length; k += 1) times[k] = Math.max(times[k]!, times[k - 1]! + 1);
    const topLevel: number[] = [];
    const topic = TOPICS[this.videos.topic[video]!]!;
    const list = times.map((createTime, k): CommentRow => {
      let author = rng.int(this.users.length);
      for (let tries = 0; before(this.users[author]!.deletedAt, createTime) && tries < 8; tries += 1) author = rng.int(this.users.length);
      const parent = topLevel.length > 0 && rng.chance(0.3) ? rng.pick(topLevel) : -1;
      if (parent < 0) topLevel.push(k);
      // Some texts carry contact details, masked with * as the API masks them.
      const contact = rng.chance(0.05) ? ` dm me ${rng.pick(['j***@****.com', '+49 176 ****12', '4111 **** **** 1111'])}` : '';
      const text = `${rng.pick(FILLER_WORDS)} ${rng.pick(topic.words)} ${rng.pick(FILLER_WORDS)}${contact}${this.canary}`;
      return {
        id: makeId(createTime, video * 32 + (k % 32), this.commentKey),
        video,
        k,
        createTime,
        author,
        parent,
        text,
        likes: Math.floor(Math.exp(Math.log(3) + 1.5 * rng.normal())),
        deletedAt: rng.chance(this.options.commentDeletionShare) ? createTime + 1 + rng.int(Math.max(1, this.to - createTime)) : undefined,
      };
    });
    if (this.commentCache.size >= COMMENT_CACHE_LIMIT) this.commentCache.clear();
    this.commentCache.set(video, list);
    return list;
  }

  protected commentSelfVisible(comment: CommentRow, t: number): boolean {
    return comment.createTime <= t && !before(comment.deletedAt, t) && !before(this.users[comment.author]!.deletedAt, t);
  }

  protected interactions(
    cache: Map<number, Interaction[]>,
    tag: number,
    user: number,
    typical: number,
    max: number,
    order: (a: Interaction, b: Interaction) => number,
  ): Interaction[] {
    const cached = cache.get(user);
    if (cached) return cached;
    const rng = new Rng(hash32(this.seed, tag, user));
    const count = Math.min(max, Math.floor(Math.exp(Math.log(typical) + rng.normal())));
    const seen = new Set<number>();
    const list: Interaction[] = [];
    for (let i = 0; i < count && this.videos.length > 0; i += 1) {
      const video = rng.int(this.videos.length);
      const time = this.videos.createTime[video]! + Math.floor(-Math.log(1 - rng.next()) * 3 * DAY_SECONDS);
      if (seen.has(video) || this.videos.user[video] === user) continue;
      seen.add(video);
      list.push({ video, time });
    }
    list.sort(order);
    cache.set(user, list);
    return list;
  }

  protected followGraph(): FollowGraph {
    this.graph ??= buildFollowGraph({
      rng: new Rng(hash32(this.seed, TAG.graph)),
      users: this.users.length,
      verified: (u) => this.users[u]!.verified,
      from: this.from - 2 * 365 * DAY_SECONDS,
      to: this.to,
    });
    return this.graph;
  }

  protected viewsAt(index: number, t: number): number {
    return Math.floor(this.videos.views[index]! * growth(t - this.videos.createTime[index]!));
  }
}
