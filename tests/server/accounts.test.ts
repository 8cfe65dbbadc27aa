/**
 * Accounts and roles in `govcheck serve` (fastify inject, real SQLite, in-process re-checks of real sites on
 * 127.0.0.1): login and sessions, tokens, unit scope, role permissions, the rectification loop and audit log, and the
 * app's protections (CSRF, same origin, escaping, headers) on the new forms.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { buildApp } from '../../src/server/app.js';
import { addUser, disableUser } from '../../src/store/accounts.js';
import { listAudit } from '../../src/store/audit.js';
import { ensureRun, finishRun, openDb, saveSiteResult, type DB } from '../../src/store/db.js';
import { currentReviews } from '../../src/store/reviews.js';
import type { Finding, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { generateSite, serve, type Served } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-accounts-');
const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0, retryBaseMs: 20 }, gather: { retries: 0 } });
const rules = config.rules;
const PW = { admin: 'admin password 1', insp: 'inspector pw 12', jia: 'jia unit pw 123', yi: 'yi unit pw 1234' };
const XSS = '<script>window.__pwned=1</script>';
let jia: Served;
let yi: Served;
let db: DB;
let app: FastifyInstance;
const tokens: Record<string, string> = {};

function finding(p: Partial<Finding> & Pick<Finding, 'checkId' | 'code' | 'severity'>): Finding {
  return { tier: 'confirmed', url: 'http://127.0.0.1:1/', params: {}, message: p.code, messageEn: p.code, evidence: {}, ...p };
}
function result(id: string, origin: string, owner: string, group: string, findings: Finding[]): SiteResult {
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  return {
    site: { id, url: `${origin}/`, kind: 'website', name: `${group}人民政府`, owner, group },
    url: `${origin}/`,
    asOf: '2024-06-27',
    startedAt: '2024-06-27T01:00:00Z',
    finishedAt: '2024-06-27T01:01:00Z',
    ...computeVerdict(findings, rules),
    checks: [...byCheck].map(([cid, fs]) => ({ id: cid, status: 'fail' as const, findings: fs, durationMs: 1 })),
    stats: { pages: 3, links: 5, durationMs: 10, skippedByLimit: 0, errors: 0 },
  };
}

beforeAll(async () => {
  jia = await serve(generateSite({ articlesPerColumn: 1, seed: 3, name: '甲市人民政府' }).routes);
  yi = await serve(generateSite({ articlesPerColumn: 1, seed: 4, name: '乙市人民政府' }).routes);
  db = openDb(path.join(tmp.dir, 'a.db'));
  ensureRun(db, { id: '2024Q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-27', options: { checks: ['availability'] }, rules });
  // Planted: 乙市's home page "was down" (W-V1) in the stored result; the live site answers — a re-check clears it.
  saveSiteResult(
    db,
    '2024Q2',
    result('jia.example', jia.origin, '甲市人民政府办公室', '甲市', [finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1', url: `${jia.origin}/`, message: `首页无法访问 ${XSS}` })]),
  );
  saveSiteResult(db, '2024Q2', result('yi.example', yi.origin, '乙市人民政府办公室', '乙市', [finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1', url: `${yi.origin}/`, message: '首页无法访问' })]));
  finishRun(db, '2024Q2');
  const cli = { name: 'cli' };
  tokens.admin = addUser(db, { name: 'admin', role: 'admin', password: PW.admin }, cli).token;
  tokens.insp = addUser(db, { name: 'inspector-li', role: 'inspector', password: PW.insp }, cli).token;
  tokens.jia = addUser(db, { name: 'jia-office', role: 'unit', password: PW.jia, owners: ['甲市人民政府办公室'] }, cli).token;
  tokens.yi = addUser(db, { name: 'yi-office', role: 'unit', password: PW.yi, groups: ['乙市'] }, cli).token;
  app = await buildApp({ db, host: '127.0.0.1', config, groups: loadGroups(), loginLimit: { max: 4, windowMs: 60_000 } });
}, 60_000);

afterAll(async () => {
  await app?.close();
  db?.close();
  await Promise.all([jia?.close(), yi?.close()]);
  tmp.cleanup();
});

/** A browser: cookies kept between requests, the CSRF token of the last page. */
function browser(ip = '127.0.0.1') {
  const cookies = new Map<string, string>();
  let csrf = '';
  const take = (res: { headers: Record<string, unknown> }) => {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [String(set)] : []) {
      const [pair] = String(line).split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    cookies,
    async get(url: string, headers: Record<string, string> = {}) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: cookie(), ...headers }, remoteAddress: ip });
      take(res);
      const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
      if (m) csrf = m[1];
      return res;
    },
    async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
      const res = await app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(), origin: 'http://127.0.0.1', ...headers },
        remoteAddress: ip,
      });
      take(res);
      return res;
    },
    async login(user: string, password: string) {
      await this.get('/login');
      return this.post('/login', { user, password, next: '/' });
    },
  };
}

