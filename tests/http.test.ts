import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, parseRetryAfter } from '../src/net/http.js';
import { serve, type Routes, type Served } from './fixtures/site.js';

let s: Served;
let flaky = 0;
let limited = 0;
const routes: Routes = new Map([
  ['/ok', { body: 'ok' }],
  ['/head-405', { handler: (req, res) => res.writeHead(req.method === 'HEAD' ? 405 : 200).end('ok') }],
  ['/r1', { status: 301, headers: { location: '/r2' } }],
  ['/r2', { status: 302, headers: { location: '/ok' } }],
  ['/loop-a', { status: 302, headers: { location: '/loop-b' } }],
  ['/loop-b', { status: 302, headers: { location: '/loop-a' } }],
  ['/flaky', { handler: (_req, res) => res.writeHead(flaky++ < 2 ? 503 : 200).end() }],
  ['/limited', { handler: (_req, res) => (limited++ === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end()) }],
  ['/hang', { handler: () => undefined }],
]);

beforeAll(async () => {
  s = await serve(routes);
});
afterAll(async () => {
  await s.close();
});

const client = (o = {}) => new HttpClient({ allowPrivateNetwork: true, retryBaseMs: 20, ...o });

describe('HttpClient', () => {
  it('falls back to GET when HEAD is refused', async () => {
    const r = await client().probe(`${s.origin}/head-405`);
    expect(r.status).toBe(200);
    expect(r.method).toBe('GET');
  });

  it('follows redirects and records the chain', async () => {
    const r = await client().probe(`${s.origin}/r1`);
    expect(r.status).toBe(200);
    expect(r.finalUrl).toBe(`${s.origin}/ok`);
    expect(r.redirectChain.map((h) => h.status)).toEqual([301, 302]);
  });

  it('detects redirect loops with the chain', async () => {
    const r = await client().probe(`${s.origin}/loop-a`);
    expect(r.error?.kind).toBe('redirect_loop');
    expect(r.error?.message).toContain('/loop-b');
  });

  it('retries transient 5xx before giving an answer', async () => {
    flaky = 0;
    const r = await client({ retries: 3 }).probe(`${s.origin}/flaky`, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    limited = 0;
    const t0 = Date.now();
    const r = await client().probe(`${s.origin}/limited`, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('times out a hanging server within the limit', async () => {
    const t0 = Date.now();
    const r = await client({ timeoutMs: 500, retries: 0 }).probe(`${s.origin}/hang`, { method: 'GET' });
    expect(r.error?.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('classifies refused connections and refuses private addresses by default', async () => {
    const refused = await client().probe('http://127.0.0.1:1/');
    expect(refused.error?.kind).toBe('connection_refused');
    const blocked = await new HttpClient().probe(`${s.origin}/ok`);
    expect(blocked.error?.kind).toBe('private_address_blocked');
  });

  it('probes each distinct target once per client', async () => {
    const c = client();
    const before = s.hits.get('HEAD /ok') ?? 0;
    await Promise.all([c.probe(`${s.origin}/ok`), c.probe(`${s.origin}/ok`), c.probe(`${s.origin}/ok`)]);
    expect((s.hits.get('HEAD /ok') ?? 0) - before).toBe(1);
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2024-07-05T00:00:00Z');
    expect(parseRetryAfter('Fri, 05 Jul 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
