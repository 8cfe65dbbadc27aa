/**
 * undici's Agent and request() without its index, which also loads fetch, WebSocket, EventSource, caches and mocks
 * (≈ 3 MB of heap and ≈ 85 ms of CPU at every start that fetches). Notes: docs/modules.md.
 */
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
export type Agent = UndiciAgent;
const { InvalidArgumentError } = require('undici/lib/core/errors.js') as { InvalidArgumentError: new (message: string) => Error };
const apiRequest = require('undici/lib/api/api-request.js') as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method: Dispatcher.HttpMethod; dispatcher: Dispatcher };

/** undici's `request(url, { dispatcher, … })` for a URL object, throwing as it does for one that is not http(s). */
export function request(url: URL, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('Invalid URL protocol: the URL must start with `http:` or `https:`.');
  }
  const { dispatcher, ...rest } = opts;
  return apiRequest.call(dispatcher, { ...rest, origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname });
}