const yiSite = '/runs/2024Q2/sites/yi.example';
const jiaSite = '/runs/2024Q2/sites/jia.example';
/** The planted finding's fingerprint (also once a re-check no longer finds it: from its rectification steps). */
const fingerprintOf = (site: string) =>
  (
    (db.prepare(`SELECT fingerprint FROM findings WHERE site_id = ? ORDER BY id DESC LIMIT 1`).get(site) ?? db.prepare(`SELECT fingerprint FROM rectification_steps WHERE site_id = ? ORDER BY id DESC LIMIT 1`).get(site)) as {
      fingerprint: string;
    }
  ).fingerprint;
const findingIdOf = (site: string) => (db.prepare(`SELECT id FROM findings WHERE site_id = ? ORDER BY id DESC LIMIT 1`).get(site) as { id: number }).id;

describe('accounts in govcheck serve', () => {
  it('asks for a login once users exist, sets a signed HttpOnly SameSite=Strict session cookie, Secure over HTTPS', async () => {
    const b = browser();
    const first = await b.get('/');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/login?next=%2F');
    const page = await b.get('/login');
    expect(page.body).toContain('name="user"');
    expect(page.body).not.toContain('name="token"'); // no shared token configured
    const wrong = await b.post('/login', { user: 'yi-office', password: 'wrong password', next: '/' });
    expect(wrong.statusCode).toBe(401);
    const ok = await b.login('yi-office', PW.yi);
    expect(ok.statusCode).toBe(303);
    const set = String(([] as unknown[]).concat(ok.headers['set-cookie']).find((c) => String(c).startsWith('govcheck_session=')));
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Max-Age=43200/);
    expect(set).not.toMatch(/Secure/i);
    // The cookie is signed: a forged session id is no session.
    const forged = await app.inject({ method: 'GET', url: '/', headers: { cookie: 'govcheck_session=abc.def' } });
    expect(forged.statusCode).toBe(303);
    const home = await b.get('/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('yi-office');
    // Over HTTPS (behind a proxy) the cookie is Secure.
    const proxied = await buildApp({ db, host: '127.0.0.1', config, groups: loadGroups(), trustProxy: true });
    try {
      const lp = await proxied.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' } });
      const c = ([] as unknown[])
        .concat(lp.headers['set-cookie'])
        .map((x) => String(x).split(';')[0])
        .join('; ');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(lp.body)![1];
      const r = await proxied.inject({
        method: 'POST',
        url: '/login',
        payload: new URLSearchParams({ _csrf: csrf, user: 'yi-office', password: PW.yi }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c, 'x-forwarded-proto': 'https' },
      });
      expect(String(([] as unknown[]).concat(r.headers['set-cookie']).find((x) => String(x).startsWith('govcheck_session=')))).toMatch(/Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('rate-limits wrong passwords and Bearer tokens together per address', async () => {
    const b = browser('10.9.9.9');
    await b.get('/login');
    for (let i = 0; i < 3; i++) expect((await b.post('/login', { user: 'admin', password: `nope-${i}-xxxxx` })).statusCode).toBe(401);
    const bearer = await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer gct_wrong' }, remoteAddress: '10.9.9.9' });
    expect(bearer.statusCode).toBe(303);
    // Locked now, even with the right password.
    expect((await b.post('/login', { user: 'admin', password: PW.admin })).statusCode).toBe(429);
    expect((await browser('10.9.9.10').login('admin', PW.admin)).statusCode).toBe(303);
  });

  it('a unit sees only its own sites: another unit’s site, finding, screenshot and the province downloads are 404', async () => {
    const b = browser();
    await b.login('yi-office', PW.yi);
    expect((await b.get(yiSite)).statusCode).toBe(200);
    const other = await b.get(jiaSite);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('甲市人民政府');
    const list = await b.get('/runs/2024Q2/sites');
    expect(list.body).toContain('yi.example');
    expect(list.body).not.toContain('jia.example');
    expect((await b.get('/runs/2024Q2')).headers.location).toBe('/runs/2024Q2/sites');
    expect((await b.get('/runs/2024Q2/download/tables-csv')).statusCode).toBe(404);
    expect((await b.get(`/findings/${findingIdOf('jia.example')}/screenshot`)).statusCode).toBe(404);
    expect((await b.get('/allow-list')).statusCode).toBe(403);
    expect((await b.get('/audit')).statusCode).toBe(403);
    expect((await b.get('/audit.csv')).statusCode).toBe(403);
    const rect = await b.get('/rectification?run=2024Q2');
    expect(rect.body).toContain('yi.example');
    expect(rect.body).not.toContain('jia.example');
    expect((await b.get('/rectification?run=2024Q2&site=jia.example')).statusCode).toBe(404);
    // The runs list counts only its own sites.
    expect((await b.get('/')).body).not.toMatch(/<td[^>]*>2<\/td>/);
    // A unit's personal token works as Bearer, with the same scope.
    const api = await app.inject({ method: 'GET', url: jiaSite, headers: { authorization: `Bearer ${tokens.yi}` } });
    expect(api.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: yiSite, headers: { authorization: `Bearer ${tokens.yi}` } })).statusCode).toBe(200);
    // An inspector sees both.
    const i = browser();
    await i.login('inspector-li', PW.insp);
    expect((await i.get(jiaSite)).statusCode).toBe(200);
    expect((await i.get(yiSite)).statusCode).toBe(200);
  });

  it('a unit may dispute (recorded under its user name) but not decide; POSTs outside its scope are 404', async () => {
    const b = browser();
    await b.login('yi-office', PW.yi);
    await b.get(yiSite);
    const fid = findingIdOf('yi.example');
    expect((await b.post(`/findings/${fid}/review`, { status: 'false_positive', comment: '误报', reviewer: 'x' })).statusCode).toBe(403);
    const d = await b.post(`/findings/${fid}/review`, { status: 'disputed', comment: '当天在维护', reviewer: '冒充的名字' });
    expect(d.statusCode).toBe(303);
    expect(currentReviews(db, 'yi.example').get(fingerprintOf('yi.example'))).toMatchObject({ status: 'disputed', reviewer: 'yi-office' });
    expect((await b.post(`/findings/${findingIdOf('jia.example')}/review`, { status: 'disputed', comment: 'x', reviewer: 'x' })).statusCode).toBe(404);
    expect((await b.post('/runs/2024Q2/sites/yi.example/recheck', {})).statusCode).toBe(403);
    expect((await b.post('/rectification/report', { run: '2024Q2', site: 'jia.example', fingerprint: fingerprintOf('jia.example'), note: 'x' })).statusCode).toBe(404);
    const last = listAudit(db, { action: 'review.' }).rows[0];
    expect(last).toMatchObject({ actor: 'yi-office', action: 'review.add', target: `yi.example ${fingerprintOf('yi.example')}` });
  });

  it('CSRF and same-origin guard the new forms; notes are escaped on every page', async () => {
    const b = browser();
    await b.login('jia-office', PW.jia);
    await b.get('/rectification?run=2024Q2');
    const form = { run: '2024Q2', site: 'jia.example', fingerprint: fingerprintOf('jia.example'), note: `已修复 ${XSS}` };
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const forged = await app.inject({ method: 'POST', url: '/rectification/report', payload: new URLSearchParams({ ...form, _csrf: 'forged' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
    expect(forged.statusCode).toBe(403);
    expect((await b.post('/rectification/report', form, { origin: 'http://evil.example' })).statusCode).toBe(403);
    expect((await b.post('/rectification/report', form, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await b.post('/logout', {}, { origin: 'http://evil.example' })).statusCode).toBe(403);
    expect(listAudit(db, { action: 'rectification.' }).total).toBe(0);
    // The login form and the inspector's decision form are guarded the same way.
    const anon = browser();
    await anon.get('/login');
    expect((await anon.post('/login', { user: 'jia-office', password: PW.jia, _csrf: 'forged' })).statusCode).toBe(403);
    expect((await anon.post('/login', { user: 'jia-office', password: PW.jia }, { origin: 'http://evil.example' })).statusCode).toBe(403);
    const insp = browser();
    await insp.login('inspector-li', PW.insp);
    await insp.get('/rectification?run=2024Q2');
    expect((await insp.post('/rectification/decide', { ...form, status: 'confirmed', _csrf: 'forged' })).statusCode).toBe(403);
    expect((await insp.post('/rectification/decide', { ...form, status: 'confirmed' }, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    const ok = await b.post('/rectification/report', form);
    expect(ok.statusCode).toBe(303);
    const page = await b.get('/rectification?run=2024Q2');
    expect(page.body).not.toContain('<script>window');
    expect(page.body).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    for (const h of ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy']) expect(page.headers[h]).toBeTruthy();
    const i = browser();
    await i.login('inspector-li', PW.insp);
    const audit = await i.get('/audit?action=rectification.');
    expect(audit.statusCode).toBe(200);
    expect(audit.body).not.toContain('<script>window');
    expect(audit.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('runs the loop: report → re-check in process → inspector confirms; each step is in the audit log and its CSV', async () => {
    const u = browser();
    await u.login('yi-office', PW.yi);
    await u.get('/rectification?run=2024Q2');
    const fp = fingerprintOf('yi.example');
    const rep = await u.post('/rectification/report', { run: '2024Q2', site: 'yi.example', fingerprint: fp, note: '已修复首页服务器' });
    expect(rep.statusCode).toBe(303);
    expect(rep.headers.location).toBe('/rectification?run=2024Q2&done=1');
    // The inspector cannot report, the unit cannot decide.
    const i = browser();
    await i.login('inspector-li', PW.insp);
    await i.get('/rectification?run=2024Q2');
    expect((await i.post('/rectification/report', { run: '2024Q2', site: 'yi.example', fingerprint: fp, note: 'x' })).statusCode).toBe(403);
    expect((await u.post('/rectification/decide', { run: '2024Q2', site: 'yi.example', fingerprint: fp, status: 'confirmed' })).statusCode).toBe(403);
    // The re-check (in process, against the live site on 127.0.0.1) replaces the stored result: the veto is gone.
    const deadline = Date.now() + 60_000;
    let page = '';
    while (Date.now() < deadline) {
      page = (await i.get('/rectification?run=2024Q2&site=yi.example')).body;
      if (page.includes('复核未再发现该问题')) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(page).toContain('复核未再发现该问题');
    expect(page).toContain('复核中');
    const dec = await i.post('/rectification/decide', { run: '2024Q2', site: 'yi.example', fingerprint: fp, status: 'confirmed', note: '复核通过' });
    expect(dec.statusCode).toBe(303);
    expect((await i.get('/rectification?run=2024Q2&site=yi.example')).body).toContain('已整改确认');
    const steps = listAudit(db, { target: `yi.example ${fp}` }).rows.reverse();
    expect(steps.map((r) => [r.action, r.actor])).toEqual([
      ['review.add', 'yi-office'],
      ['rectification.reported', 'yi-office'],
      ['rectification.rechecking', 'yi-office'],
      ['rectification.confirmed', 'inspector-li'],
    ]);
    const csv = await i.get('/audit.csv?action=rectification.');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('rectification.confirmed');
    expect(csv.body).toContain('inspector-li');
  }, 90_000);

  it('lists overdue items by the reminder letter’s reply-by date when the letters table exists, within the asker’s scope', async () => {
    const i = browser();
    await i.login('inspector-li', PW.insp);
    // The run ended just now: with the default 15 days nothing is overdue yet.
    expect((await i.get('/rectification/overdue')).body).toContain('没有需要整改的问题');
    db.exec(`CREATE TABLE IF NOT EXISTS letters (run_id TEXT, owner TEXT, letter_no TEXT, issued_on TEXT, reply_by TEXT, file TEXT)`);
    db.prepare(`INSERT INTO letters VALUES ('2024Q2', '甲市人民政府办公室', '示函〔2024〕3号', '2024-07-01', '2024-07-15', 'letter.docx')`).run();
    // 甲市 reported its fix earlier (复核中: not overdue; its re-check no longer finds the problem); the
    // inspector, who knows better, finds it not fixed — now it is overdue.
    expect((await i.get('/rectification/overdue')).body).not.toContain('jia.example');
    await i.get('/rectification?run=2024Q2');
    expect((await i.post('/rectification/decide', { run: '2024Q2', site: 'jia.example', fingerprint: fingerprintOf('jia.example'), status: 'not_fixed', note: '' })).statusCode).toBe(400);
    expect((await i.post('/rectification/decide', { run: '2024Q2', site: 'jia.example', fingerprint: fingerprintOf('jia.example'), status: 'not_fixed', note: '首页仍无法访问' })).statusCode).toBe(303);
    const overdue = await i.get('/rectification/overdue');
    expect(overdue.body).toContain('jia.example');
    expect(overdue.body).toContain('2024-07-15');
    expect(overdue.body).not.toContain('yi.example');
    const u = browser();
    await u.login('yi-office', PW.yi);
    expect((await u.get('/rectification/overdue')).body).not.toContain('jia.example');
  });

  it('a disabled user is out at once; the shared token and the admin role still reach everything', async () => {
    const b = browser();
    await b.login('jia-office', PW.jia);
    expect((await b.get(jiaSite)).statusCode).toBe(200);
    disableUser(db, 'jia-office', { name: 'cli' });
    expect((await b.get(jiaSite)).statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: jiaSite, headers: { authorization: `Bearer ${tokens.jia}` } })).statusCode).toBe(303);
    const a = browser();
    await a.login('admin', PW.admin);
    expect((await a.get('/allow-list')).statusCode).toBe(200);
    expect((await a.get('/runs/2024Q2')).statusCode).toBe(200);
    const withToken = await buildApp({ db, host: '127.0.0.1', token: 'shared-token-for-one', config, groups: loadGroups() });
    try {
      const r = await withToken.inject({ method: 'GET', url: jiaSite, headers: { authorization: 'Bearer shared-token-for-one' } });
      expect(r.statusCode).toBe(200);
      const lp = await withToken.inject({ method: 'GET', url: '/login' });
      expect(lp.body).toContain('name="token"');
      expect(lp.body).toContain('name="user"');
    } finally {
      await withToken.close();
    }
  });
});
