/**
 * Wire helpers shared by every endpoint: the `{data, error}` envelope, error codes with their HTTP statuses,
 * log ids, lossless JSON bodies, the `fields` query parameter, and the body parameters' loose typing (clients
 * send ids as numbers or strings and counts as numbers or digit strings, and the API takes both).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyJson } from '../domain/json';
import { toBigId } from './ids';

/** Error codes of the v2 API, each with the HTTP status it travels with. */
export const ERROR_STATUS = {
  ok: 200,
  invalid_params: 400,
  invalid_file_upload: 400,
  access_token_invalid: 401,
  scope_not_authorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  rate_limit_exceeded: 429,
  daily_quota_limit_exceeded: 429,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failure answered with the error envelope; `code` decides the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: Exclude<ErrorCode, 'ok'>,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** `invalid_params` with a message: the common case. */
export const invalidParams = (message: string) => new ApiError('invalid_params', message);

/** Log id as TikTok writes them: UTC `YYYYMMDDHHMMSS` of the emulator clock, then 20 upper-case hex digits. */
export function newLogId(now: Date): string {
  return `${now.toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(10).toString('hex').toUpperCase()}`;
}

/** Which error object the endpoint family writes: research endpoints omit `http_status_code`, newer ones add it. */
export type EnvelopeStyle = 'research' | 'v2';

/** The `{data, error}` body every data endpoint answers with. */
export function envelope(data: unknown, code: ErrorCode, message: string, logId: string, style: EnvelopeStyle): Record<string, unknown> {
  const error: Record<string, unknown> = { code, message, log_id: logId };
  if (style === 'v2') error.http_status_code = ERROR_STATUS[code];
  return { data, error };
}

/** Write a lossless JSON body (bigint ids as bare numbers). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, stringifyJson(body), 'application/json; charset=utf-8');
}

export function send(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** The whole request body, refusing anything over 20 MB. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidParams(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body as a JSON object; an empty body counts as `{}`. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isRecord(body)) throw invalidParams('the request body must be a JSON object');
  return body;
}

/**
 * Parse the `fields` query parameter: comma-separated (spaces after commas allowed), every name must be one of
 * `allowed` (an alias maps to its canonical name). Returns canonical names, in request order, without repeats.
 */
export function parseFields(raw: string | null, allowed: readonly string[], aliases: Readonly<Record<string, string>> = {}): string[] {
  if (raw === null || raw.trim() === '') {
    throw invalidParams(`fields is required: a comma-separated list of ${allowed.join(', ')}`);
  }
  const names = raw.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = names.filter((n) => !allowed.includes(n) && !(n in aliases));
  if (unknown.length > 0) {
    throw invalidParams(`invalid field name${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in fields; allowed: ${allowed.join(', ')}`);
  }
  return [...new Set(names)].map((n) => aliases[n] ?? n);
}

/** Copy the requested fields of a full record; fields the record lacks are left out (as the real API does). */
export function pick(record: Record<string, unknown>, fields: readonly string[], aliases: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const source = aliases[field] ?? field;
    if (record[source] !== undefined) out[field] = record[source];
  }
  return out;
}

/** An integer body parameter given as a number or digit string; `fallback` when absent or null. */
export function intParam(body: Record<string, unknown>, name: string, fallback: number, min: number, max: number, message?: string): number {
  const raw = body[name];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParams(message ?? `${name} must be a whole number from ${min} to ${max} (got ${String(raw)})`);
  }
  return value;
}

/** A required id body parameter (number, bigint or digit string) as a bigint. */
export function idParam(body: Record<string, unknown>, name: string): bigint {
  const raw = body[name];
  if (raw === undefined || raw === null || raw === '') throw invalidParams(`${name} is required`);
  const id = toBigId(typeof raw === 'string' ? raw.trim() : raw);
  if (id === undefined) throw invalidParams(`${name} must be a numeric id (got ${String(raw)})`);
  return id;
}

/** A required non-empty string body parameter. */
export function stringParam(body: Record<string, unknown>, name: string, maxLength = 1_000): string {
  const raw = body[name];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) throw invalidParams(`${name} is required`);
  if (typeof raw !== 'string') throw invalidParams(`${name} must be a string`);
  if (raw.length > maxLength) throw invalidParams(`${name} must be at most ${maxLength} characters (got ${raw.length})`);
  return raw;
}
