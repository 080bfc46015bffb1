import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { VirtualClock } from '../virtual-clock.js';
import { S3Refusal } from './s3-answer.js';

export const DOWNLOAD_PREFIX = '/download-bucket/';

const KEPT = 1_000;

/** Results too large to answer inline, behind signed GET URLs that expire on the virtual clock. */
export class DownloadHost {
  private readonly secret = randomBytes(32);
  private readonly files = new Map<string, { body: string; expiresAt: number }>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly ttlSeconds: () => number,
  ) {}

  put(body: unknown, origin: string): string {
    const key = `wfm/${randomUUID()}.json`;
    const expiresAt = this.clock.now() + this.ttlSeconds() * 1000;
    this.files.set(key, { body: JSON.stringify(body), expiresAt });
    if (this.files.size > KEPT) this.files.delete(this.files.keys().next().value!);
    const query = new URLSearchParams({
      'X-Amz-Expires': String(this.ttlSeconds()),
      'X-Amz-Signature': this.signature(key, expiresAt),
    });
    return `${origin}${DOWNLOAD_PREFIX}${key}?${query}`;
  }

  private signature(key: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expiresAt}`).digest('hex');
  }

  get(key: string, query: URLSearchParams): string {
    const file = this.files.get(key);
    const given = Buffer.from(query.get('X-Amz-Signature') ?? '');
    const wanted = file ? Buffer.from(this.signature(key, file.expiresAt)) : undefined;
    if (!file || !wanted || given.length !== wanted.length || !timingSafeEqual(given, wanted))
      throw new S3Refusal(403, 'AccessDenied', 'Access Denied: use the downloadUrl exactly as it was given');
    if (this.clock.now() >= file.expiresAt)
      throw new S3Refusal(403, 'AccessDenied', 'Request has expired: query again for a new downloadUrl');
    return file.body;
  }
}
