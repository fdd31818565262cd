/**
 * The emulator's HTTP server (node:http, loopback). Every data request goes through the same steps as on the real
 * API: token, scope, throttling, daily quota (counted from here on, so a 500 still costs a request), injected
 * 500s, then the endpoint; the answer is the `{data, error}` envelope with the status its code implies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, ShiftedClock, startOfUtcDay } from '../domain/clock';
import { adminHandler } from './admin-api';
import { type ClientCredentials, TokenIssuer } from './auth';
import { commercialEndpoints } from './commercial-api';
import { toUnixSeconds } from './dates';
import { complianceEndpoints } from './compliance-api';
import { type Endpoint, IdMinter } from './endpoint';
import { FaultInjector, type FaultOptions } from './faults';
import { ApiError, envelope, newLogId, readBody, send, sendJson } from './http';
import { QuotaLedger, type QuotaLimits } from './quota';
import { researchEndpoints } from './research-api';
import { World, type WorldOptions } from './world';
import { checkOptions, DEFAULT_WORLD_OPTIONS } from './world-model';

export interface EmulatorOptions {
  /** Default: a ShiftedClock at real time (settable through `/__admin/clock`). */
  clock?: Clock;
  /** Default 1. Same seed and anchor give the same world. */
  seed?: number;
  /**
   * The world covers [anchor - historyDays, anchor + futureDays]; the anchor is rounded down to 00:00 UTC.
   * Default: the clock's day at start.
   * Pass a fixed anchor to get the same world across restarts on different days.
   */
  anchor?: Date;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: one client, `steward-local` / `steward-local-secret`, with both scopes. */
  credentials?: ClientCredentials[];
  world?: Partial<WorldOptions>;
  /** Shorthand for `world.maxCommentsPerVideo` (above 31: heavy-tailed comment counts, see world.ts). */
  maxCommentsPerVideo?: number;
  quota?: Partial<QuotaLimits>;
  faults?: Partial<FaultOptions>;
  /** How long a video query's search_id lives, in seconds of emulator time. Default 3600. */
  searchIdTtlSeconds?: number;
  /** Status polls answered "Processing" before a compliance task is "Completed". Default 1. */
  complianceTaskPolls?: number;
}

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:43121 (no trailing slash). */
  url: string;
  port: number;
  clock: Clock;
  /** The truth: what exists when, independent of paging, quota and faults. */
  world: World;
  setFaults(faults: Partial<FaultOptions>): void;
  stop(): Promise<void>;
}

export const DEFAULT_CREDENTIALS: readonly ClientCredentials[] = Object.freeze([{ clientKey: 'steward-local', clientSecret: 'steward-local-secret' }]);

const TOKEN_PATH = '/v2/oauth/token/';

/** Start the emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = options.clock ?? new ShiftedClock();
  const seed = options.seed ?? 1;
  const worldOptions = options.maxCommentsPerVideo === undefined ? options.world : { ...options.world, maxCommentsPerVideo: options.maxCommentsPerVideo };
  const anchor = options.anchor ?? startOfUtcDay(clock.now());
  // Bad world options fail the start, as before; the world itself is built on first use (the first API request or
  // `world` read): a `--local --emulator` command that never calls the platform (quota plan, verify, report) does
  // not pay for generating it.
  checkOptions({ ...DEFAULT_WORLD_OPTIONS, ...worldOptions });
  const faults = new FaultInjector(seed, options.faults);
  const tokens = new TokenIssuer(options.credentials ?? DEFAULT_CREDENTIALS, clock);
  const quota = new QuotaLedger(options.quota ?? {}, clock);
  const ids = new IdMinter(seed);
  let built: { world: World; endpoints: Map<string, Endpoint>; admin: ReturnType<typeof adminHandler> } | undefined;
  const ready = () => {
    if (built) return built;
    const world = new World(seed, anchor, worldOptions);
    const services = {
      world,
      clock,
      faults,
      ids,
      searchIdTtlSeconds: options.searchIdTtlSeconds ?? 3_600,
      complianceTaskPolls: options.complianceTaskPolls ?? 1,
    };
    const endpoints = new Map<string, Endpoint>(
      [...researchEndpoints(services), ...complianceEndpoints(services), ...commercialEndpoints(services)].map((e) => [e.path, e]),
    );
    built = { world, endpoints, admin: adminHandler({ world, clock, faults, quota }) };
    return built;
  };

  async function serveData(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const now = clock.now();
    const logId = newLogId(now);
    // The download answer is plain text, so its log id can only travel in a header.
    const headers = { 'X-Tt-Logid': logId };
    const body = await readBody(req);
    if (url.pathname === TOKEN_PATH) {
      await faults.delay();
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'invalid_request', error_description: `Use POST for ${TOKEN_PATH}.`, log_id: logId });
        return;
      }
      const answer = tokens.issue(body.toString('utf8'), logId);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const { endpoints } = ready();
    const endpoint = endpoints.get(url.pathname);
    if (!endpoint) {
      const hint = endpoints.has(`${url.pathname}/`) ? ` Did you mean ${url.pathname}/ (paths end with a slash)?` : '';
      sendJson(res, 404, envelope({}, 'not_found', `No endpoint at ${url.pathname}.${hint}`, logId, 'research'));
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, envelope({}, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}; use POST.`, logId, endpoint.style));
      return;
    }
    await faults.delay();
    try {
      const clientKey = tokens.authenticate(req.headers.authorization, endpoint.scope);
      if (faults.roll('throttleRate')) throw new ApiError('rate_limit_exceeded', 'The API rate limit was exceeded; retry later.');
      quota.admit(clientKey, endpoint.bucket);
      if (faults.roll('internalErrorRate')) throw new ApiError('internal_error', 'Something went wrong. Please try again later.');
      const result = await endpoint.handle({ clientKey, now, t: toUnixSeconds(now), query: url.searchParams, headers: req.headers, body });
      quota.addRecords(clientKey, endpoint.bucket, result.records);
      if (result.kind === 'text') send(res, 200, result.text, 'text/plain; charset=utf-8', headers);
      else sendJson(res, 200, envelope(result.data, 'ok', endpoint.style === 'v2' ? 'ok' : '', logId, endpoint.style));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      sendJson(res, error.status, envelope({}, error.code, error.message, logId, endpoint.style));
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const work = url.pathname.startsWith('/__admin/') ? ready().admin(req, res, url) : serveData(req, res, url);
    work.catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      const logId = newLogId(clock.now());
      sendJson(res, 500, envelope({}, 'internal_error', `Emulator error: ${(error as Error).message}`, logId, 'research'));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    clock,
    get world() {
      return ready().world;
    },
    setFaults: (f) => faults.set(f),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
