/**
 * Secrets (bearer tokens, client secrets) must never reach a log line or an error message.
 * The client never puts them there on purpose; this is the second belt: every message that
 * leaves the client is scrubbed of the secret values it knows, in case a server echoes one.
 */
export const REDACTED = '[redacted]';

export class SecretRedactor {
  readonly #secrets = new Set<string>();
  readonly #sources: Array<() => Iterable<string>>;

  /** `sources` are asked at scrub time, so secrets that rotate (OAuth tokens) stay covered. */
  constructor(...sources: Array<() => Iterable<string>>) {
    this.#sources = sources;
  }

  /** Registers a value to scrub. Values shorter than 4 characters are ignored (they would scrub noise). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.#secrets.add(secret);
  }

  remove(secret: string | undefined): void {
    if (secret) this.#secrets.delete(secret);
  }

  text(value: string): string {
    let out = value;
    for (const s of this.#all()) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  *#all(): Iterable<string> {
    yield* this.#secrets;
    for (const source of this.#sources) for (const s of source()) if (s.length >= 4) yield s;
  }

  /** Scrubs an error's message, and its cause chain, in place; returns it. */
  error<E>(err: E): E {
    let current: unknown = err;
    for (let depth = 0; current instanceof Error && depth < 8; depth++) {
      const scrubbed = this.text(current.message);
      if (scrubbed !== current.message) current.message = scrubbed;
      if (current.stack) current.stack = this.text(current.stack);
      current = current.cause;
    }
    return err;
  }

  /** So that `util.inspect(redactor)` or a stray log of the client never prints the set. */
  toJSON(): string {
    return REDACTED;
  }
}
