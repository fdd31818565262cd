/**
 * Admin endpoints under `/__admin/` (not TikTok's): move the clock, set faults, read quota usage and ask the
 * world for the truth. Plain JSON in and out, no token; the emulator only listens on loopback.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { type Clock, isSettable } from '../domain/clock';
import { parseJson } from '../domain/json';
import type { FaultInjector } from './faults';
import { readBody, sendJson } from './http';
import type { QuotaLedger } from './quota';
import { QueryError } from './query';
import type { World } from './world';

export interface AdminDeps {
  readonly world: World;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly quota: QuotaLedger;
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 time such as 2026-03-01T00:00:00Z' });
const rate = z.number().min(0).max(1);

const ClockBody = z.union([z.object({ now: instant }).strict(), z.object({ advanceSeconds: z.number().finite() }).strict()], {
  message: 'send {"now": "<ISO time>"} or {"advanceSeconds": N}',
});
const FaultsBody = z
  .object({
    internalErrorRate: rate,
    throttleRate: rate,
    latencyMs: z.number().min(0).max(600_000),
    searchIdEarlyExpiryRate: rate,
    shortPageRate: rate,
    missingFieldRate: rate,
    emptyLookupRate: rate,
  })
  .partial()
  .strict();
const TruthVideosBody = z.object({ query: z.unknown(), start_date: z.unknown(), end_date: z.unknown(), at: instant.optional() });
const ExistsQuery = z.object({ kind: z.enum(['video', 'comment', 'user', 'ad']), id: z.string().min(1), at: instant.optional() });

type Route = (req: IncomingMessage, url: URL) => Promise<unknown> | unknown;

/** A request handler for everything under `/__admin/`. */
export function adminHandler({ world, clock, faults, quota }: AdminDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const atOf = (at: string | undefined) => (at === undefined ? clock.now() : new Date(at));
  const routes: Record<string, Record<string, Route>> = {
    '/__admin/clock': {
      GET: () => ({ now: clock.now().toISOString(), settable: isSettable(clock) }),
      POST: async (req) => {
        if (!isSettable(clock)) throw new AdminError(409, 'the emulator clock is not settable (start it with a ShiftedClock or ManualClock)');
        const body = parse(ClockBody, await readJson(req));
        if ('now' in body) clock.set(new Date(body.now));
        else clock.advance(body.advanceSeconds * 1_000);
        return { now: clock.now().toISOString(), settable: true };
      },
    },
    '/__admin/faults': {
      GET: () => faults.current,
      POST: async (req) => {
        faults.set(parse(FaultsBody, await readJson(req)));
        return faults.current;
      },
    },
    '/__admin/quota': {
      GET: (_req, url) => {
        const clientKey = url.searchParams.get('client_key');
        if (!clientKey) throw new AdminError(400, 'client_key is required: /__admin/quota?client_key=KEY');
        return quota.report(clientKey);
      },
    },
    '/__admin/world': {
      GET: () => ({ seed: world.seed, anchor: world.anchor.toISOString(), start: world.start.toISOString(), end: world.end.toISOString(), options: world.options }),
    },
    '/__admin/truth/videos': {
      POST: async (req) => {
        const body = parse(TruthVideosBody, await readJson(req));
        try {
          const ids = world.matchVideos(body, atOf(body.at));
          return { count: ids.length, ids: ids.map((id) => BigInt(id)) };
        } catch (error) {
          if (error instanceof QueryError) throw new AdminError(400, error.message);
          throw error;
        }
      },
    },
    '/__admin/truth/exists': {
      GET: (_req, url) => {
        const { kind, id, at } = parse(ExistsQuery, Object.fromEntries(url.searchParams));
        const when = atOf(at);
        const exists = {
          video: () => world.videoExists(id, when),
          comment: () => world.commentExists(id, when),
          user: () => world.userExists(id, when),
          ad: () => world.adExists(id, when),
        }[kind]();
        return { kind, id, at: when.toISOString(), exists };
      },
    },
    '/__admin/truth/changes': {
      GET: () => ({ changes: world.changes().map((c) => ({ ...c, at: c.at.toISOString() })) }),
    },
  };

  return async (req, res, url) => {
    try {
      const route = routes[url.pathname];
      if (!route) throw new AdminError(404, `no admin endpoint ${url.pathname}; known: ${Object.keys(routes).join(', ')}`);
      const handler = route[req.method ?? 'GET'];
      if (!handler) throw new AdminError(405, `${req.method} is not allowed on ${url.pathname}; use ${Object.keys(route).join(' or ')}`);
      sendJson(res, 200, await handler(req, url));
    } catch (error) {
      const status = error instanceof AdminError ? error.status : error instanceof RangeError ? 400 : 500;
      sendJson(res, status, { error: (error as Error).message });
    }
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  try {
    return text.trim() === '' ? {} : parseJson(text);
  } catch (error) {
    throw new AdminError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AdminError(400, result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}
