/**
 * Safety of `govcheck serve`: token off loopback, login, CSRF, same origin, security headers (and our own
 * security-headers check over the server's real response), escaping, evidence screenshots, Bull Board on a
 * real redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { buildApp } from '../../src/server/app.js';
import { escapeHtml, highlight, html, jsonForScript, safeHref } from '../../src/server/html.js';
import { assertListenSafe, isLoopbackHost, safeNext, ServeConfigError } from '../../src/server/security.js';
import { checkSite } from '../../src/site-check.js';
import { ensureRun, openDb, saveSiteResult } from '../../src/store/db.js';
import { generateSite, serve, type Served } from '../fixtures/site.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-serve-sec-');
const TOKEN = 'correct-horse-battery-staple';
// An office whose practice counts one failed visit as the W-V1 veto (vetoOnSingleProbe): the down site fails.
const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0, retryBaseMs: 20 }, gather: { retries: 0 }, browser: { loopbackOnly: true }, checks: { availability: { vetoOnSingleProbe: true } } });
const groups = loadGroups();
let down: Served;
let site: Served;
let dbFile: string;
let open: FastifyInstance;
let locked: FastifyInstance;
let openBase: string;
let lockedBase: string;

/** Cookie jar for fetch: name → value from Set-Cookie. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    take(res: Response) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const i = pair.indexOf('=');
        cookies.set(pair.slice(0, i), pair.slice(i + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

beforeAll(async () => {
  down = await serve(new Map([['/', { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>系统维护中</body></html>' }]]));
  site = await serve(generateSite({ articlesPerColumn: 1, seed: 9 }).routes);
  dbFile = path.join(tmp.dir, 's.db');
  const db = openDb(dbFile);
  ensureRun(db, { id: 'adhoc-2024-07-01', kind: 'adhoc', asOf: '2024-07-01' });
  // A real check of a down site with screenshots kept as evidence (veto findings get one).
  const evidenceDir = path.join(tmp.dir, 'evidence');
  const r = await checkSite({ id: 'down.example', url: `${down.origin}/`, kind: 'website', name: '维护中的网站' }, { config, asOf: '2024-07-01', checks: ['availability'], evidenceDir });
  saveSiteResult(db, 'adhoc-2024-07-01', r);
  const ok = await checkSite({ id: 'ok.example', url: `${site.origin}/`, kind: 'website', name: '示例市人民政府' }, { config, asOf: '2024-07-01', checks: ['availability', 'broken-links'] });
  saveSiteResult(db, 'adhoc-2024-07-01', ok);
  db.close();
  open = await buildApp({ db: dbFile, host: '127.0.0.1', config, groups, evidenceDir });
  openBase = await open.listen({ host: '127.0.0.1', port: 0 });
  locked = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups });
  lockedBase = await locked.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await open?.close();
  await locked?.close();
  await Promise.all([down?.close(), site?.close()]);
  tmp.cleanup();
});

describe('listening safely', () => {
  it('refuses a non-loopback address without a token, with a clear error (library and CLI)', async () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.8.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('::')).toBe(false);
    expect(isLoopbackHost('192.168.1.10')).toBe(false);
    expect(() => assertListenSafe('0.0.0.0', undefined)).toThrow(ServeConfigError);
    expect(() => assertListenSafe('0.0.0.0', 'short')).toThrow(/12 characters/);
    expect(() => assertListenSafe('0.0.0.0', TOKEN)).not.toThrow();
    // Accounts (govcheck user add) protect the pages like a token: no token needed then.
    expect(() => assertListenSafe('0.0.0.0', undefined, true)).not.toThrow();
    await expect(buildApp({ db: dbFile, host: '0.0.0.0', config, groups })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without an access token/);
    const r = await runCli(['serve', '--db', dbFile, '--host', '0.0.0.0', '--port', '0'], { timeoutMs: 30_000, env: { GOVCHECK_SERVE_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without an access token');
    const missing = await runCli(['serve', '--db', path.join(tmp.dir, 'missing.db'), '--port', '0'], { timeoutMs: 30_000 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('database not found');
  });

  it('with a token, every page needs it: login form, signed cookie, or a Bearer header', async () => {
    const first = await fetch(`${lockedBase}/runs/adhoc-2024-07-01`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login?next=%2Fruns%2Fadhoc-2024-07-01');
    expect((await fetch(`${lockedBase}/allow-list/1/remove`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${lockedBase}/static/app.css`)).status).toBe(200);

    const c = jar();
    const login = await fetch(`${lockedBase}/login?next=/runs/adhoc-2024-07-01`);
    c.take(login);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1];
    const bad = await fetch(`${lockedBase}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: c.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: 'wrong-token-123', next: '/' }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('令牌不正确');
    const good = await fetch(`${lockedBase}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: c.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: TOKEN, next: '/runs/adhoc-2024-07-01' }),
    });
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/runs/adhoc-2024-07-01');
    const setCookie = good.headers.getSetCookie().find((l) => l.startsWith('govcheck_auth='))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    c.take(good);
    expect((await fetch(`${lockedBase}/runs/adhoc-2024-07-01`, { headers: { cookie: c.header() } })).status).toBe(200);
    // A forged cookie value is not a session.
    expect((await fetch(`${lockedBase}/`, { redirect: 'manual', headers: { cookie: 'govcheck_auth=ok' } })).status).toBe(303);
    expect((await fetch(`${lockedBase}/`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${lockedBase}/`, { redirect: 'manual', headers: { authorization: 'Bearer nope' } })).status).toBe(303);
    // Only paths on this server are followed after login.
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/runs/x?y=1')).toBe('/runs/x?y=1');
  });
});

describe('state-changing requests', () => {
  async function sitePage() {
    const c = jar();
    const res = await fetch(`${openBase}/runs/adhoc-2024-07-01/sites/down.example`);
    c.take(res);
    const body = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body)![1];
    const finding = Number(/action="\/findings\/(\d+)\/review"/.exec(body)![1]);
    return { c, csrf, finding, body };
  }
  const post = (url: string, form: Record<string, string>, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });

  it('need the CSRF token of this browser and must not come from another origin', async () => {
    const { c, csrf, finding } = await sitePage();
    const form = { status: 'disputed', comment: '维护窗口', reviewer: '李四' };
    const url = `${openBase}/findings/${finding}/review`;
    expect((await post(url, form, { cookie: c.header() })).status).toBe(403);
    expect((await post(url, { ...form, _csrf: 'forged' }, { cookie: c.header() })).status).toBe(403);
    // Another browser's token does not fit this browser's secret.
    const other = await sitePage();
    expect((await post(url, { ...form, _csrf: other.csrf }, { cookie: c.header() })).status).toBe(403);
    expect((await post(url, { ...form, _csrf: csrf }, { cookie: c.header(), origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(url, { ...form, _csrf: csrf }, { cookie: c.header(), 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const db = openDb(dbFile);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM finding_reviews`).get()).toEqual({ n: 0 });
    db.close();
    const ok = await post(url, { ...form, _csrf: csrf }, { cookie: c.header(), origin: openBase, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/runs/adhoc-2024-07-01/sites/down.example?done=reviewed#f-${finding}`);
    // Bad input is a clear 400, nothing stored.
    const noName = await post(url, { status: 'false_positive', comment: 'x', reviewer: ' ', _csrf: csrf }, { cookie: c.header() });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain('reviewer');
    const db2 = openDb(dbFile);
    expect(db2.prepare(`SELECT status, reviewer FROM finding_reviews`).all()).toEqual([{ status: 'disputed', reviewer: '李四' }]);
    db2.close();
  });
});

describe('what the pages send and show', () => {
  it('sends the security headers, HSTS only over HTTPS (behind a proxy with --trust-proxy)', async () => {
    const res = await fetch(`${openBase}/`);
    const h = res.headers;
    expect(h.get('content-security-policy')).toContain("script-src 'self'");
    expect(h.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('same-origin');
    expect(h.get('strict-transport-security')).toBeNull();
    const proxied = await buildApp({ db: dbFile, host: '127.0.0.1', config, groups, trustProxy: true });
    try {
      const r = await proxied.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-proto': 'https' } });
      expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await proxied.close();
    }
  });

  it('passes our own security-headers check (crawled like a government site)', async () => {
    const r = await checkSite({ id: 'govcheck-serve', url: `${openBase}/`, kind: 'website' }, { config, asOf: '2024-07-01', checks: ['security-headers'] });
    const c = r.checks.find((x) => x.id === 'security-headers')!;
    expect(c.status).toBe('pass');
    // Over plain HTTP only the note that HSTS needs HTTPS remains.
    expect(c.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const obs = (c.summary as { observatory: { tests: Record<string, { result: string; pass: boolean }> } }).observatory.tests;
    expect(obs['content-security-policy'].pass).toBe(true);
    expect(obs['x-frame-options'].pass).toBe(true);
    expect(obs['x-content-type-options'].pass).toBe(true);
    expect(obs['referrer-policy'].pass).toBe(true);
  });

  it('escapes everything by default', () => {
    const evil = `<script>alert(1)</script>" onmouseover='x' \`y\``;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe('<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &#96;y&#96;">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &#96;y&#96;</p>');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(jsonForScript({ t: '</script><script>alert(1)</script>' }).value).not.toContain('</script>');
    expect(JSON.parse(jsonForScript({ t: '</script>&\u2028' }).value)).toEqual({ t: '</script>&\u2028' });
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,<script>')).toBeUndefined();
    expect(safeHref('http://127.0.0.1/a b')).toBe('http://127.0.0.1/a%20b');
    expect(highlight('截止目前<b>截止</b>', ['截止']).value).toBe('<mark>截止</mark>目前&lt;b&gt;<mark>截止</mark>&lt;/b&gt;');
  });

  it('shows an ad-hoc run (govcheck check results): tables of the sites it checked, no quarterly lists', async () => {
    const res = await fetch(`${openBase}/runs/adhoc-2024-07-01?lang=en`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('id="table-website"');
    // Two websites checked without a registry group; the down one failed (W-V1, vetoOnSingleProbe).
    expect(body).toMatch(/<tr class="total"><td><\/td><td>Total<\/td><td class="n">2<\/td><td class="n">2<\/td><td class="n">1<\/td><td class="n">50<\/td>/);
    expect((await fetch(`${openBase}/runs/adhoc-2024-07-01/download/tables.xlsx`)).headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect((await fetch(`${openBase}/runs/adhoc-2024-07-01/download/notice.docx`)).status).toBe(404);
    expect((await fetch(`${openBase}/runs/adhoc-2024-07-01/download/nope.exe`)).status).toBe(404);
  });

  it('shows a screenshot kept as evidence, and nothing that is not one', async () => {
    const page = await (await fetch(`${openBase}/runs/adhoc-2024-07-01/sites/down.example`)).text();
    const m = /src="\/findings\/(\d+)\/screenshot"/.exec(page);
    expect(m).not.toBeNull();
    const shot = await fetch(`${openBase}/findings/${m![1]}/screenshot`);
    expect(shot.status).toBe(200);
    expect(shot.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await shot.arrayBuffer())
        .subarray(0, 4)
        .toString('hex'),
    ).toBe('89504e47');
    const okPage = await (await fetch(`${openBase}/runs/adhoc-2024-07-01/sites/ok.example`)).text();
    const other = /action="\/findings\/(\d+)\/review"/.exec(okPage)![1];
    expect((await fetch(`${openBase}/findings/${other}/screenshot`)).status).toBe(404);
    expect((await fetch(`${openBase}/findings/..%2F..%2Fetc%2Fpasswd/screenshot`)).status).toBe(404);
    expect((await fetch(`${openBase}/runs/nope`)).status).toBe(404);
  });
});

describe('Bull Board', () => {
  let redis: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(() => {
    redis?.kill('SIGTERM');
  });

  it('is mounted under /admin/queues only with Redis, behind the same token, showing the queues found', async () => {
    const url = `redis://127.0.0.1:${port}`;
    // A queue of some other program on the same Redis is found too.
    const q = new Queue('other-app', { connection: { host: '127.0.0.1', port } });
    await q.add('site', { v: 1 });
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups, redisUrl: url });
    try {
      expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(303);
      expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
      const auth = { authorization: `Bearer ${TOKEN}` };
      const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: auth });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
      // Its scripts are files under its <base href>, which its CSP lets it set.
      expect(page.headers['content-security-policy']).toContain("base-uri 'self'");
      expect(page.body).toContain('<base href="/admin/queues/"');
      const scripts = [...page.body.matchAll(/<script defer src="([^"]+)"/g)].map((m) => m[1]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) {
        const js = await app.inject({ method: 'GET', url: `/admin/queues/${src}`, headers: auth });
        expect(js.statusCode, src).toBe(200);
        expect(js.headers['content-type']).toMatch(/javascript/);
      }
      const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: auth });
      expect(api.statusCode).toBe(200);
      expect(
        JSON.parse(api.body)
          .queues.map((x: { name: string }) => x.name)
          .sort(),
      ).toEqual(['govcheck-probes', 'govcheck-runs', 'govcheck-sites', 'other-app']);
      // Its actions need a same-origin browser request too.
      const cross = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/other-app/pause', headers: { ...auth, origin: 'http://evil.example' } });
      expect(cross.statusCode).toBe(403);
      const home = await app.inject({ method: 'GET', url: '/', headers: auth });
      expect(home.body).toContain('href="/admin/queues"');
    } finally {
      await app.close();
      await q.close();
    }
    // Without Redis there is no board.
    expect((await open.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(404);
  });
});
