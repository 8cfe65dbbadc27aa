/**
 * `govcheck serve`: the review server. Fastify 5, server-rendered pages (Chinese by default, English with the
 * switch), light JavaScript only for the charts (ECharts, served from the installed package; no CDN). Notes:
 * docs/modules.md.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as stringifyYaml } from 'yaml';
import type { Lang } from '../check-api/api.js';
import { loadChecks } from '../check-api/registry.js';
import type { Config, Rules } from '../config.js';
import type { GroupsConfig } from '../registry/groups.js';
import { previousRun as previousQuarterRun } from '../rollup/index.js';
import { openDb, storeErrorFrom, type DB, type RunRow } from '../store/db.js';
import { addAllowListEntry, allowListAsDictionary, findingById, listAllowList, removeAllowListEntry, REVIEW_STATUSES, runRules, ReviewError, type ReviewStatus } from '../store/reviews.js';
import type { SiteRef } from '../types.js';
import { falsePositiveCount, getRun, listRuns, loadSiteView, previousRun, problemsByRule, quarterRuns, runSites, siteChanges } from './data.js';
import { available, contentType, DOWNLOADS, fileName, runOverview, runReport } from './downloads.js';
import { translator, type T } from './i18n.js';
import type { PageCtx } from './layout.js';
import { allowListPage, errorPage, runPage, runsPage, siteHref, sitesPage, sitePage, type SiteFilters } from './pages.js';
import { mountQueues, QUEUES_PREFIX, type MountedQueues } from './queues.js';
import { InProcessRechecker, type Rechecker, runCheckIds } from './recheck.js';
import { QueueRechecker } from './recheck-queue.js';
import { API_PREFIX, apiV1 } from './api-v1.js';
import { escapeHtml } from './html.js';
import { accountsMode, actorOf, authenticate as authenticateRequest, registerLoginRoutes } from './auth.js';
import { registerRectification, scopedRuns, siteOf } from './rectification.js';
import { inScope, scopeOf, type Scope } from './scope.js';
import { addReviewAudited, audit } from '../store/audit.js';
import { serveSecret } from '../store/accounts.js';
import { checksOfRun, groupsOfRun, querySites, rulesWithProblems } from './site-query.js';
import { assertListenSafe, cookieSecret, cookieText, CSRF_COOKIE, headerSafe, HostPolicy, LoginLimiter, sameOrigin, setSecurityHeaders } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** src/server/static, from sources and from dist/src/server alike. */
export const STATIC_DIR = existsSync(path.join(here, 'static', 'app.js')) ? path.join(here, 'static') : path.resolve(here, '../../../src/server/static');

export interface ServeOptions {
  /** Database file, or an open database (left open on close). */
  db: string | DB;
  /** Address the server will listen on (checked: non-loopback needs a token). */
  host: string;
  /** Access token (password); required on a non-loopback address, optional on loopback. */
  token?: string;
  config: Config;
  groups: GroupsConfig;
  /** Default language of the pages. */
  lang?: Lang;
  /** How re-checks run (default: in this process). */
  rechecker?: Rechecker;
  /** Folder for evidence screenshots of re-checks. */
  evidenceDir?: string;
  /** Mount Bull Board under /admin/queues for this Redis. */
  redisUrl?: string;
  queueNames?: string[];
  /** Trust X-Forwarded-* (behind a TLS-terminating proxy: HSTS and Secure cookies follow the original scheme). */
  trustProxy?: boolean;
  /**
   * Host names the server is reached by besides the loopback names, the listen address and the config's
   * `serve.publicHosts` (`NAME` or `NAME:PORT`): requests naming any other host get 421 (DNS rebinding).
   */
  publicHosts?: string[];
  /** Days a unit has to rectify a finding when no reminder letter gives a reply-by date (default config serve.rectifyDays, 15). */
  rectifyDays?: number;
  /** Wrong tokens (login form and Bearer together) per address before a lock-out, and the window (default 10 in 10 minutes). */
  loginLimit?: { max?: number; windowMs?: number };
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    t: T;
    /** The access token was presented (Bearer) or a login cookie is valid; set once per request. */
    authOk: boolean;
    /** Authenticated by an `Authorization: Bearer` token (not a cookie): CSRF tokens do not apply. */
    tokenAuth: boolean;
  }
}

