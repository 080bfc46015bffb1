/**
 * Where the client's `Authorization` header comes from: a static bearer token, or an
 * OAuth2 client-credentials token (oauth-token.ts). Secrets live in private fields, so
 * `util.inspect(client)` or a stray `logger.debug(client)` cannot print them.
 */
export interface AuthProvider {
  /** The `Authorization` header value for the next request. */
  authorization(signal?: AbortSignal): Promise<string>;
  /**
   * The server answered 401 to `header`. Returns true when fetching a new credential may
   * help (OAuth: drop the cached token), false when it cannot (a static token).
   */
  rejected(header: string): boolean;
  /** Secret values the client must scrub from anything it logs or throws. */
  secrets(): string[];
}

export class StaticTokenAuth implements AuthProvider {
  readonly #header: string;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
    this.#header = `Bearer ${token}`;
  }

  async authorization(): Promise<string> {
    return this.#header;
  }

  rejected(): boolean {
    return false;
  }

  secrets(): string[] {
    return [this.#token];
  }
}
