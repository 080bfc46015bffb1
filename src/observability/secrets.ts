/**
 * Secret values (WFM tokens, OAuth client secrets, SASL passwords) are registered here
 * once, when config is loaded, and scrubbed from every log line and error message.
 * Redacting by key path alone misses a token pasted into a URL or an error string.
 */
const MIN_SECRET_LENGTH = 4;

export class SecretScrubber {
  private readonly secrets = new Set<string>();

  add(...values: Array<string | undefined | null>): this {
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) this.secrets.add(v);
    return this;
  }

  get size(): number {
    return this.secrets.size;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  }

  /** Deep copy with every string scrubbed; cycles and depth are bounded. */
  scrubValue(value: unknown, depth = 0): unknown {
    if (this.secrets.size === 0) return value;
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) {
      return {
        type: value.name,
        message: this.scrub(value.message),
        stack: value.stack ? this.scrub(value.stack) : undefined,
        code: (value as { code?: unknown }).code,
      };
    }
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.scrubValue(v, depth + 1);
    return out;
  }
}

/** Key paths pino always censors, whatever their value. */
export const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'clientSecret',
  'accessToken',
  'access_token',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  'sasl.password',
  '*.sasl.password',
];
