import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, parseRetryAfter } from '../src/net/http.js';
import { serve, type Route, type Routes, type Served } from './fixtures/site.js';

let s: Served;
let flaky = 0;
let limited = 0;
const routes: Routes = new Map<string, Route>([
  ['/ok', { body: 'ok' }],
  ['/head-405', { handler: (req, res) => res.writeHead(req.method === 'HEAD' ? 405 : 200).end('ok') }],
  ['/r1', { status: 301, headers: { location: '/r2' } }],
  ['/r2', { status: 302, headers: { location: '/ok' } }],
  ['/loop-a', { status: 302, headers: { location: '/loop-b' } }],
  ['/loop-b', { status: 302, headers: { location: '/loop-a' } }],
  ['/flaky', { handler: (_req, res) => res.writeHead(flaky++ < 2 ? 503 : 200).end() }],
  ['/limited', { handler: (_req, res) => (limited++ === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end()) }],
  ['/hang', { handler: () => undefined }],
  ['/reset-once', { handler: (req, res) => (resets++ === 0 ? req.socket.destroy() : res.writeHead(200).end('ok')) }],
  ['/busy-date', { handler: (_req, res) => (busy++ === 0 ? res.writeHead(503, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end() : res.writeHead(200).end()) }],
  ['/limited-long', { status: 429, headers: { 'retry-after': '3600' } }],
  ['/s303', { status: 303, headers: { location: '/s307' } }],
  ['/s307', { status: 307, headers: { location: '/s308' } }],
  ['/s308', { status: 308, headers: { location: '/ok' } }],
  ['/cookie-gate', { handler: (req, res) => (/visited=1/.test(req.headers.cookie ?? '') ? res.writeHead(200).end('ok') : res.writeHead(302, { location: '/cookie-gate', 'set-cookie': 'visited=1; Path=/; HttpOnly' }).end()) }],
  ['/utf8-location', { handler: (_req, res) => res.writeHead(302, { location: Buffer.from('/文件/通知.html').toString('latin1') }).end() }],
  [encodeURI('/文件/通知.html'), { body: 'ok' }],
  ['/slow', { handler: (_req, res) => void setTimeout(() => res.writeHead(200).end('ok'), 400) }],
  ['/head-hangs', { handler: (req, res) => (req.method === 'HEAD' ? undefined : res.writeHead(200).end('ok')) }],
]);
for (let i = 0; i < 25; i++) routes.set(`/hop${i}`, { status: 302, headers: { location: `/hop${i + 1}` } });
let resets = 0;
let busy = 0;

beforeAll(async () => {
  s = await serve(routes);
});
afterAll(async () => {
  await s.close();
});

const client = (o = {}) => new HttpClient({ networkPolicy: true, retryBaseMs: 20, ...o });

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

  it('retries a connection reset before giving an answer', async () => {
    resets = 0;
    const r = await client({ retries: 2 }).probe(`${s.origin}/reset-once`, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
  });

  it('honours Retry-After given as an HTTP date on 503', async () => {
    busy = 0;
    const t0 = Date.now();
    const r = await client({ retries: 2 }).probe(`${s.origin}/busy-date`, { method: 'GET' });
    expect(r.status).toBe(200);
    // HTTP dates have 1 s resolution: the wait is at least the rounded-down remainder.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('does not wait for a Retry-After longer than the bound: the answer stays 429', async () => {
    const t0 = Date.now();
    const r = await client({ retries: 3, maxRetryAfterMs: 2000 }).probe(`${s.origin}/limited-long`, { method: 'GET' });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3600');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('follows 303, 307 and 308 and records each hop', async () => {
    const r = await client().probe(`${s.origin}/s303`);
    expect(r.status).toBe(200);
    expect(r.redirectChain.map((h) => [new URL(h.url).pathname, h.status])).toEqual([
      ['/s303', 303],
      ['/s307', 307],
      ['/s308', 308],
    ]);
  });

  it('stops after 20 redirects with the chain recorded', async () => {
    const r = await client().probe(`${s.origin}/hop0`, { method: 'GET' });
    expect(r.error?.kind).toBe('too_many_redirects');
    expect(r.redirectChain.length).toBe(21);
  });

  it('keeps cookies along a redirect chain, so a cookie check is not mistaken for a loop', async () => {
    const r = await client().probe(`${s.origin}/cookie-gate`, { method: 'GET' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.redirectChain).toHaveLength(1);
  });

  it('reads a raw UTF-8 Location header as a browser does', async () => {
    const r = await client().probe(`${s.origin}/utf8-location`, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.finalUrl).toBe(`${s.origin}/%E6%96%87%E4%BB%B6/%E9%80%9A%E7%9F%A5.html`);
  });

  it('does not count the wait for a free slot on a busy host against the time limit', async () => {
    const c = client({ perHostConcurrency: 1, timeoutMs: 900, retries: 0 });
    const rs = await Promise.all([1, 2, 3, 4].map((i) => c.probeUncached(`${s.origin}/slow?${i}`, { method: 'GET' })));
    // Four requests of 400 ms one after the other take longer than the 900 ms limit, yet none timed out.
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('gives a host that lets HEAD time out one GET, not another round of retries', async () => {
    const r = await client({ timeoutMs: 300, retries: 1 }).probe(`${s.origin}/head-hangs`);
    expect(r.status).toBe(200);
    expect(r.method).toBe('GET');
    expect(r.attempts).toBe(3); // two HEAD attempts, one GET
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2024-07-05T00:00:00Z');
    expect(parseRetryAfter('Fri, 05 Jul 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('dead hosts (per client = per run)', () => {
  it('a name that does not resolve is resolved once; queued and later requests fail at once, not sent', async () => {
    const http = new HttpClient({ networkPolicy: true, hosts: { 'gone.example.invalid': null, 'pinned.example.invalid': '127.0.0.1' }, perHostConcurrency: 2 });
    try {
      const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => http.probe(`http://gone.example.invalid/p${i}`)));
      expect(rs.every((r) => r.error?.kind === 'dns_error')).toBe(true);
      expect(rs.filter((r) => r.skipped === 'dead-host').length).toBeGreaterThanOrEqual(28);
      expect(http.lookups).toBe(1);
      expect(http.requests).toBeLessThanOrEqual(2);
      expect((await http.probe('http://gone.example.invalid/later')).skipped).toBe('dead-host');
      // A live name is resolved once too, however many connections it takes.
      const ok = await Promise.all(Array.from({ length: 6 }, (_, i) => http.probe(`http://pinned.example.invalid:${new URL(s.origin).port}/ok?${i}`, { method: 'GET' })));
      expect(ok.every((r) => r.status === 200)).toBe(true);
      expect(http.lookups).toBe(2);
    } finally {
      await http.close();
    }
  });

  it('a host that timed out deadHostAfterTimeouts times in a row is given up; an answer resets the count', async () => {
    const http = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: 200, deadHostAfterTimeouts: 2 });
    try {
      expect((await http.probe(`${s.origin}/hang?a`, { method: 'GET' })).error?.kind).toBe('timeout');
      expect((await http.probe(`${s.origin}/ok?a`, { method: 'GET' })).status).toBe(200);
      expect((await http.probe(`${s.origin}/hang?b`, { method: 'GET' })).skipped).toBeUndefined();
      expect(http.deadHost(s.origin)).toBeUndefined();
      expect((await http.probe(`${s.origin}/hang?c`, { method: 'GET' })).skipped).toBeUndefined();
      const sent = http.requests;
      const later = await http.probe(`${s.origin}/ok?b`, { method: 'GET' });
      expect(later).toMatchObject({ skipped: 'dead-host', status: null });
      expect(later.error?.kind).toBe('timeout');
      expect(later.error?.message).toMatch(/timed out 2 times in a row/);
      expect(http.requests).toBe(sent);
    } finally {
      await http.close();
    }
  });
});
