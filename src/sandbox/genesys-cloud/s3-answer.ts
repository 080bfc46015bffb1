import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** An answer of the upload or download host in S3's XML error shape (`<Error><Code>…`). */
export class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Refusal';
  }
}

export function sendS3Error(res: ServerResponse, err: S3Refusal): void {
  if (res.headersSent || res.destroyed) return;
  const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${err.s3Code}</Code><Message>${xmlText(err.message)}</Message>` +
    `<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
  res.writeHead(err.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}
