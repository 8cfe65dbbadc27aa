/** Reading a response body within a size cap and a deadline: shared by the crawl engines. */
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { GovcheckFetchError } from '../net/errors.js';

/** The decoded body stream of a response (gzip, deflate, br), or the raw one. */
function decodedStream(body: Readable, encoding: string | undefined): Readable {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === 'gzip' || e === 'x-gzip') return body.pipe(zlib.createGunzip());
  if (e === 'deflate') return body.pipe(zlib.createInflate());
  if (e === 'br') return body.pipe(zlib.createBrotliDecompress());
  return body;
}

/**
 * Reads a body up to `cap` bytes (after inflation; 0 = read nothing and close) and before `deadline`. A body cut by the deadline is
 * kept when something arrived (the page is marked cut); nothing at all is a timeout.
 */
export async function readBody(raw: Readable, encoding: string | undefined, cap: number, deadline: number): Promise<{ body: Buffer; truncated: boolean; timedOut: boolean }> {
  if (cap === 0) {
    raw.on('error', () => undefined);
    raw.destroy();
    return { body: Buffer.alloc(0), truncated: false, timedOut: false };
  }
  const stream = decodedStream(raw, encoding);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let timedOut = false;
  raw.on('error', () => undefined);
  const timer = setTimeout(
    () => {
      timedOut = true;
      stream.destroy(new GovcheckFetchError('timeout', 'body not received within the time limit'));
      raw.destroy();
    },
    Math.max(1, deadline - Date.now()),
  );
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= cap) {
        truncated = true;
        break;
      }
    }
  } catch (e) {
    if (!timedOut) throw e;
  } finally {
    clearTimeout(timer);
    if (truncated || timedOut) {
      stream.destroy();
      raw.destroy();
    }
  }
  if (timedOut && size === 0) throw new GovcheckFetchError('timeout', 'no body received within the time limit');
  const body = Buffer.concat(chunks, size);
  return { body: truncated ? body.subarray(0, cap) : body, truncated: truncated || timedOut, timedOut };
}
