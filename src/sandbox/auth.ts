import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** Static bearer tokens and OAuth2 client credentials; token lifetimes are on real time. */
export class SandboxAuth {
  private readonly issued = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    private readonly tokens: string[],
    private readonly clients: Array<{ id: string; secret: string }>,
    private readonly tokenTtlSeconds: number,
    private readonly realNow: () => number = Date.now,
  ) {}

  /** The client a request speaks for; 401 without a valid bearer token. */
  authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized('send Authorization: Bearer <token>');
    const token = m[1]!;
    const staticIndex = this.tokens.findIndex((t) => safeEqual(t, token));
    if (staticIndex >= 0) return `static-${staticIndex + 1}`;
    const issued = this.issued.get(token);
    if (!issued) throw unauthorized('the bearer token is not valid');
    if (issued.expiresAt <= this.realNow()) {
      this.issued.delete(token);
      throw unauthorized('the bearer token has expired; request a new one');
    }
    return issued.clientId;
  }

  /** OAuth2 client credentials grant (RFC 6749 §4.4). */
  issue(
    clientId: string,
    clientSecret: string,
  ): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    const client = this.clients.find((c) => c.id === clientId);
    if (!client || !safeEqual(client.secret, clientSecret))
      throw unauthorized('unknown client or wrong secret');
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, { clientId, expiresAt: this.realNow() + this.tokenTtlSeconds * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: this.tokenTtlSeconds };
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError('UNAUTHORIZED', message, undefined, { 'www-authenticate': 'Bearer realm="wfm"' });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
