/** Starts an in-process emulator on a free port with a small world and a ManualClock, and talks to it over HTTP. */
import { ManualClock } from '../../../lib/domain/clock';
import { parseJson, stringifyJson } from '../../../lib/domain/json';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../../lib/emulator';

export const START = '2026-03-01T12:00:00Z';
export const CLIENT = { clientKey: 'lab-key', clientSecret: 'lab-secret' };

/** About 2,800 videos over 60 + 10 days: fast to build, big enough for paging. */
export const SMALL_WORLD = { users: 300, videosPerDay: 40, historyDays: 60, futureDays: 10, adsPerYear: 600, advertisers: 40 };

export interface Reply {
  status: number;
  text: string;
  /** The body parsed losslessly (ids as bigint). */
  json: any;
  headers: Headers;
}

export interface Harness {
  emulator: RunningEmulator;
  clock: ManualClock;
  url: string;
  /** POST a JSON body (lossless) with a bearer token, renewed when the clock has moved past its life. */
  post(path: string, body?: unknown, init?: { token?: string | null; headers?: Record<string, string>; rawBody?: string | FormData }): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** A fresh token for CLIENT. */
  token(): Promise<string>;
  advance(seconds: number): void;
  stop(): Promise<void>;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = parseJson(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const clock = new ManualClock(START);
  const emulator = await startEmulator({ clock, credentials: [CLIENT], ...options, world: { ...SMALL_WORLD, ...options.world } });
  let cached: { token: string; at: number } | undefined;
  const token = async () => {
    const response = await fetch(`${emulator.url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_key: CLIENT.clientKey, client_secret: CLIENT.clientSecret, grant_type: 'client_credentials' }),
    });
    const body = (await reply(response)).json;
    if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
    return body.access_token as string;
  };
  return {
    emulator,
    clock,
    url: emulator.url,
    token,
    async post(path, body, init = {}) {
      const at = clock.now().getTime();
      if (init.token === undefined && (!cached || at < cached.at || at - cached.at >= 7_000_000)) cached = { token: await token(), at };
      const bearer = init.token === undefined ? cached!.token : init.token;
      const headers: Record<string, string> = { ...(init.rawBody instanceof FormData ? {} : { 'Content-Type': 'application/json' }), ...init.headers };
      if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
      const payload = init.rawBody ?? (body === undefined ? undefined : stringifyJson(body));
      return reply(await fetch(`${emulator.url}${path}`, { method: 'POST', headers, body: payload }));
    },
    async get(path) {
      return reply(await fetch(`${emulator.url}${path}`));
    },
    advance(seconds) {
      clock.advance(seconds * 1_000);
    },
    stop: () => emulator.stop(),
  };
}

export const eq = (field_name: string, value: string) => ({ operation: 'EQ', field_name, field_values: [value] });

/** Every id a paged video query returns, following cursor and search_id to the end. */
export async function pageAllVideos(h: Harness, body: Record<string, unknown>, maxCount = 100): Promise<{ ids: string[]; pages: number; searchIds: Set<string> }> {
  const ids: string[] = [];
  const searchIds = new Set<string>();
  let cursor: number | null = null;
  let searchId: string | null = null;
  for (let pages = 1; ; pages += 1) {
    const r = await h.post('/v2/research/video/query/?fields=id', { ...body, max_count: maxCount, cursor, search_id: searchId });
    if (r.status !== 200) throw new Error(`page ${pages} failed: ${r.text}`);
    ids.push(...r.json.data.videos.map((v: { id: bigint }) => v.id.toString()));
    searchIds.add(r.json.data.search_id);
    if (!r.json.data.has_more) return { ids, pages, searchIds };
    cursor = r.json.data.cursor;
    searchId = r.json.data.search_id;
  }
}
