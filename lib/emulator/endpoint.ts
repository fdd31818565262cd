/**
 * What an API endpoint is to the server: a path, the scope and quota bucket it needs, its envelope style, and a
 * handler from a parsed request to data. Authentication, quotas, faults and the envelope are the server's job.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../domain/clock';
import { parseJson } from '../domain/json';
import type { Scope } from './auth';
import type { FaultInjector } from './faults';
import { type EnvelopeStyle, invalidParams, jsonObject } from './http';
import { makeId } from './ids';
import type { QuotaBucket } from './quota';
import { hash32 } from './random';
import type { World } from './world';

export interface RequestContext {
  readonly clientKey: string;
  /** The emulator clock when the request arrived, as a Date and in Unix seconds. */
  readonly now: Date;
  readonly t: number;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type EndpointResult =
  | { readonly kind: 'json'; readonly data: Record<string, unknown>; readonly records: number }
  | { readonly kind: 'text'; readonly text: string; readonly records: number };

export interface Endpoint {
  readonly path: string;
  readonly scope: Scope;
  readonly bucket: QuotaBucket;
  readonly style: EnvelopeStyle;
  handle(ctx: RequestContext): EndpointResult | Promise<EndpointResult>;
}

/** What the endpoint modules share. */
export interface EmulatorServices {
  readonly world: World;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly ids: IdMinter;
  readonly searchIdTtlSeconds: number;
  readonly complianceTaskPolls: number;
}

/** The request body read as JSON whatever Content-Type says (as the real API does); `{}` when empty. */
export function jsonBody(ctx: RequestContext): Record<string, unknown> {
  const text = ctx.body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (error) {
    throw invalidParams(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  return jsonObject(parsed);
}

/** Mints 19-digit ids for search ids and compliance tasks: the current second in the high bits, like TikTok's. */
export class IdMinter {
  private counter = 0;
  private readonly key: number;

  constructor(seed: number) {
    this.key = hash32(seed, 0x5ea);
  }

  next(now: Date): bigint {
    this.counter += 1;
    return makeId(Math.floor(now.getTime() / 1000), this.counter, this.key);
  }
}
