import type { Clock } from '../time/clock.js';
import type { AuthProvider } from './auth.js';
import { TokenResponse } from './contract.js';
import { WfmBadResponseError } from './errors.js';

export interface OAuthClientCredentialsOptions {
  /** default: `<baseUrl>/oauth/token` */
  tokenUrl?: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** refresh this long before the token expires, at most 10% of its lifetime; milliseconds */
  refreshBeforeExpiryMs?: number;
}

/** Posts a form body to the token URL and resolves the parsed JSON of a 2xx answer; throws a WfmError otherwise. */
export type TokenRequester = (url: string, form: string) => Promise<unknown>;

interface CachedToken {
  header: string;
  value: string;
  refreshAt: number;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4): the token is cached, refreshed shortly
 * before it expires (on the injected clock), fetched once however many requests want it
 * at the same moment, and dropped when the API answers 401 so the next call fetches anew.
 */
export class OAuthClientCredentials implements AuthProvider {
  readonly #clientSecret: string;
  readonly #form: string;
  #token: CachedToken | undefined;
  #previous: string | undefined;
  #pending: Promise<CachedToken> | undefined;
  private readonly refreshBeforeExpiryMs: number;

  constructor(
    private readonly tokenUrl: string,
    options: OAuthClientCredentialsOptions,
    private readonly request: TokenRequester,
    private readonly clock: Clock,
  ) {
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 60_000;
    this.#clientSecret = options.clientSecret;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
    });
    if (options.scope) form.set('scope', options.scope);
    this.#form = form.toString();
  }

  async authorization(): Promise<string> {
    const t = this.#token;
    if (t && this.clock.now() < t.refreshAt) return t.header;
    return (await this.#refresh()).header;
  }

  rejected(header: string): boolean {
    if (this.#token?.header === header) this.#token = undefined;
    return true;
  }

  secrets(): string[] {
    const out = [this.#clientSecret, encodeURIComponent(this.#clientSecret), this.#form];
    if (this.#token) out.push(this.#token.value);
    if (this.#previous) out.push(this.#previous);
    return out;
  }

  #refresh(): Promise<CachedToken> {
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<CachedToken> {
    const requestedAt = this.clock.now();
    const raw = await this.request(this.tokenUrl, this.#form);
    const parsed = TokenResponse.safeParse(raw);
    if (!parsed.success) {
      throw new WfmBadResponseError(
        `the token endpoint ${this.tokenUrl} answered without a usable access_token: ${parsed.error.issues[0]?.message ?? 'wrong shape'}`,
        { request: { method: 'POST', path: new URL(this.tokenUrl).pathname } },
      );
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    // Count the lifetime from when we asked, not when the answer came: the server's clock started first.
    const margin = Math.min(this.refreshBeforeExpiryMs, lifetimeMs * 0.1);
    this.#previous = this.#token?.value;
    this.#token = {
      value: parsed.data.access_token,
      header: `Bearer ${parsed.data.access_token}`,
      refreshAt: requestedAt + lifetimeMs - margin,
    };
    return this.#token;
  }
}
