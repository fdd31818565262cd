/**
 * Client-credentials tokens: `POST /v2/oauth/token/` hands out `clt.` tokens that live 7,200 s of emulator time;
 * every data endpoint then wants `Authorization: Bearer <token>` with the scope its product needs.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock';
import { ApiError } from './http';

export const SCOPES = ['research.data.basic', 'research.adlib.basic'] as const;
export type Scope = (typeof SCOPES)[number];

/** A client the emulator accepts. Without `scopes` it holds both products' scopes. */
export interface ClientCredentials {
  clientKey: string;
  clientSecret: string;
  scopes?: readonly Scope[];
}

export const TOKEN_LIFETIME_SECONDS = 7_200;

/** What the token endpoint answers: a flat OAuth body either way. */
export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

interface IssuedToken {
  readonly clientKey: string;
  readonly scopes: readonly Scope[];
  readonly expiresAtMs: number;
}

const SWEEP_THRESHOLD = 10_000;

/** Issues and checks client access tokens against the emulator clock. */
export class TokenIssuer {
  private readonly clients: ReadonlyMap<string, ClientCredentials>;
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    credentials: readonly ClientCredentials[],
    private readonly clock: Clock,
  ) {
    this.clients = new Map(credentials.map((c) => [c.clientKey, c]));
  }

  /** Answer a form-encoded token request (the body is read as a form whatever Content-Type says). */
  issue(form: string, logId: string): TokenResponse {
    const params = new URLSearchParams(form);
    const fail = (status: number, error: string, description: string): TokenResponse => ({
      status,
      body: { error, error_description: description, log_id: logId },
    });
    const clientKey = params.get('client_key');
    const clientSecret = params.get('client_secret');
    const grantType = params.get('grant_type');
    if (!clientKey) return fail(400, 'invalid_request', 'Client key is missing.');
    if (!clientSecret) return fail(400, 'invalid_request', 'Client secret is missing.');
    if (!grantType) return fail(400, 'invalid_request', 'Grant type is missing.');
    if (grantType !== 'client_credentials') return fail(400, 'unsupported_grant_type', `Grant type ${grantType} is not supported; use client_credentials.`);
    const client = this.clients.get(clientKey);
    if (!client || client.clientSecret !== clientSecret) return fail(401, 'invalid_client', 'Client key or secret is invalid.');
    const now = this.clock.now().getTime();
    if (this.tokens.size >= SWEEP_THRESHOLD) this.sweep(now);
    const token = `clt.2.${randomBytes(30).toString('base64url')}`;
    this.tokens.set(token, { clientKey, scopes: client.scopes ?? SCOPES, expiresAtMs: now + TOKEN_LIFETIME_SECONDS * 1_000 });
    return { status: 200, body: { access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, token_type: 'Bearer' } };
  }

  /** The client key behind a valid, unexpired bearer token holding `scope`; throws the 401 the API gives otherwise. */
  authenticate(authorization: string | undefined, scope: Scope): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new ApiError('access_token_invalid', 'The access token is missing: send "Authorization: Bearer <client access token>".');
    const token = this.tokens.get(match[1]!);
    if (!token || token.expiresAtMs <= this.clock.now().getTime()) {
      throw new ApiError('access_token_invalid', 'The access token is invalid or has expired; request a new one from /v2/oauth/token/.');
    }
    if (!token.scopes.includes(scope)) throw new ApiError('scope_not_authorized', `The client is not authorized for the scope ${scope}.`);
    return token.clientKey;
  }

  private sweep(now: number): void {
    for (const [token, issued] of this.tokens) if (issued.expiresAtMs <= now) this.tokens.delete(token);
  }
}
