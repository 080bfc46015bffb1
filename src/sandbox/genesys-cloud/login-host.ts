import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { VirtualClock } from '../virtual-clock.js';
import { GenesysError } from './genesys-error.js';
import type { GenesysClient } from './options.js';

/** Who an API request speaks for: a client-credentials token of one OAuth client. */
export interface Principal {
  clientId: string;
  token: string;
  permissions: ReadonlySet<string>;
  /** every role of the org as the emulation grants them: one per OAuth client (`clientRole`) */
  roles(): ClientRole[];
}

/** The division every emulated object lives in: the business unit's, and the one roles are granted in. */
export const HOME_DIVISION = 'home-division';

/**
 * The role an OAuth client holds in the emulation. A real client-credentials client is granted
 * roles, each in some divisions (its `roleDivisions`); here each client has one role holding
 * exactly its permissions, granted in the home division, so that taking a permission from the
 * client (`PUT /_sandbox/clients/{id}`) takes it from the role a client reads back.
 */
export interface ClientRole {
  id: string;
  name: string;
  clientId: string;
  divisionId: string;
  permissions: readonly string[];
}

export function clientRole(client: Pick<GenesysClient, 'id' | 'permissions'>): ClientRole {
  return {
    id: `role-${client.id}`,
    name: `${client.id} (sandbox role)`,
    clientId: client.id,
    divisionId: HOME_DIVISION,
    permissions: client.permissions,
  };
}

/** A refusal of the token endpoint in RFC 6749's error shape (`error`, `error_description`). */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
    this.name = 'OAuthError';
  }

  body(): Record<string, string> {
    return { error: this.error, description: this.message, error_description: this.message };
  }
}

/**
 * The login host's OAuth client-credentials grant (`POST /oauth/token`, HTTP Basic client
 * authentication, `grant_type=client_credentials`) and the bearer tokens it issues, which expire
 * on the virtual clock so a test can outlive one without waiting.
 */
export class TokenIssuer {
  private readonly issued = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    readonly clients: GenesysClient[],
    private readonly clock: VirtualClock,
    private readonly ttlSeconds: () => number,
  ) {}

  issue(
    authorization: string | undefined,
    contentType: string | undefined,
    body: string,
  ): Record<string, unknown> {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (!basic) {
      throw new OAuthError(
        401,
        'invalid_client',
        'authenticate the client with HTTP Basic: Authorization: Basic base64(client_id:client_secret)',
      );
    }
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = decodeURIComponent(decoded.slice(0, Math.max(0, colon)));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    const client = this.clients.find((c) => c.id === id);
    if (colon < 0 || !client || !safeEqual(client.secret, secret))
      throw new OAuthError(401, 'invalid_client', 'unknown client id or wrong client secret');
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? ''))
      throw new OAuthError(
        400,
        'invalid_request',
        'send the body as application/x-www-form-urlencoded: grant_type=client_credentials',
      );
    const grant = new URLSearchParams(body).get('grant_type');
    if (grant !== 'client_credentials')
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        `grant_type must be client_credentials, got '${grant ?? '(none)'}'`,
      );
    const token = randomBytes(32).toString('base64url');
    const ttl = this.ttlSeconds();
    this.issued.set(token, { clientId: client.id, expiresAt: this.clock.now() + ttl * 1000 });
    this.prune();
    return { access_token: token, token_type: 'bearer', expires_in: ttl };
  }

  /** The principal of a request's bearer token; 401 without one, for an unknown one and an expired one. */
  authenticate(req: IncomingMessage): Principal {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m)
      throw new GenesysError(
        'authentication.required',
        'send Authorization: Bearer <access token from the login host>',
      );
    const token = m[1]!;
    const issued = this.issued.get(token);
    if (!issued)
      throw new GenesysError(
        'bad.credentials',
        'the access token is not valid; request a new one from the login host',
      );
    if (issued.expiresAt <= this.clock.now()) {
      throw new GenesysError(
        'bad.credentials',
        `the access token expired at ${new Date(issued.expiresAt).toISOString()}; request a new one from the login host`,
      );
    }
    const client = this.clients.find((c) => c.id === issued.clientId)!;
    return {
      clientId: client.id,
      token,
      permissions: new Set(client.permissions),
      roles: () => this.clients.map(clientRole),
    };
  }

  private prune(): void {
    if (this.issued.size < 10_000) return;
    const now = this.clock.now();
    for (const [t, i] of this.issued) if (i.expiresAt <= now) this.issued.delete(t);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
