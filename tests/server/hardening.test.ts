/**
 * Hardening of `govcheck serve` (issue 17, items 3, 4, 8): host names (DNS rebinding), Origin/Referer against the
 * allowed hosts, the redirect after login, header values from client input, and the one lock-out limiter shared by
 * the login form and Bearer tokens. Notes: docs/modules.md.
 */
import http from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { buildApp } from '../../src/server/app.js';
import { HostPolicy, safeNext, ServeConfigError } from '../../src/server/security.js';
import { checkSite } from '../../src/site-check.js';
import { ensureRun, openDb, saveSiteResult } from '../../src/store/db.js';
import { serve, type Served } from '../fixtures/site.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-serve-hard-');
const TOKEN = 'correct-horse-battery-staple';
const RUN = 'adhoc-2024-07-01';
const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0, retryBaseMs: 20 }, gather: { retries: 0 }, browser: { loopbackOnly: true } });
const groups = loadGroups();
let down: Served;
let dbFile: string;
let open: FastifyInstance;
let port = 0;

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to 127.0.0.1:`p` with any Host header, from `localAddress` (another loopback address = another client). */
function request(p: number, urlPath: string, o: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: p, path: urlPath, method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

function cookiesOf(res: Res): string {
  return (res.headers['set-cookie'] ?? []).map((l) => l.split(';')[0]).join('; ');
}

const portOf = (base: string) => Number(new URL(base).port);

beforeAll(async () => {
  down = await serve(new Map([['/', { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>系统维护中</body></html>' }]]));
  dbFile = path.join(tmp.dir, 'h.db');
  const db = openDb(dbFile);
  ensureRun(db, { id: RUN, kind: 'adhoc', asOf: '2024-07-01' });
  const r = await checkSite({ id: 'down.example', url: `${down.origin}/`, kind: 'website', name: '维护中的网站' }, { config, asOf: '2024-07-01', checks: ['availability'] });
  saveSiteResult(db, RUN, r);
  db.close();
  open = await buildApp({ db: dbFile, host: '127.0.0.1', config, groups });
  port = portOf(await open.listen({ host: '127.0.0.1', port: 0 }));
}, 120_000);

afterAll(async () => {
  await open?.close();
  await down?.close();
  tmp.cleanup();
});

describe('DNS rebinding: only the allowed host names are answered', () => {
  it('refuses a page, a download and a review POST naming another host, with 421 and the security headers', async () => {
    const evil = `evil.example:${port}`;
    const page = await request(port, '/', { headers: { host: evil } });
    expect(page.status).toBe(421);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('421');
    expect(page.body).not.toContain(RUN);
    expect((await request(port, `/runs/${RUN}/download/tables.xlsx`, { headers: { host: evil } })).status).toBe(421);

    // The attacker's page first got a CSRF token (here from an allowed name), then posts as evil.example.
    const sitePage = await request(port, `/runs/${RUN}/sites/down.example`);
    expect(sitePage.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(sitePage.body)![1];
    const finding = /action="\/findings\/(\d+)\/review"/.exec(sitePage.body)![1];
    const form = new URLSearchParams({ status: 'disputed', comment: 'x', reviewer: '攻击者', _csrf: csrf }).toString();
    const base = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(sitePage) };
    const rebound = await request(port, `/findings/${finding}/review`, { method: 'POST', headers: { ...base, host: evil, origin: `http://${evil}` }, body: form });
    expect(rebound.status).toBe(421);
    // Origin is compared with the allowed hosts, not with the request's own Host.
    const foreign = await request(port, `/findings/${finding}/review`, { method: 'POST', headers: { ...base, origin: `http://${evil}` }, body: form });
    expect(foreign.status).toBe(403);
    const foreignReferer = await request(port, `/findings/${finding}/review`, { method: 'POST', headers: { ...base, referer: `http://${evil}/runs` }, body: form });
    expect(foreignReferer.status).toBe(403);
    const nullOrigin = await request(port, `/findings/${finding}/review`, { method: 'POST', headers: { ...base, origin: 'null' }, body: form });
    expect(nullOrigin.status).toBe(403);
    const db = openDb(dbFile);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM finding_reviews`).get()).toEqual({ n: 0 });
    db.close();
    // The same review from our own origin is stored.
    const ok = await request(port, `/findings/${finding}/review`, { method: 'POST', headers: { ...base, origin: `http://localhost:${port}`, host: `localhost:${port}` }, body: form });
    expect(ok.status).toBe(303);
  });

  it('answers the loopback names on its own port, not on another port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) expect((await request(port, '/', { headers: { host } })).status, host).toBe(200);
    for (const host of [`127.0.0.1:${port + 1}`, 'localhost', `127.0.0.1.evil.example:${port}`, `user@127.0.0.1:${port}`, `127.0.0.1:${port}/x`]) expect((await request(port, '/', { headers: { host } })).status, host).toBe(421);
  });

  it('answers --public-host names (any port, or the one given) and checks origins against them', async () => {
    expect(() => new HostPolicy('127.0.0.1', ['http://x/y'])).toThrow(ServeConfigError);
    const bad = await runCli(['serve', '--db', dbFile, '--port', '0', '--public-host', 'http://x/y'], { timeoutMs: 30_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--public-host "http://x/y": expected a host name');
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', config, groups, publicHosts: ['review.example.gov.cn', 'intranet.example:8443'] });
    try {
      const p = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
      expect((await request(p, '/', { headers: { host: 'review.example.gov.cn' } })).status).toBe(200);
      expect((await request(p, '/', { headers: { host: 'Review.Example.Gov.Cn:443' } })).status).toBe(200);
      expect((await request(p, '/', { headers: { host: 'intranet.example:8443' } })).status).toBe(200);
      expect((await request(p, '/', { headers: { host: 'intranet.example' } })).status).toBe(421);
      expect((await request(p, '/', { headers: { host: 'evil.example' } })).status).toBe(421);
      const page = await request(p, `/runs/${RUN}/sites/down.example`, { headers: { host: 'review.example.gov.cn' } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const finding = /action="\/findings\/(\d+)\/review"/.exec(page.body)![1];
      const form = new URLSearchParams({ status: 'upheld', comment: '维持', reviewer: '王五', _csrf: csrf }).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(page), host: 'review.example.gov.cn' };
      expect((await request(p, `/findings/${finding}/review`, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: form })).status).toBe(403);
      expect((await request(p, `/findings/${finding}/review`, { method: 'POST', headers: { ...headers, origin: 'https://review.example.gov.cn' }, body: form })).status).toBe(303);
    } finally {
      await app.close();
    }
  });
});

describe('redirect after login', () => {
  it('follows only same-origin paths, normalised as a browser reads a Location', async () => {
    const loc = async (next: string) => {
      const r = await request(port, `/login?next=${encodeURIComponent(next)}`);
      expect(r.status, next).toBe(303);
      return r.headers.location;
    };
    expect(await loc('/\t/evil.example/x')).toBe('/');
    expect(await loc('/\r\n/evil.example/x')).toBe('/');
    expect(await loc('\\\\evil.example/x')).toBe('/');
    expect(await loc('/\\evil.example/x')).toBe('/');
    expect(await loc('//evil.example/x')).toBe('/');
    expect(await loc('https://evil.example/x')).toBe('/');
    expect(await loc('javascript:alert(1)')).toBe('/');
    expect(await loc(' /x')).toBe('/');
    expect(await loc(`/runs/${RUN}?lang=en#top`)).toBe(`/runs/${RUN}?lang=en#top`);
    expect(await loc('/a/../runs')).toBe('/runs');
    expect(await loc('/caf\u00e9 x')).toBe('/caf%C3%A9%20x');
    // The bare query parameter as an attacker writes it.
    const raw = await request(port, '/login?next=/%09/evil.example/x');
    expect(raw.headers.location).toBe('/');
    expect(safeNext(['/x'])).toBe('/');
  });

  it('answers a next with NUL or a character beyond Latin-1 with a 400 page, not a 500', async () => {
    for (const next of ['/运行', '/x\u0000y', '/\u2028']) {
      const r = await request(port, `/login?next=${encodeURIComponent(next)}`);
      expect(r.status, JSON.stringify(next)).toBe(400);
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.body).toContain('400');
    }
  });

  it('never throws on header values from client input (reviewer cookie with split or lone surrogates)', async () => {
    const sitePage = await request(port, `/runs/${RUN}/sites/down.example`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(sitePage.body)![1];
    const finding = /action="\/findings\/(\d+)\/review"/.exec(sitePage.body)![1];
    // A name with an emoji (two UTF-16 units) at the limit.
    const reviewer = `${'审'.repeat(98)}😀`;
    const r = await request(port, `/findings/${finding}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookiesOf(sitePage), 'x-csrf-token': csrf },
      body: JSON.stringify({ status: 'disputed', comment: '\ud800', reviewer }),
    });
    expect(r.status).toBe(303);
    const lone = await request(port, `/findings/${finding}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookiesOf(sitePage), 'x-csrf-token': csrf },
      body: '{"status":"disputed","comment":"c","reviewer":"\\ud800\\u5ba1"}',
    });
    expect(lone.status).toBe(303);
  });
});

describe('wrong tokens: one lock-out for the login form and Bearer headers', () => {
  it('locks an address out after ten wrong Bearer tokens; another client and the end of the window still get in', async () => {
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups, loginLimit: { windowMs: 4000 } });
    try {
      const p = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
      const bearer = (t: string, localAddress = '127.0.0.1') => request(p, '/', { headers: { authorization: `Bearer ${t}` }, localAddress });
      const started = Date.now();
      for (let i = 0; i < 10; i++) expect((await bearer(`wrong-token-${i}`)).status, `attempt ${i + 1}`).toBe(303);
      const eleventh = await bearer('wrong-token-10');
      expect(eleventh.status).toBe(429);
      expect(eleventh.headers['content-security-policy']).toContain("default-src 'none'");
      // Locked: the right token from this address too, and the login form (the same limiter).
      expect((await bearer(TOKEN)).status).toBe(429);
      const login = await request(p, '/login');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1];
      const post = await request(p, '/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(login) },
        body: new URLSearchParams({ _csrf: csrf, token: TOKEN, next: '/' }).toString(),
      });
      expect(post.status).toBe(429);
      // Another client (another loopback source address) is not locked out.
      expect((await bearer(TOKEN, '127.0.0.2')).status).toBe(200);
      // After the window the right token works again.
      await new Promise((r) => setTimeout(r, Math.max(0, started + 4200 - Date.now())));
      expect((await bearer(TOKEN)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('counts login-form failures in the same limiter as Bearer ones', async () => {
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups });
    try {
      const p = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
      for (let i = 0; i < 5; i++) expect((await request(p, '/', { headers: { authorization: `Bearer nope-${i}` } })).status).toBe(303);
      const login = await request(p, '/login');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1];
      const form = (token: string) =>
        request(p, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(login) }, body: new URLSearchParams({ _csrf: csrf, token, next: '/' }).toString() });
      for (let i = 0; i < 5; i++) expect((await form(`wrong-${i}`)).status).toBe(401);
      expect((await form(TOKEN)).status).toBe(429);
      expect((await request(p, '/', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe('one reading of the path for the router and the access decision', () => {
  it('refuses paths that the URL parser and the router would read differently, before any access decision', async () => {
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups });
    const p = portOf(await app.listen({ host: '127.0.0.1', port: 0 }));
    try {
      for (const raw of ['/static\\..\\runs', '/static/..\\runs', '/static/../runs', '/static/%2e%2e/runs', '/login/..', '/./runs', 'http://127.0.0.1/runs']) {
        const r = await request(p, raw, { headers: { host: `127.0.0.1:${p}` } });
        expect(r.status, raw).toBe(400);
        expect(r.headers['x-frame-options'], raw).toBe('DENY');
      }
      // canonical paths still answer as before: public ones without a token, others send to the login form
      expect((await request(p, '/static/app.css', { headers: { host: `127.0.0.1:${p}` } })).status).toBe(200);
      expect((await request(p, '/allow-list', { headers: { host: `127.0.0.1:${p}` } })).status).toBe(303);
      expect((await request(p, '/allow-list?lang=en', { headers: { host: `127.0.0.1:${p}`, authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
