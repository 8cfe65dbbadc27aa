/**
 * `/api/v1` of the review server: runs, the notice's tables (equal to `govcheck table --format json`), sites, a site's
 * result, reviews (token, cookie and CSRF rules), the OpenAPI document, and the scope contract (a unit user sees its
 * own sites only). Real SQLite, the real app on 127.0.0.1, real HTTP, the built CLI.
 */
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { importEntries } from '../../src/registry/store.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { prepareRun } from '../../src/run/runner.js';
import { API_ROUTES } from '../../src/server/api-v1.js';
import { buildApp } from '../../src/server/app.js';
import type { Scope } from '../../src/server/scope.js';
import { addUser } from '../../src/store/accounts.js';
import { openDb, saveSiteResult } from '../../src/store/db.js';
import type { Finding, SiteRef, SiteResult } from '../../src/types.js';
import { computeVerdict } from '../../src/verdict.js';
import { runCli, tmpDir } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers are read loosely by the assertions
type Json = any;

const tmp = tmpDir('govcheck-api-v1-');
const TOKEN = 'api-token-correct-horse';
const config = loadConfig(undefined, { allowPrivateNetwork: true });
const groups = loadGroups();
let app: FastifyInstance;
let base = '';
let dbFile = '';

function finding(p: Partial<Finding> & Pick<Finding, 'checkId' | 'code' | 'severity'>): Finding {
  return { tier: 'confirmed', url: 'http://x.example/', params: {}, message: `问题 ${p.code}`, messageEn: `problem ${p.code}`, evidence: {}, ...p };
}

function result(site: SiteRef, findings: Finding[], error?: SiteResult['error']): SiteResult {
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  return {
    site,
    url: site.url,
    asOf: '2024-06-20',
    startedAt: '2024-06-20T01:00:00Z',
    finishedAt: '2024-06-20T01:01:00Z',
    ...computeVerdict(findings, config.rules),
    checks: [...byCheck].map(([id, fs]) => ({ id, status: fs.some((f) => f.severity === 'veto' || f.severity === 'deduction') ? ('fail' as const) : ('pass' as const), findings: fs, durationMs: 1 })),
    stats: { pages: 3, links: 9, durationMs: 10, skippedByLimit: 0, errors: 0 },
    error,
  };
}

// The province: named sites in three groups and two owners each, new-media accounts, and 120 plain sites of 丙市
// (more than a page of the HTML list, 100 a page).
const named: Array<SiteRef & { status: 'operating'; line: number }> = [
  { id: 'a1.example', url: 'http://a1.example/', kind: 'website', name: '甲市人民政府', group: '甲市', owner: '甲市人民政府办公室', status: 'operating', line: 2 },
  { id: 'a2.example', url: 'http://a2.example/', kind: 'website', name: '甲市教育局', group: '甲市', owner: '甲市教育局', status: 'operating', line: 3 },
  { id: 'a3.example', url: 'http://a3.example/', kind: 'website', name: '甲市交通运输局', group: '甲市', owner: '甲市交通运输局', status: 'operating', line: 4 },
  { id: 'b1.example', url: 'http://b1.example/', kind: 'website', name: '乙市人民政府', group: '乙市', owner: '乙市人民政府办公室', status: 'operating', line: 5 },
  { id: 'b2.example', url: 'http://b2.example/', kind: 'website', name: '乙市卫生健康委员会', group: '乙市', owner: '乙市卫生健康委员会', status: 'operating', line: 6 },
  { id: 'm1.example', url: 'http://m1.example/feed.xml', kind: 'newmedia', name: '甲市发布', platform: '微信公众号', group: '甲市', owner: '甲市人民政府办公室', status: 'operating', line: 7 },
  { id: 'm2.example', url: 'http://m2.example/feed.xml', kind: 'newmedia', name: '乙市发布', platform: '微博', group: '乙市', owner: '乙市人民政府办公室', status: 'operating', line: 8 },
];
const plain = Array.from({ length: 120 }, (_, i) => ({
  id: `c${String(i).padStart(3, '0')}.example`,
  url: `http://c${i}.example/`,
  kind: 'website' as const,
  name: `丙市第${i}单位`,
  group: '丙市',
  owner: `丙市第${i}单位`,
  status: 'operating' as const,
  line: 9 + i,
}));