const ONE_DAY = 24 * 3600;

/** `fpage` (a page of a site's findings) and `finding` (the page holding that finding) from a query. */
function pageParams(q: Record<string, unknown>): { page?: number; findingId?: number } {
  const num = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined);
  return { page: num(q.fpage), findingId: num(q.finding) };
}
/** Sites per page of the site list. */
const SITES_PER_PAGE = 100;

export async function buildApp(o: ServeOptions): Promise<FastifyInstance> {
  const ownDb = typeof o.db === 'string';
  // A database the user may not write is served read-only: pages and downloads work, writes answer 503.
  const db = typeof o.db === 'string' ? openDb(o.db, { readOnlyOk: true }) : o.db;
  try {
    // Accounts (govcheck user add) protect the pages like a token does.
    assertListenSafe(o.host, o.token, accountsMode(db));
  } catch (e) {
    if (ownDb) db.close();
    throw e;
  }
  const hosts = new HostPolicy(o.host, [...(o.config.serve?.publicHosts ?? []), ...(o.publicHosts ?? [])]);
  const limiter = new LoginLimiter(o.loginLimit?.max, o.loginLimit?.windowMs);
  // Each run is shown and re-scored with the indicator rules it was judged with (src/store/reviews.ts
  // `runRules`: stored on the run; the default rules for runs made before they were stored), never with
  // this server's config, so a run made with custom rules keeps them.
  const rulesOf = (runId: string): Rules => runRules(db, runId);
  const defaultLang: Lang = o.lang ?? o.config.lang ?? 'zh';
  // With Redis, re-checks go through the queue (a worker checks the site; the result is stored here or by
  // govcheck collect); without it, in this process.
  const rechecker = o.rechecker ?? (o.redisUrl ? new QueueRechecker(db, { redisUrl: o.redisUrl, config: o.config }) : new InProcessRechecker(db, { config: o.config, evidenceDir: o.evidenceDir }));
  const checkModules = await loadChecks();
  const titles = Object.fromEntries(checkModules.map((c) => [c.meta.id, c.meta.title]));

  const app = Fastify({ logger: o.logger ?? false, trustProxy: o.trustProxy ?? false, bodyLimit: 64 * 1024 });
  // Signed cookies: the key is derived from the shared token, else kept in the database (sessions survive a restart).
  await app.register(cookie, { secret: o.token ? cookieSecret(o.token) : (serveSecret(db) ?? cookieSecret(undefined)) });
  await app.register(formbody);
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure: 'auto' },
    getToken: (req: FastifyRequest) => (req.body as Record<string, string> | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });

  let queues: MountedQueues | undefined;
  const queuesMounted = !!o.redisUrl;

  app.decorateRequest('lang', 'zh');
  app.decorateRequest('t', null as unknown as T);
  app.decorateRequest('authOk', false);
  app.decorateRequest('tokenAuth', false);

  const tooMany = (reply: FastifyReply) =>
    reply
      .code(429)
      .header('cache-control', 'no-store')
      .header('retry-after', String(Math.ceil(limiter.windowMs / 1000)))
      .type('text/plain; charset=utf-8')
      .send('429 too many wrong tokens from this address; wait 10 minutes (错误令牌次数过多，请稍后再试)\n');

  const isPublic = (p: string) => p === '/login' || p === '/healthz' || p === '/favicon.ico' || p.startsWith('/static/');

  const MISDIRECTED = `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>421</title></head><body><h1>421</h1><p>${escapeHtml('此地址不由本服务器提供。请使用 govcheck serve 启动时显示的地址，或以 --public-host 配置对外名称。')}</p><p>${escapeHtml('Misdirected request: this server does not answer for that host name. Use the address govcheck serve printed, or configure the name with --public-host.')}</p></body></html>\n`;

  app.addHook('onRequest', async (req, reply) => {
    setSecurityHeaders(req, reply, QUEUES_PREFIX);
    // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example.
    if (!hosts.allows(req.headers.host, req.socket?.localPort)) {
      return reply.code(421).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(MISDIRECTED);
    }
    const url = new URL(req.url, 'http://x');
    // One reading of the path: the router matches the raw path, the access decision below reads the URL's
    // path. A raw path that a browser would read otherwise (\ for /, dot segments, absolute form) could be
    // public to one and protected to the other, so it is refused before either decides.
    if (url.pathname !== req.url.split('?')[0]) return reply.code(400).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('400 non-canonical path (路径不规范)\n');
    const q = url.searchParams.get('lang');
    const fromCookie = req.cookies.govcheck_lang;
    const lang: Lang = q === 'zh' || q === 'en' ? q : fromCookie === 'zh' || fromCookie === 'en' ? fromCookie : defaultLang;
    if ((q === 'zh' || q === 'en') && q !== fromCookie) reply.setCookie('govcheck_lang', q, { path: '/', sameSite: 'strict', httpOnly: true, secure: 'auto', maxAge: 365 * ONE_DAY });
    req.lang = lang;
    req.t = translator(lang);
    const auth = authenticateRequest({ db, token: o.token, limiter }, req);
    if (auth === 'locked') return tooMany(reply);
    req.authOk = !!auth;
    if (auth) req.scope = auth;
    if (!isPublic(url.pathname) && !req.authOk) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (url.pathname.startsWith(QUEUES_PREFIX + '/api')) return reply.code(401).send({ error: 'unauthorized' });
      }
      if (url.pathname.startsWith(API_PREFIX + '/')) return reply.code(401).header('cache-control', 'no-store').send({ statusCode: 401, error: 'Unauthorized', message: 'give the access token (Authorization: Bearer TOKEN) or log in' });
      if (req.method === 'GET' || req.method === 'HEAD') return reply.code(303).redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      return reply.code(401).type('text/plain; charset=utf-8').send('401 unauthorized\n');
    }
    // Bull Board (every run's queue) is for administrators only.
    if ((url.pathname === QUEUES_PREFIX || url.pathname.startsWith(QUEUES_PREFIX + '/')) && req.scope && req.scope.role !== 'admin') {
      return reply.code(403).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('403 administrators only\n');
    }
  });

  // Every state-changing request: same origin, and (outside Bull Board's own API) a valid CSRF token.
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return done();
    if (!sameOrigin(req, hosts)) {
      reply.code(403);
      return done(Object.assign(new Error('cross-origin request refused'), { statusCode: 403, code: 'GOVCHECK_CROSS_ORIGIN' }));
    }
    if (req.url.startsWith(QUEUES_PREFIX + '/')) {
      // Bull Board's UI calls its API with fetch: it has no CSRF token, so require the browser to say the
      // request comes from this origin (cookies are SameSite=Strict as well).
      const site = req.headers['sec-fetch-site'];
      if (!req.headers.origin && site !== 'same-origin') {
        reply.code(403);
        return done(Object.assign(new Error('request without origin refused'), { statusCode: 403, code: 'GOVCHECK_CROSS_ORIGIN' }));
      }
      return done();
    }
    // A Bearer token is not sent by a browser on its own (unlike a cookie): no cross-site request can carry it.
    if (req.tokenAuth) return done();
    app.csrfProtection(req, reply, done);
  });

  const ctxOf = (req: FastifyRequest, reply: FastifyReply): PageCtx => {
    const url = new URL(req.url, 'http://x');
    const query = new URLSearchParams(url.search);
    query.delete('lang');
    let token: string | undefined;
    const scope = scopeOf(req);
    return {
      user: scope.user?.name,
      role: scope.role,
      lang: req.lang,
      t: req.t,
      path: url.pathname,
      query,
      csrf: () => (token ??= reply.generateCsrf()),
      authRequired: !!o.token || accountsMode(db),
      queues: queuesMounted,
      reviewer: scope.user?.name ?? (typeof req.cookies.govcheck_reviewer === 'string' ? cookieText(req.cookies.govcheck_reviewer, 100) : ''),
    };
  };

  const sendPage = (reply: FastifyReply, body: string, status = 200) => reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // A database problem (read-only file, lock held, disk full) is one line for the user, not a stack.
    if (err.name === 'SqliteError') {
      req.log.error(err);
      const m = storeErrorFrom(err, typeof o.db === 'string' ? o.db : undefined).message;
      return sendPage(reply, errorPage(ctxOf(req, reply), 503, m), 503);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error(err);
    const t = req.t ?? translator(defaultLang);
    const message = status === 403 || err.code?.startsWith('FST_CSRF') ? t('forbidden') : status === 400 || err instanceof ReviewError ? `${t('badRequest')}: ${err.message}` : status === 404 ? t('notFound') : `${status}: ${err.message}`;
    if (req.url.startsWith(QUEUES_PREFIX + '/api')) return reply.code(status).send({ error: message });
    return sendPage(reply, errorPage(ctxOf(req, reply), err instanceof ReviewError ? 400 : status, message), err instanceof ReviewError ? 400 : status);
  });
  app.setNotFoundHandler((req, reply) => sendPage(reply, errorPage(ctxOf(req, reply), 404, req.t.call(null, 'notFound')), 404));

  // ------------------------------------------------------------ static files (read once)
  const require = createRequire(import.meta.url);
  const assets = new Map<string, { body: Buffer; type: string }>([
    ['/static/echarts.min.js', { body: readFileSync(require.resolve('echarts/dist/echarts.min.js')), type: 'text/javascript; charset=utf-8' }],
    ['/static/app.js', { body: readFileSync(path.join(STATIC_DIR, 'app.js')), type: 'text/javascript; charset=utf-8' }],
    ['/static/app.css', { body: readFileSync(path.join(STATIC_DIR, 'app.css')), type: 'text/css; charset=utf-8' }],
  ]);
  for (const [p, a] of assets) {
    app.get(p, (_req, reply) => reply.header('cache-control', 'public, max-age=3600').type(a.type).send(a.body));
  }
  app.get('/favicon.ico', (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get('/healthz', (_req, reply) => reply.type('text/plain').send('ok\n'));

  // ------------------------------------------------------------ login
  // Every redirect goes through here: a Location built from stored ids or client input never throws.
  const redirect = (reply: FastifyReply, to: string) => reply.code(303).redirect(headerSafe(to));
  registerLoginRoutes(app, { db, token: o.token, limiter, ctxOf, sendPage, redirect, tooMany });

  // ------------------------------------------------------------ pages
  const runOr404 = (runId: string): RunRow => {
    const run = getRun(db, runId);
    if (!run) throw Object.assign(new Error('no such run'), { statusCode: 404 });
    return run;
  };
  const previousOf = (run: RunRow): RunRow | undefined => (run.kind === 'quarter' ? previousQuarterRun(db, run) : previousRun(db, run));

  app.get('/', (req, reply) => sendPage(reply, runsPage(ctxOf(req, reply), scopedRuns(db, scopeOf(req), listRuns(db)))));

  /** Role check of an action: 403 for a role that may not do it. */
  const allow = (scope: Scope, ...roles: Scope['role'][]) => {
    if (!roles.includes(scope.role)) throw Object.assign(new Error('not allowed for this role'), { statusCode: 403 });
  };
  /** A site outside the asker's scope is answered like one that does not exist. */
  const siteInScope = (req: FastifyRequest, runId: string, siteId: string) => {
    const site = siteOf(db, runId, siteId);
    if (!site || !inScope(scopeOf(req), site)) throw Object.assign(new Error('no such site in this run'), { statusCode: 404 });
    return site;
  };

  app.get('/runs/:runId', (req, reply) => {
    const run = runOr404((req.params as { runId: string }).runId);
    // A unit sees its own sites, not the province's tables.
    if (scopeOf(req).units !== 'all') return redirect(reply, `/runs/${encodeURIComponent(run.id)}/sites`);
    const rules = rulesOf(run.id);
    const ov = runOverview(db, run, rules, o.groups);
    const runs = listRuns(db);
    const me = runs.find((r) => r.id === run.id)!;
    const falsePositives = falsePositiveCount(db, run.id);
    const prev = previousOf(run);
    const changes = ov.changes
      ? { previous: prev!, totals: ov.changes.totals }
      : prev
        ? (() => {
            // Ad-hoc runs: compare each site with its result in the previous run.
            const totals = { new: 0, fixed: 0, persisting: 0 };
            for (const s of runSites(db, run.id)) {
              const v = loadSiteView(db, run.id, s.site.id, { light: true });
              if (!v) continue;
              const c = siteChanges(db, v.findings, prev.id, s.site.id, rules);
              totals.new += c.newKeys.size;
              totals.persisting += c.persistingKeys.size;
              totals.fixed += c.fixed.length;
            }
            return { previous: prev, totals };
          })()
        : undefined;
    const trendRuns = run.kind === 'quarter' ? quarterRuns(db).filter((r) => !run.quarter || (r.quarter ?? '') <= run.quarter) : [];
    const trend = trendRuns.map((r) => {
      const x = runs.find((y) => y.id === r.id)!;
      return { label: r.quarter ?? r.id, rate: x.checked ? Math.round((x.failed / x.checked) * 10000) / 100 : 0, current: r.id === run.id };
    });
    const lang = req.lang;
    return sendPage(
      reply,
      runPage(ctxOf(req, reply), {
        run,
        tables: ov.tables,
        failing: ov.failing,
        counts: { checked: me.checked, failed: me.failed, errors: me.errors, disputed: me.disputed, falsePositives },
        categories: problemsByRule(db, run.id, rules),
        trend,
        changes,
        downloads: DOWNLOADS.map((d) => ({ name: d.name, label: d.label[lang], format: d.format, available: available(d, run, !!ov.changes) })),
        rules,
      }),
    );
  });

  app.get('/runs/:runId/sites', (req, reply) => {
    const run = runOr404((req.params as { runId: string }).runId);
    const q = req.query as Record<string, string | undefined>;
    const filters: SiteFilters = {};
    for (const k of ['group', 'kind', 'verdict', 'check', 'category', 'review', 'q'] as const) {
      const v = typeof q[k] === 'string' ? q[k]!.trim().slice(0, 200) : '';
      if (v) filters[k] = v;
    }
    const rules = rulesOf(run.id);
    const scope = scopeOf(req);
    const page = /^\d{1,6}$/.test(q.page ?? '') ? Number(q.page) : 1;
    const list = querySites(db, run.id, { filters: { ...filters, status: filters.verdict, rule: filters.category }, scope, rules, groups: o.groups, page, limit: SITES_PER_PAGE });
    return sendPage(
      reply,
      sitesPage(ctxOf(req, reply), {
        run,
        rows: list.items,
        total: list.all,
        matched: list.total,
        page: list.page,
        pages: list.pages,
        perPage: list.limit,
        filters,
        groups: groupsOfRun(db, run.id, scope, o.groups),
        checks: checksOfRun(db, run.id).map((id) => ({ id, title: titles[id]?.[req.lang] ?? id })),
        categories: rulesWithProblems(db, run.id, rules),
        rules,
      }),
    );
  });

  const FLASHES = { reviewed: 'reviewSaved', allowed: 'allowSaved' } as const;
  app.get('/runs/:runId/sites/:siteId', async (req, reply) => {
    const { runId, siteId } = req.params as { runId: string; siteId: string };
    const view = loadSiteView(db, runId, siteId, { light: true });
    if (!view || !inScope(scopeOf(req), view.site)) throw Object.assign(new Error('no such site in this run'), { statusCode: 404 });
    const rules = rulesOf(runId);
    const prev = previousOf(view.run);
    const changes = prev ? { previous: prev, ...siteChanges(db, view.findings, prev.id, siteId, rules) } : undefined;
    const done = (req.query as Record<string, string>).done as keyof typeof FLASHES | undefined;
    const flashKey = done && done in FLASHES ? FLASHES[done] : undefined;
    const recheck = await rechecker.status(runId, siteId);
    return sendPage(
      reply,
      sitePage(ctxOf(req, reply), {
        view,
        rules,
        titles,
        changes,
        recheck,
        flash: flashKey && !(recheck && (recheck.state === 'running' || recheck.state === 'queued')) ? { kind: 'ok', text: req.t(flashKey) } : undefined,
        db,
        findingsPage: pageParams(req.query as Record<string, unknown>),
      }),
    );
  });

  // ------------------------------------------------------------ actions
  const rememberReviewer = (reply: FastifyReply, name: string) => reply.setCookie('govcheck_reviewer', cookieText(name, 100), { path: '/', sameSite: 'strict', httpOnly: true, secure: 'auto', maxAge: 365 * ONE_DAY });

  const findingOr404 = (id: string, req: FastifyRequest) => {
    const f = /^\d{1,15}$/.test(id) ? findingById(db, Number(id)) : undefined;
    const site = f ? siteOf(db, f.run_id, f.site_id) : undefined;
    if (!f || !site || !inScope(scopeOf(req), site)) throw Object.assign(new Error('no such finding'), { statusCode: 404 });
    return f;
  };
  const actor = (req: FastifyRequest) => actorOf(scopeOf(req), !!o.token);

  app.post('/findings/:id/review', (req, reply) => {
    const f = findingOr404((req.params as { id: string }).id, req);
    const body = (req.body ?? {}) as Record<string, string>;
    const status = body.status as ReviewStatus;
    if (!REVIEW_STATUSES.includes(status)) throw new ReviewError(`unknown review status: ${String(body.status)}`);
    const scope = scopeOf(req);
    // A unit disputes; only inspectors (and administrators) decide a dispute.
    if (status !== 'disputed') allow(scope, 'admin', 'inspector');
    // The signed-in user is the reviewer; the self-declared name only in the one-person modes.
    const reviewer = scope.user?.name ?? String(body.reviewer ?? '');
    const who = actor(req);
    addReviewAudited(db, f, { status, comment: String(body.comment ?? ''), reviewer }, who);
    if (!scope.user) rememberReviewer(reply, String(body.reviewer ?? '').trim());
    return redirect(reply, `${siteHref(f.run_id, f.site_id)}?done=reviewed#f-${f.id}`);
  });

  app.post('/findings/:id/allow-list', (req, reply) => {
    const scope = scopeOf(req);
    allow(scope, 'admin', 'inspector');
    const f = findingOr404((req.params as { id: string }).id, req);
    const body = (req.body ?? {}) as Record<string, string>;
    const who = actor(req);
    db.transaction(() => {
      const e = addAllowListEntry(db, { findingId: f.id, allSites: body.scope === 'all', comment: String(body.comment ?? ''), reviewer: scope.user?.name ?? String(body.reviewer ?? '') });
      audit(db, { actor: who.name, userId: who.userId, action: 'allow-list.add', target: `${e.check_id} ${e.scope} ${e.value}`, before: null, after: e });
    })();
    if (!scope.user) rememberReviewer(reply, String(body.reviewer ?? '').trim());
    return redirect(reply, `${siteHref(f.run_id, f.site_id)}?done=allowed#f-${f.id}`);
  });

  app.get('/allow-list', (req, reply) => {
    allow(scopeOf(req), 'admin', 'inspector');
    const removed = (req.query as Record<string, string>).done === 'removed';
    return sendPage(reply, allowListPage(ctxOf(req, reply), listAllowList(db), titles, removed ? { kind: 'ok', text: req.t('allowRemoved') } : undefined));
  });
  // Text entries in the dictionaries' allow-list format (config/dictionaries/allow.yaml), for the text checks.
  app.get('/allow-list.yaml', (req, reply) => {
    allow(scopeOf(req), 'admin', 'inspector');
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="allow-reviews.yaml"')
      .type('text/yaml; charset=utf-8')
      .send(stringifyYaml(allowListAsDictionary(listAllowList(db))));
  });
  app.post('/allow-list/:id/remove', (req, reply) => {
    allow(scopeOf(req), 'admin', 'inspector');
    const id = (req.params as { id: string }).id;
    const before = /^\d{1,15}$/.test(id) ? db.prepare(`SELECT * FROM allow_list WHERE id = ?`).get(Number(id)) : undefined;
    const who = actor(req);
    const removed = db.transaction(() => {
      if (!before || !removeAllowListEntry(db, Number(id))) return false;
      audit(db, { actor: who.name, userId: who.userId, action: 'allow-list.remove', target: id, before, after: null });
      return true;
    })();
    if (!removed) throw Object.assign(new Error('no such entry'), { statusCode: 404 });
    return redirect(reply, '/allow-list?done=removed');
  });

  app.post('/runs/:runId/sites/:siteId/recheck', async (req, reply) => {
    const { runId, siteId } = req.params as { runId: string; siteId: string };
    const run = runOr404(runId);
    // Units re-check through the rectification loop (a reported fix), not at will.
    allow(scopeOf(req), 'admin', 'inspector');
    siteInScope(req, runId, siteId);
    const snap = db.prepare(`SELECT site_json FROM run_sites WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as { site_json: string } | undefined;
    let site: SiteRef | undefined = snap ? (JSON.parse(snap.site_json) as SiteRef) : undefined;
    if (!site) {
      const v = loadSiteView(db, runId, siteId);
      if (!v) throw Object.assign(new Error('no such site in this run'), { statusCode: 404 });
      site = { ...v.site, url: v.site.url };
      const render = (db.prepare(`SELECT render FROM sites WHERE id = ?`).get(siteId) as { render: string | null } | undefined)?.render;
      if (render === 'html' || render === 'browser') site.render = render;
    }
    const checks = runCheckIds(run);
    await rechecker.submit({ runId, site, asOf: run.as_of, checks });
    const who = actor(req);
    audit(db, { actor: who.name, userId: who.userId, action: 'recheck.submit', target: `${runId} ${siteId}`, after: { via: rechecker.via } });
    return redirect(reply, siteHref(runId, siteId));
  });

  app.get('/findings/:id/screenshot', async (req, reply) => {
    const f = findingOr404((req.params as { id: string }).id, req);
    const row = db.prepare(`SELECT evidence_json FROM findings WHERE id = ?`).get(f.id) as { evidence_json: string };
    const shot = (JSON.parse(row.evidence_json) as { screenshot?: unknown }).screenshot;
    if (typeof shot !== 'string' || !/\.png$/i.test(shot)) throw Object.assign(new Error('no screenshot'), { statusCode: 404 });
    const file = path.isAbsolute(shot) ? shot : path.resolve(o.evidenceDir ?? (typeof o.db === 'string' ? path.dirname(path.resolve(o.db)) : process.cwd()), shot);
    // Only PNG files recorded as evidence are served (the path comes from our own store, never from the request).
    const fh = await open(file, 'r').catch(() => undefined);
    if (!fh) throw Object.assign(new Error('screenshot file missing'), { statusCode: 404 });
    try {
      const body = await fh.readFile();
      if (body.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw Object.assign(new Error('not a PNG'), { statusCode: 404 });
      return reply.header('cache-control', 'private, max-age=600').type('image/png').send(body);
    } finally {
      await fh.close();
    }
  });

  app.get('/runs/:runId/download/:name', async (req, reply) => {
    const { runId, name } = req.params as { runId: string; name: string };
    const run = runOr404(runId);
    // The notice's tables and lists name every unit: not for unit users.
    if (scopeOf(req).units !== 'all') throw Object.assign(new Error('no such download'), { statusCode: 404 });
    const d = DOWNLOADS.find((x) => x.name === name);
    if (!d) throw Object.assign(new Error('no such download'), { statusCode: 404 });
    const rr = runReport(db, run, rulesOf(run.id), o.groups);
    if (!available(d, run, !!rr.report?.changes)) throw Object.assign(new Error('not available for this run'), { statusCode: 404 });
    const body = await d.make(rr, req.lang);
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${headerSafe(fileName(d, rr))}"`)
      .type(contentType(d.format))
      .send(body);
  });

  registerRectification(app, {
    db,
    rechecker,
    ctxOf,
    sendPage,
    redirect,
    actor,
    rectifyDays: o.rectifyDays ?? o.config.serve?.rectifyDays,
    runRules: rulesOf,
    previousOf: (run) => (run.kind === 'quarter' ? previousQuarterRun(db, run) : undefined),
  });

  await app.register(apiV1, { prefix: API_PREFIX, db, groups: o.groups, rulesOf, sharedToken: !!o.token });

  if (o.redisUrl) queues = await mountQueues(app, { redisUrl: o.redisUrl, names: o.queueNames });

  app.addHook('onClose', async () => {
    await rechecker.close();
    await queues?.close();
    if (ownDb) db.close();
  });
  return app;
}
