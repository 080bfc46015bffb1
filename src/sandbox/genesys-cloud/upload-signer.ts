import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { VirtualClock } from '../virtual-clock.js';
import { GenesysError } from './genesys-error.js';
import { S3Refusal } from './s3-answer.js';

/** Where uploads live on the emulated upload host (the sandbox's own port). */
export const UPLOAD_PREFIX = '/upload-bucket/';

export interface UploadTarget {
  businessUnitId: string;
  scheduleId: string;
  clientId: string;
  contentLengthBytes: number;
}

interface Upload {
  key: string;
  target: UploadTarget;
  expiresAt: number;
  headers: Record<string, string>;
  bytes?: Buffer;
  puts: number;
  processed: number;
}

const KEPT = 10_000;

/**
 * The signed upload URLs of `…/update/uploadurl`: an S3-style pre-signed PUT with the headers the
 * client must send back exactly, signed for one content length, expiring on the virtual clock.
 * With `singleUse` a URL takes one PUT and its uploadKey one `/update`.
 */
export class UploadSigner {
  private readonly secret = randomBytes(32);
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly settings: () => { ttlSeconds: number; singleUse: boolean },
  ) {}

  /** UpdateScheduleUploadResponse: `uploadKey`, `url`, `headers` (and `uploadBodySchema`, always null). */
  sign(target: UploadTarget, origin: string): Record<string, unknown> {
    const key = `userUploads/schedule/update/${target.businessUnitId}/${target.scheduleId}/${randomUUID()}.json.gz`;
    const ttl = this.settings().ttlSeconds;
    const expiresAt = this.clock.now() + ttl * 1000;
    const headers = {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'x-amz-tagging': `wfmUploadType=scheduleUpdate&businessUnitId=${target.businessUnitId}`,
    };
    this.uploads.set(key, { key, target, expiresAt, headers, puts: 0, processed: 0 });
    if (this.uploads.size > KEPT) this.uploads.delete(this.uploads.keys().next().value!);
    const date = new Date(this.clock.now()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Date': date,
      'X-Amz-Expires': String(ttl),
      'X-Amz-SignedHeaders': 'content-encoding;content-length;content-type;host;x-amz-tagging',
      'X-Amz-Signature': this.signature(key, expiresAt, target.contentLengthBytes),
    });
    return {
      uploadKey: key,
      url: `${origin}${UPLOAD_PREFIX}${key}?${query}`,
      headers,
      uploadBodySchema: null,
    };
  }

  private signature(key: string, expiresAt: number, length: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expiresAt}\n${length}`).digest('hex');
  }

  /** The size a PUT to this path may carry, for reading its body; undefined for a path never signed. */
  expectedLength(key: string): number | undefined {
    return this.uploads.get(key)?.target.contentLengthBytes;
  }

  /**
   * A PUT to a signed URL, checked as S3 checks a pre-signed request, plus single use: the
   * signature, the expiry, each signed header's exact value and the signed content length.
   */
  receive(
    key: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
    declared: number | undefined,
  ): void {
    const upload = this.uploads.get(key);
    const given = Buffer.from(query.get('X-Amz-Signature') ?? '');
    const wanted = upload
      ? Buffer.from(this.signature(key, upload.expiresAt, upload.target.contentLengthBytes))
      : undefined;
    if (!upload || !wanted || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw new S3Refusal(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided: use the url exactly as uploadurl returned it',
      );
    }
    if (this.clock.now() >= upload.expiresAt) {
      throw new S3Refusal(
        403,
        'AccessDenied',
        `Request has expired: the upload URL expired at ${new Date(upload.expiresAt).toISOString()}; ask uploadurl for a new one`,
      );
    }
    if (this.settings().singleUse && upload.puts > 0) {
      throw new S3Refusal(
        403,
        'AccessDenied',
        'This upload URL was already used; ask uploadurl for a new one for each upload',
      );
    }
    if (declared === undefined) {
      throw new S3Refusal(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header');
    }
    for (const [name, value] of Object.entries(upload.headers)) {
      const sent = headers[name.toLowerCase()];
      if (sent !== value) {
        throw new S3Refusal(
          403,
          'SignatureDoesNotMatch',
          `The request signature we calculated does not match: header ${name} must be '${value}' as uploadurl returned it, got ${sent === undefined ? 'none' : `'${String(sent)}'`}`,
        );
      }
    }
    if (declared !== upload.target.contentLengthBytes || body.length !== upload.target.contentLengthBytes) {
      throw new S3Refusal(
        403,
        'SignatureDoesNotMatch',
        `The request signature we calculated does not match: the URL was signed for ${upload.target.contentLengthBytes} bytes (contentLengthBytes), the request carries ${body.length}`,
      );
    }
    upload.bytes = body;
    upload.puts++;
  }

  /** The bytes an `/update` processes, by its uploadKey; a clear 400 for a key that cannot be processed. */
  take(uploadKey: string, scheduleId: string): Buffer {
    const upload = this.uploads.get(uploadKey);
    if (!upload)
      throw new GenesysError('invalid.value', `uploadKey '${uploadKey}' was not issued by uploadurl`);
    if (upload.target.scheduleId !== scheduleId) {
      throw new GenesysError(
        'invalid.value',
        `uploadKey '${uploadKey}' was issued for schedule ${upload.target.scheduleId}, not ${scheduleId}`,
      );
    }
    if (!upload.bytes)
      throw new GenesysError(
        'bad.request',
        `nothing was uploaded for uploadKey '${uploadKey}': PUT the gzip body to its url first`,
      );
    if (this.settings().singleUse && upload.processed > 0) {
      throw new GenesysError(
        'bad.request',
        `uploadKey '${uploadKey}' was already processed; upload again through a new uploadurl`,
      );
    }
    upload.processed++;
    return upload.bytes;
  }
}