const veto = (site: string) => finding({ checkId: 'availability', code: 'home-unreachable', severity: 'veto', rule: 'W-V1', url: `http://${site}/`, evidence: { expected: 'HTTP 200', actual: 'HTTP 503', snippet: '系统维护中' } });
const broken = (site: string, n: number) =>
  finding({
    checkId: 'broken-links',
    code: 'broken',
    severity: 'deduction',
    rule: 'W-D1',
    points: 1,
    url: `http://${site}/`,
    target: `http://${site}/missing-${n}.html`,
    evidence: { location: `a[href="/missing-${n}.html"]`, actual: 'HTTP 404' },
  });

beforeAll(async () => {
  dbFile = path.join(tmp.dir, 'api.db');
  const db = openDb(dbFile);
  importEntries(db, [...named, ...plain], { file: 'registry.csv', format: 'csv', sha256: 'x', mode: 'replace' });
  await prepareRun(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-06-20', config, checks: ['availability', 'broken-links'], options: {} });
  const s = (id: string) => {
    const e = [...named, ...plain].find((x) => x.id === id)!;
    const { status: _s, line: _l, ...site } = e;
    return site as SiteRef;
  };
  saveSiteResult(db, '2024Q2', result(s('a1.example'), [veto('a1.example'), broken('a1.example', 1)]));
  saveSiteResult(db, '2024Q2', result(s('a2.example'), [broken('a2.example', 1), broken('a2.example', 2)]));
  // 45 deductions of W-D1 (capped by the rules) and a suspected veto that does not count.
  saveSiteResult(db, '2024Q2', result(s('a3.example'), [...Array.from({ length: 45 }, (_, i) => broken('a3.example', i)), finding({ checkId: 'availability', code: 'home-slow', severity: 'veto', tier: 'suspected', rule: 'W-V1' })]));
  saveSiteResult(db, '2024Q2', result(s('b1.example'), [veto('b1.example')]));
  saveSiteResult(db, '2024Q2', result(s('b2.example'), [], { kind: 'dns_error', message: 'host not found' }));
  saveSiteResult(db, '2024Q2', result(s('m1.example'), [finding({ checkId: 'newmedia-update', code: 'stale', severity: 'veto', rule: 'M-V2', url: 'http://m1.example/feed.xml' })]));
  // m2.example is not checked (the run was interrupted before it).
  for (const p of plain.slice(0, 110)) saveSiteResult(db, '2024Q2', result(s(p.id), []));
  // As the runner stores a site it could not inspect (src/run/job.ts).
  db.prepare(`UPDATE site_results SET outcome = 'error' WHERE site_id = 'b2.example'`).run();
  db.close();
  app = await buildApp({ db: dbFile, host: '127.0.0.1', token: TOKEN, config, groups });
  // Test-only: the scope a request is answered in, as the accounts' authentication hook sets it.
  app.addHook('onRequest', async (req) => {
    const h = req.headers['x-test-scope'];
    if (typeof h === 'string') req.scope = JSON.parse(decodeURIComponent(h)) as Scope;
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const unitA: Scope = { role: 'unit', user: { id: 7, name: '甲市办公室联络员' }, units: { owners: ['甲市人民政府办公室'], groups: [] } };

async function get(p: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/v1${p}`, { headers: { ...auth, ...headers } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Json };
}

describe('/api/v1 reads', () => {
  it('answers 401 JSON without the token, and JSON errors for unknown routes and bad queries', async () => {
    const res = await fetch(`${base}/api/v1/runs`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const missing = await get('/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/json/);
    expect((await get('/runs/nope')).body).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such run' });
    const bad = await get('/runs/2024Q2/sites?status=bogus&limit=9999');
    expect(bad.status).toBe(400);
    expect(bad.body.statusCode).toBe(400);
  });

  it('lists runs with their counts', async () => {
    const { status, body } = await get('/runs');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ id: '2024Q2', kind: 'quarter', quarter: '2024Q2', asOf: '2024-06-20', counts: { sites: 127, planned: 127, checked: 115, failed: 3, errors: 1, unchecked: 11, failRate: '2.61' } });
    expect((await get('/runs/2024Q2')).body.counts.failed).toBe(3);
  });

  it('the run’s tables equal `govcheck table --format json` on the same database', async () => {
    const cli = await runCli(['table', '--run', '2024Q2', '--format', 'json', '--db', dbFile, '--lang', 'zh']);
    expect(cli.code, cli.stderr).toBe(0);
    const fromApi = await get('/runs/2024Q2/tables?lang=zh');
    expect(fromApi.status).toBe(200);
    expect(fromApi.body).toEqual(JSON.parse(cli.stdout));
    expect(fromApi.body.website.total).toMatchObject({ operating: 125, checked: 114, failed: 2 });
    const en = await runCli(['table', '--run', '2024Q2', '--format', 'json', '--db', dbFile, '--lang', 'en']);
    expect((await get('/runs/2024Q2/tables?lang=en')).body).toEqual(JSON.parse(en.stdout));
  }, 60_000);

  it('lists sites with filters, in the notice’s order, a page at a time', async () => {
    const all = await get('/runs/2024Q2/sites?limit=500');
    expect(all.body).toMatchObject({ total: 127, all: 127, page: 1, pages: 1 });
    // Configured group order (甲市, 乙市, 丙市), then pinyin of the name.
    const ids = all.body.items.map((i: { site: { id: string } }) => i.site.id);
    expect(ids.slice(0, 7)).toEqual(['m1.example', 'a3.example', 'a2.example', 'a1.example', 'm2.example', 'b1.example', 'b2.example']);
    const names = async (q: string) => (await get(`/runs/2024Q2/sites?${q}`)).body.items.map((i: { site: { name: string } }) => i.site.name);
    expect(await names('status=fail')).toEqual(['甲市发布', '甲市人民政府', '乙市人民政府']);
    expect(await names('status=error')).toEqual(['乙市卫生健康委员会']);
    expect(await names('status=fail&kind=website&group=甲市')).toEqual(['甲市人民政府']);
    // 45 broken links: W-D1 is capped, the site passes with deductions.
    expect(await names('status=pass&group=甲市')).toEqual(['甲市交通运输局', '甲市教育局']);
    expect(await names('rule=W-V1')).toEqual(['甲市人民政府', '乙市人民政府']); // the suspected veto of a3 does not count
    expect(await names('rule=W-D1')).toEqual(['甲市交通运输局', '甲市教育局', '甲市人民政府']);
    expect(await names('check=newmedia-update')).toEqual(['甲市发布']);
    expect(await names('owner=甲市人民政府办公室')).toEqual(['甲市发布', '甲市人民政府']);
    expect(await names('q=WEIBO')).toEqual([]);
    expect(await names('q=微博')).toEqual(['乙市发布']);
    expect(await names('q=A2.EXAMPLE')).toEqual(['甲市教育局']);
    const unchecked = await get('/runs/2024Q2/sites?status=unchecked&limit=5&page=2');
    expect(unchecked.body).toMatchObject({ total: 11, page: 2, limit: 5, pages: 3 });
    expect(unchecked.body.items).toHaveLength(5);
    const a3 = (await get('/runs/2024Q2/sites?q=a3.example')).body.items[0];
    expect(a3).toMatchObject({ status: 'pass', problems: 46, failingChecks: ['availability', 'broken-links'], rules: ['W-D1'], disputed: 0, falsePositives: 0 });
    // Pages cover the list once, in order.
    const paged: string[] = [];
    for (let p = 1; p <= 3; p++) paged.push(...(await get(`/runs/2024Q2/sites?limit=50&page=${p}`)).body.items.map((i: { site: { id: string } }) => i.site.id));
    expect(paged).toEqual(ids);
  });

  it('gives a site’s result with findings, evidence and pages of findings', async () => {
    const r = await get('/runs/2024Q2/sites/a1.example');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'fail', verdict: 'fail', site: { id: 'a1.example', group: '甲市' }, decidedBy: expect.arrayContaining([expect.objectContaining({ rule: 'W-V1', kind: 'veto' })]) });
    expect(r.body.findings.total).toBe(2);
    const v = r.body.findings.items[0];
    expect(v).toMatchObject({ rule: 'W-V1', severity: 'veto', tier: 'confirmed', runId: '2024Q2', siteId: 'a1.example', evidence: { expected: 'HTTP 200', actual: 'HTTP 503', snippet: '系统维护中' } });
    const big = await get('/runs/2024Q2/sites/a3.example/findings?limit=20&page=3');
    expect(big.body).toMatchObject({ total: 46, page: 3, pages: 3, limit: 20 });
    expect(big.body.items).toHaveLength(6);
    expect((await get('/runs/2024Q2/sites/a3.example/findings?severity=veto')).body.items.map((f: { tier: string }) => f.tier)).toEqual(['suspected']);
    expect((await get(`/findings/${v.id}`)).body).toMatchObject({ id: v.id, code: 'home-unreachable', evidence: { actual: 'HTTP 503' } });
    expect((await get('/runs/2024Q2/sites/zz.example')).status).toBe(404);
  });
});

describe('/api/v1 reviews', () => {
  async function vetoId(site: string): Promise<number> {
    return (await get(`/runs/2024Q2/sites/${site}/findings?severity=veto`)).body.items[0].id;
  }

  it('posts a review with the Bearer token (no CSRF token), and lists the finding’s reviews', async () => {
    const id = await vetoId('b1.example');
    const res = await fetch(`${base}/api/v1/findings/${id}/reviews`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'false_positive', comment: '检查时网络故障，已核实', reviewer: '李四' }),
    });
    expect(res.status).toBe(201);
    const out = (await res.json()) as Json;
    expect(out.review).toMatchObject({ status: 'false_positive', reviewer: '李四', findingId: id, siteId: 'b1.example' });
    expect(out.outcome).toMatchObject({ changed: true, verdict: 'pass' });
    expect((await get(`/findings/${id}/reviews`)).body.items.map((r: { status: string }) => r.status)).toEqual(['false_positive']);
    // The tables and the lists follow at once.
    expect((await get('/runs/2024Q2/sites?review=false_positive')).body.items.map((i: { site: { id: string } }) => i.site.id)).toEqual(['b1.example']);
    expect((await get('/runs/2024Q2/tables')).body.website.rows.find((r: { group: string }) => r.group === '乙市')).toMatchObject({ checked: 1, failed: 0 });
    // An invalid review is a 400 in JSON.
    const bad = await fetch(`${base}/api/v1/findings/${id}/reviews`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'disputed', reviewer: '李四' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).message).toMatch(/comment/);
  });

  it('a cookie-authenticated write needs the CSRF token', async () => {
    // Log in with the form (as a browser does) to get the login cookie.
    const login = await fetch(`${base}/login`);
    const csrfCookie = login.headers.getSetCookie().map((l) => l.split(';')[0]);
    const formToken = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1];
    const done = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie.join('; '), origin: base },
      body: new URLSearchParams({ token: TOKEN, next: '/', _csrf: formToken }),
    });
    expect(done.status).toBe(303);
    const cookie = [...csrfCookie, ...done.headers.getSetCookie().map((l) => l.split(';')[0])].join('; ');
    const id = await vetoId('a1.example');
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/v1/findings/${id}/reviews`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, origin: base, ...headers },
        body: JSON.stringify({ status: 'disputed', comment: '首页当天维护', reviewer: '张三' }),
      });
    const refused = await post({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).message).toMatch(/CSRF/);
    const tok = await fetch(`${base}/api/v1/csrf`, { headers: { cookie } });
    expect(tok.status).toBe(200);
    const { token } = (await tok.json()) as { token: string };
    const cookie2 = [cookie, ...tok.headers.getSetCookie().map((l) => l.split(';')[0])].join('; ');
    const ok = await fetch(`${base}/api/v1/findings/${id}/reviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie2, origin: base, 'x-csrf-token': token },
      body: JSON.stringify({ status: 'disputed', comment: '首页当天维护', reviewer: '张三' }),
    });
    expect(ok.status).toBe(201);
    // Cross-origin is refused even with a token.
    const cross = await fetch(`${base}/api/v1/findings/${id}/reviews`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{"status":"upheld","reviewer":"x"}' });
    expect(cross.status).toBe(403);
    expect((await get('/runs/2024Q2/sites?review=disputed')).body.items.map((i: { site: { id: string } }) => i.site.id)).toEqual(['a1.example']);
  });
});

describe('scope: a unit user sees its own sites only', () => {
  const as = { 'x-test-scope': encodeURIComponent(JSON.stringify(unitA)) };

  it('lists, counts and tables hold the unit’s sites; another unit’s site, finding and reviews are 404', async () => {
    const list = await get('/runs/2024Q2/sites?limit=500', as);
    expect(list.body.items.map((i: { site: { id: string } }) => i.site.id)).toEqual(['m1.example', 'a1.example']);
    expect(list.body).toMatchObject({ total: 2, all: 2 });
    expect((await get('/runs', as)).body.items[0].counts).toMatchObject({ sites: 2, checked: 2, failed: 2 });
    const tables = (await get('/runs/2024Q2/tables', as)).body;
    expect(tables.website.total).toMatchObject({ operating: 1, checked: 1, failed: 1 });
    expect(tables.newmedia.total).toMatchObject({ operating: 1, checked: 1, failed: 1 });
    expect((await get('/runs/2024Q2/sites/a1.example', as)).status).toBe(200);
    expect((await get('/runs/2024Q2/sites/b1.example', as)).status).toBe(404);
    expect((await get('/runs/2024Q2/sites/b1.example/findings', as)).status).toBe(404);
    const other = (await get('/runs/2024Q2/sites/b1.example/findings')).body.items[0].id;
    expect((await get(`/findings/${other}`, as)).status).toBe(404);
    expect((await get(`/findings/${other}/reviews`, as)).status).toBe(404);
    // A group-bound unit sees the group's sites.
    const groupScope = { 'x-test-scope': encodeURIComponent(JSON.stringify({ role: 'unit', units: { owners: [], groups: ['乙市'] } })) };
    expect((await get('/runs/2024Q2/sites', groupScope)).body.items.map((i: { site: { id: string } }) => i.site.id)).toEqual(['m2.example', 'b1.example', 'b2.example']);
  });

  it('a unit user may dispute its own finding, as itself, but not decide one; another unit’s finding is 404', async () => {
    const mine = (await get('/runs/2024Q2/sites/m1.example/findings')).body.items[0].id;
    const post = (id: number, body: object) => fetch(`${base}/api/v1/findings/${id}/reviews`, { method: 'POST', headers: { ...auth, ...as, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const decided = await post(mine, { status: 'false_positive', comment: '不是问题' });
    expect(decided.status).toBe(403);
    const disputed = await post(mine, { status: 'disputed', comment: '账号已于6月18日更新', reviewer: '冒名' });
    expect(disputed.status).toBe(201);
    expect(((await disputed.json()) as Json).review.reviewer).toBe('甲市办公室联络员');
    const other = (await get('/runs/2024Q2/sites/b2.example')).body;
    expect(other.findings.total).toBe(0);
    const theirs = (await get('/runs/2024Q2/sites/a2.example/findings')).body.items[0].id;
    expect((await post(theirs, { status: 'disputed', comment: 'x' })).status).toBe(404);
  });

  it('the HTML site list and site page follow the same scope', async () => {
    const page = await (await fetch(`${base}/runs/2024Q2/sites`, { headers: { ...auth, ...as } })).text();
    expect(page).toContain('甲市人民政府');
    expect(page).not.toContain('乙市人民政府');
    expect((await fetch(`${base}/runs/2024Q2/sites/b1.example`, { headers: { ...auth, ...as } })).status).toBe(404);
    expect((await fetch(`${base}/runs/2024Q2/sites/a1.example`, { headers: { ...auth, ...as } })).status).toBe(200);
  });
});

describe('the HTML lists are paginated', () => {
  it('shows 100 sites a page with links to the others, filters kept', async () => {
    const first = await (await fetch(`${base}/runs/2024Q2/sites?group=丙市`, { headers: auth })).text();
    expect(first).toContain('共 127 个，符合条件 120 个，显示第 1–100 个');
    expect((first.match(/<tr class="st-/g) ?? []).length).toBe(100);
    expect(first).toContain('href="/runs/2024Q2/sites?group=%E4%B8%99%E5%B8%82&amp;page=2&amp;lang=zh"');
    const second = await (await fetch(`${base}/runs/2024Q2/sites?group=丙市&page=2`, { headers: auth })).text();
    expect((second.match(/<tr class="st-/g) ?? []).length).toBe(20);
    expect(second).toContain('显示第 101–120 个');
  });

  it('a site’s findings come a page at a time; an indicator link opens the page of its finding', async () => {
    const res = await fetch(`${base}/runs/2024Q2/sites/a3.example`, { headers: auth });
    const html = await res.text();
    expect(res.status).toBe(200);
    // 46 findings fit one page (200): no pager.
    expect(html).not.toContain('findings-pager');
    expect((html.match(/<article class="finding/g) ?? []).length).toBe(46);
  });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3 document and lists exactly the API’s routes', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`, { headers: auth });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(doc.openapi).toBe('3.0.3');
    // A structural and semantic validation against the OpenAPI 3 schema (swagger-parser); it dereferences, so give it a copy.
    await SwaggerParser.validate(structuredClone(doc));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const routes = API_ROUTES.map((r) => `${r.method} /api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`).sort();
    expect(documented).toEqual(routes);
    expect(documented).toContain('GET /api/v1/runs/{runId}/tables');
    expect(documented).toContain('POST /api/v1/findings/{id}/reviews');
    for (const r of API_ROUTES) expect(app.hasRoute({ method: r.method, url: `/api/v1${r.path}` }), `${r.method} ${r.path}`).toBe(true);
    // Every documented GET answers (with the example ids), with JSON.
    const fid = (await get('/runs/2024Q2/sites/a1.example/findings')).body.items[0].id;
    for (const d of documented.filter((x) => x.startsWith('GET '))) {
      const p = d.slice(4).replace('{runId}', '2024Q2').replace('{siteId}', 'a1.example').replace('{id}', String(fid));
      const r = await fetch(`${base}${p}`, { headers: auth });
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type'), p).toMatch(/application\/json/);
    }
  });
});

describe('personal API tokens (accounts)', () => {
  let accountsApp: FastifyInstance;
  let accountsBase = '';
  let unitToken = '';
  beforeAll(async () => {
    // A copy of the province's database with accounts: a unit user of 甲市人民政府办公室 and its API token.
    const copy = path.join(tmp.dir, 'accounts.db');
    const src = openDb(dbFile);
    src.exec(`VACUUM INTO '${copy}'`);
    src.close();
    const db = openDb(copy);
    unitToken = addUser(db, { name: 'jia-office', role: 'unit', password: 'jia-office-password-1', owners: ['甲市人民政府办公室'] }, { name: 'test' }).token;
    db.close();
    accountsApp = await buildApp({ db: copy, host: '127.0.0.1', config, groups });
    accountsBase = await accountsApp.listen({ host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    await accountsApp?.close();
  });

  it('a unit user’s token reads its own sites only and disputes without a CSRF token; the audit log records it', async () => {
    const h = { authorization: `Bearer ${unitToken}` };
    const list = (await (await fetch(`${accountsBase}/api/v1/runs/2024Q2/sites`, { headers: h })).json()) as Json;
    expect(list.items.map((i: { site: { id: string } }) => i.site.id)).toEqual(['m1.example', 'a1.example']);
    expect((await fetch(`${accountsBase}/api/v1/runs/2024Q2/sites/b1.example`, { headers: h })).status).toBe(404);
    expect((await fetch(`${accountsBase}/api/v1/runs/2024Q2/sites`)).status).toBe(401);
    const f = ((await (await fetch(`${accountsBase}/api/v1/runs/2024Q2/sites/a1.example/findings?severity=deduction`, { headers: h })).json()) as Json).items[0];
    const res = await fetch(`${accountsBase}/api/v1/findings/${f.id}/reviews`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'disputed', comment: '链接已修复' }) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as Json).review.reviewer).toBe('jia-office');
    const db = openDb(path.join(tmp.dir, 'accounts.db'));
    const row = db.prepare(`SELECT actor, action, after_json FROM audit_log WHERE action = 'review.add' ORDER BY id DESC LIMIT 1`).get() as { actor: string; action: string; after_json: string };
    db.close();
    expect(row.actor).toBe('jia-office');
    expect(JSON.parse(row.after_json)).toMatchObject({ status: 'disputed', finding: f.id, via: 'api' });
  });
});
