/**
 * `/api/v1`: the review server's JSON API (registered by app.ts under the same access control as the pages). Notes:
 * docs/modules.md.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Rules } from '../config.js';
import type { GroupsConfig } from '../registry/groups.js';
import { computeTable, loadRunSites } from '../rollup/index.js';
import { tableJson } from '../report/tables.js';
import { parseQuarter } from '../run/quarter.js';
import { findingFromRow, storeErrorFrom, type DB, type RunRow } from '../store/db.js';
import { currentReviews, findingById, REVIEW_STATUSES, ReviewError, reviewHistory, type ReviewRow, type ReviewStatus } from '../store/reviews.js';
import { fillFindings, getRun, loadSiteView, runSites, type FindingView } from './data.js';
import { quarterOfDate } from './downloads.js';
import { findingsPage } from './pages.js';
import { inScope, scopeOf, type Scope } from './scope.js';
import { AUTH_COOKIE } from './security.js';
import { actorOf } from './auth.js';
import { addReviewAudited } from '../store/audit.js';
import { querySites, SITE_STATUSES, siteUnit, statusCounts } from './site-query.js';

export const API_PREFIX = '/api/v1';

export interface ApiV1Options {
  db: DB;
  groups: GroupsConfig;
  /** The indicator rules a run is judged with (app.ts: `runRules`). */
  rulesOf(runId: string): Rules;
  /** A shared access token is configured (the actor of a change without accounts is 'token', else 'local'). */
  sharedToken?: boolean;
  /** Version of govcheck, for the document's info. */
  version?: string;
}

// ------------------------------------------------------------------ schemas (one source: validation, output, OpenAPI)

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const free = { type: 'object', additionalProperties: true } as const;
const ref = (id: string) => ({ $ref: `${id}#` }) as const;

const SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: { statusCode: int, error: str, message: str },
  },
  {
    $id: 'Counts',
    type: 'object',
    description: 'Sites of the run within the caller’s scope, by status. failRate = failed / checked × 100 (two decimals, as the notice prints it).',
    required: ['sites', 'planned', 'checked', 'failed', 'errors', 'unchecked', 'failRate'],
    properties: { sites: int, planned: int, checked: int, failed: int, errors: int, unchecked: int, failRate: str },
  },
  {
    $id: 'Run',
    type: 'object',
    required: ['id', 'kind', 'asOf', 'status', 'createdAt', 'counts'],
    properties: {
      id: str,
      kind: { type: 'string', enum: ['adhoc', 'quarter'] },
      quarter: str,
      asOf: str,
      status: { type: 'string', enum: ['running', 'done', 'interrupted'] },
      createdAt: str,
      finishedAt: str,
      counts: ref('Counts'),
    },
  },
  {
    $id: 'TableRow',
    type: 'object',
    required: ['group', 'operating', 'checked', 'failed', 'rate'],
    properties: { seq: int, group: str, operating: int, checked: int, failed: int, rate: str },
  },
  {
    $id: 'Table',
    type: 'object',
    description: 'One attachment table of the notice: the same object as `govcheck table --format json`.',
    required: ['attachment', 'title', 'kind', 'quarter', 'runId', 'asOf', 'headers', 'rows', 'total', 'errors', 'unfinished'],
    properties: {
      attachment: str,
      title: str,
      kind: { type: 'string', enum: ['website', 'newmedia'] },
      quarter: str,
      runId: str,
      asOf: str,
      headers: { type: 'array', items: str },
      rows: { type: 'array', items: ref('TableRow') },
      total: ref('TableRow'),
      errors: int,
      unfinished: int,
    },
  },
  {
    $id: 'Site',
    type: 'object',
    required: ['id', 'url', 'kind'],
    properties: { id: str, url: str, name: str, kind: { type: 'string', enum: ['website', 'newmedia'] }, group: str, owner: str, siteCode: str, platform: str, source: str },
  },
  {
    $id: 'RuleHit',
    type: 'object',
    required: ['rule', 'kind', 'points', 'findings'],
    properties: { rule: str, kind: { type: 'string', enum: ['veto', 'deduction'] }, points: num, findings: int },
  },
  {
    $id: 'SiteListItem',
    type: 'object',
    required: ['site', 'status', 'decidedBy', 'problems', 'disputed', 'falsePositives', 'failingChecks', 'rules'],
    properties: {
      site: ref('Site'),
      status: { type: 'string', enum: [...SITE_STATUSES] },
      score: num,
      decidedBy: { type: 'array', items: ref('RuleHit') },
      errorKind: str,
      problems: { type: 'integer', description: 'Findings that are problems (veto, deduction, warning), not excluded.' },
      disputed: int,
      falsePositives: int,
      failingChecks: { type: 'array', items: str },
      rules: { type: 'array', items: str, description: 'Indicators with a problem that counts towards the verdict (reviews applied).' },
    },
  },
  {
    $id: 'SitePage',
    type: 'object',
    required: ['total', 'all', 'page', 'limit', 'pages', 'items'],
    properties: {
      total: { type: 'integer', description: 'Sites matching the filters.' },
      all: { type: 'integer', description: 'Sites of the run in scope, before the filters.' },
      page: int,
      limit: int,
      pages: int,
      items: { type: 'array', items: ref('SiteListItem') },
    },
  },
  {
    $id: 'Review',
    type: 'object',
    required: ['id', 'siteId', 'fingerprint', 'checkId', 'status', 'comment', 'reviewer', 'createdAt'],
    properties: {
      id: int,
      siteId: str,
      fingerprint: str,
      checkId: str,
      runId: str,
      findingId: int,
      status: { type: 'string', enum: [...REVIEW_STATUSES] },
      comment: str,
      reviewer: str,
      createdAt: str,
    },
  },
  {
    $id: 'Finding',
    type: 'object',
    required: ['id', 'runId', 'siteId', 'checkId', 'severity', 'tier', 'url', 'code', 'params', 'message', 'messageEn', 'evidence', 'fingerprint'],
    properties: {
      id: int,
      runId: str,
      siteId: str,
      checkId: str,
      rule: str,
      severity: { type: 'string', enum: ['veto', 'deduction', 'warning', 'info'] },
      tier: { type: 'string', enum: ['confirmed', 'suspected'] },
      points: num,
      url: str,
      target: str,
      code: str,
      params: free,
      message: str,
      messageEn: str,
      evidence: { type: 'object', additionalProperties: true, description: 'What was seen: page, location, snippet, expected/actual, screenshot (GET /findings/{id}/screenshot), …' },
      fingerprint: str,
      excluded: { type: 'string', enum: ['false_positive', 'allow_list'], description: 'Why the finding no longer counts (absent: it counts).' },
      review: ref('Review'),
    },
  },
  {
    $id: 'FindingPage',
    type: 'object',
    required: ['total', 'page', 'limit', 'pages', 'items'],
    properties: { total: int, page: int, limit: int, pages: int, items: { type: 'array', items: ref('Finding') } },
  },
  {
    $id: 'SiteResult',
    type: 'object',
    required: ['run', 'site', 'url', 'status', 'verdict', 'score', 'decidedBy', 'stats', 'startedAt', 'finishedAt', 'checks', 'findings'],
    properties: {
      run: { type: 'object', required: ['id', 'kind', 'asOf'], properties: { id: str, kind: str, quarter: str, asOf: str } },
      site: ref('Site'),
      url: str,
      status: { type: 'string', enum: ['pass', 'fail', 'error'] },
      verdict: { type: 'string', enum: ['pass', 'fail'] },
      score: num,
      decidedBy: { type: 'array', items: ref('RuleHit') },
      raw: {
        type: 'object',
        description: 'The verdict as first computed, before reviews excluded findings (absent: unchanged).',
        properties: { verdict: { type: 'string', enum: ['pass', 'fail'] }, score: num, decidedBy: { type: 'array', items: ref('RuleHit') } },
      },
      stats: free,
      error: { type: 'object', properties: { kind: str, message: str } },
      startedAt: str,
      finishedAt: str,
      checks: { type: 'array', items: { type: 'object', required: ['id', 'status'], properties: { id: str, status: str, error: str, summary: free } } },
      findings: ref('FindingPage'),
    },
  },
] as const;

const runParams = { type: 'object', required: ['runId'], properties: { runId: str } } as const;
const siteParams = { type: 'object', required: ['runId', 'siteId'], properties: { runId: str, siteId: str } } as const;
const findingParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } } as const;
const pageQuery = {
  page: { type: 'integer', minimum: 1, default: 1 },
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  lang: { type: 'string', enum: ['zh', 'en'] },
} as const;
const errors = { 400: ref('Error'), 401: ref('Error'), 403: ref('Error'), 404: ref('Error') } as const;
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { cookieAuth: [] }];

/** Every route of the API (method, path under the prefix): the test compares them with the OpenAPI document. */
export const API_ROUTES: Array<{ method: 'GET' | 'POST'; path: string }> = [];

function failRate(failed: number, checked: number): string {
  return checked ? String(Math.round((failed / checked) * 10000) / 100) : '0';
}

function runJson(db: DB, run: RunRow, scope: Scope) {
  const c = statusCounts(db, run.id, scope);
  return {
    id: run.id,
    kind: run.kind,
    quarter: run.quarter ?? undefined,
    asOf: run.as_of,
    status: run.status,
    createdAt: run.created_at,
    finishedAt: run.finished_at ?? undefined,
    counts: { ...c, failRate: failRate(c.failed, c.checked) },
  };
}

function reviewJson(r: ReviewRow) {
  return {
    id: r.id,
    siteId: r.site_id,
    fingerprint: r.fingerprint,
    checkId: r.check_id,
    runId: r.run_id ?? undefined,
    findingId: r.finding_id ?? undefined,
    status: r.status,
    comment: r.comment,
    reviewer: r.reviewer,
    createdAt: r.created_at,
  };
}

function findingJson(runId: string, siteId: string, f: FindingView) {
  const { review, ...rest } = f;
  return { ...rest, runId, siteId, review: review ? reviewJson(review) : undefined };
}

const notFound = (what: string) => Object.assign(new Error(`no such ${what}`), { statusCode: 404 });

export async function apiV1(api: FastifyInstance, o: ApiV1Options): Promise<void> {
  const { db } = o;

  await api.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'govcheck review API',
        version: o.version ?? '1',
        description: 'Runs, the notice’s tables, sites, results, findings with evidence and reviews of govcheck (政府网站与政务新媒体检查). Every answer is limited to the caller’s scope: a unit user sees its own sites only.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'The server’s access token (or a user’s API token).' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: AUTH_COOKIE, description: 'The login cookie of the pages; state-changing requests then need the X-CSRF-Token header (GET /api/v1/csrf).' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  for (const s of SCHEMAS) api.addSchema(s);

  const track = (method: 'GET' | 'POST', path: string) => {
    if (!API_ROUTES.some((r) => r.method === method && r.path === path)) API_ROUTES.push({ method, path });
  };
  api.addHook('onRoute', (r) => {
    if (r.schema && (r.schema as { hide?: boolean }).hide) return;
    for (const m of [r.method].flat() as string[]) if (m === 'GET' || m === 'POST') track(m, (r.url ?? '').slice(API_PREFIX.length) || '/');
  });

  const send = (reply: FastifyReply, status: number, message: string) => {
    const names: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' };
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .send({ statusCode: status, error: names[status] ?? 'Error', message });
  };
  api.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err.name === 'SqliteError') {
      req.log.error(err);
      return send(reply, 503, storeErrorFrom(err).message);
    }
    if (err instanceof ReviewError) return send(reply, 400, err.message);
    if (err.code?.startsWith('FST_CSRF')) return send(reply, 403, 'missing or invalid CSRF token (send X-CSRF-Token from GET /api/v1/csrf, or use a Bearer token)');
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error(err);
      return send(reply, status, 'internal error');
    }
    return send(reply, status, err.message);
  });
  api.setNotFoundHandler((_req, reply) => send(reply, 404, 'no such API route'));
  // JSON answers are never cached by a shared cache (they are per user).
  api.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const runOr404 = (runId: string): RunRow => {
    const run = getRun(db, runId);
    if (!run) throw notFound('run');
    return run;
  };
  /** A site of a run the caller may see, else 404 (another unit's site is not told apart from a missing one). */
  const siteOr404 = (req: FastifyRequest, runId: string, siteId: string) => {
    const unit = siteUnit(db, runId, siteId);
    if (!unit || !inScope(scopeOf(req), unit)) throw notFound('site in this run');
  };
  const findingOr404 = (req: FastifyRequest, id: string) => {
    const f = findingById(db, Number(id));
    if (!f) throw notFound('finding');
    siteOr404(req, f.run_id, f.site_id);
    return f;
  };
  /** The light view of a site of a run the caller may see, else 404. */
  const siteViewOr404 = (req: FastifyRequest, runId: string, siteId: string) => {
    siteOr404(req, runId, siteId);
    const v = loadSiteView(db, runId, siteId, { light: true });
    if (!v) throw notFound('site in this run');
    return v;
  };

  api.get('/openapi.json', { schema: { hide: true } }, () => api.swagger());

  api.get(
    '/csrf',
    {
      schema: {
        summary: 'A CSRF token for cookie-authenticated writes',
        description: 'Send it as X-CSRF-Token with POST requests authenticated by the login cookie (not needed with a Bearer token).',
        tags: ['session'],
        security,
        response: { 200: { type: 'object', required: ['token'], properties: { token: str } }, ...errors },
      },
    },
    (_req, reply) => ({ token: reply.generateCsrf() }),
  );

  api.get(
    '/runs',
    {
      schema: {
        summary: 'Runs, newest first, with their counts',
        tags: ['runs'],
        security,
        querystring: { type: 'object', properties: { lang: pageQuery.lang } },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Run') } } }, ...errors },
      },
    },
    (req) => {
      const runs = db.prepare(`SELECT * FROM runs ORDER BY created_at DESC, rowid DESC`).all() as RunRow[];
      return { items: runs.map((r) => runJson(db, r, scopeOf(req))) };
    },
  );

  api.get(
    '/runs/:runId',
    { schema: { summary: 'A run with its counts', tags: ['runs'], security, params: runParams, querystring: { type: 'object', properties: { lang: pageQuery.lang } }, response: { 200: ref('Run'), ...errors } } },
    (req) => runJson(db, runOr404((req.params as { runId: string }).runId), scopeOf(req)),
  );

  api.get(
    '/runs/:runId/tables',
    {
      schema: {
        summary: 'The notice’s two tables (附件1 websites, 附件2 new-media accounts)',
        description: 'Per department/region: 运作总数, 检查总数, 不合格数, 不合格率(%) and the 合计 row, computed by the roll-ups — the same JSON as `govcheck table --run ID --format json`. A unit user gets the tables of its own sites.',
        tags: ['runs'],
        security,
        params: runParams,
        querystring: { type: 'object', properties: { lang: pageQuery.lang } },
        response: { 200: { type: 'object', required: ['website', 'newmedia'], properties: { website: ref('Table'), newmedia: ref('Table') } }, ...errors },
      },
    },
    (req) => {
      const run = runOr404((req.params as { runId: string }).runId);
      const scope = scopeOf(req);
      // As the review app's downloads (downloads.ts runReport): a quarterly run's registry snapshot with the
      // configured groups; an ad-hoc run's checked sites, every group they name listed.
      const quarterly = run.kind === 'quarter' && !!run.quarter;
      const quarter = quarterly ? parseQuarter(run.quarter!) : quarterOfDate(run.as_of);
      const groups = quarterly ? o.groups : { ...o.groups, allowUnlisted: true };
      const sites = (quarterly ? loadRunSites(db, run.id) : runSites(db, run.id)).filter((s) => inScope(scope, s.site));
      const meta = { quarter: quarter.id, runId: run.id, asOf: run.as_of };
      return {
        website: tableJson(computeTable(sites, 'website', groups, meta), quarter, req.lang),
        newmedia: tableJson(computeTable(sites, 'newmedia', groups, meta), quarter, req.lang),
      };
    },
  );

  api.get(
    '/runs/:runId/sites',
    {
      schema: {
        summary: 'Sites of a run, filtered, in the notice’s order, a page at a time',
        tags: ['sites'],
        security,
        params: runParams,
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200, description: 'Text in the name, URL, id, owner or platform (case-insensitive).' },
            group: { type: 'string', maxLength: 200, description: '部门/地区 (exact).' },
            owner: { type: 'string', maxLength: 200, description: '主办单位 (exact).' },
            kind: { type: 'string', enum: ['website', 'newmedia'] },
            status: { type: 'string', enum: [...SITE_STATUSES], description: 'fail (不合格), pass (合格), error (could not be inspected), unchecked (not reached).' },
            check: { type: 'string', maxLength: 100, description: 'A check that failed on the site.' },
            rule: { type: 'string', maxLength: 50, description: 'An indicator (e.g. W-V1) with a problem that counts towards the verdict.' },
            review: { type: 'string', enum: ['disputed', 'false_positive'] },
            ...pageQuery,
          },
        },
        response: { 200: ref('SitePage'), ...errors },
      },
    },
    (req) => {
      const { runId } = req.params as { runId: string };
      runOr404(runId);
      const q = req.query as Record<string, string | number | undefined> & { page: number; limit: number };
      const filters = Object.fromEntries(['q', 'group', 'owner', 'kind', 'status', 'check', 'rule', 'review'].map((k) => [k, typeof q[k] === 'string' ? (q[k] as string).trim() : undefined]).filter(([, v]) => v));
      const list = querySites(db, runId, { filters, scope: scopeOf(req), rules: o.rulesOf(runId), groups: o.groups, page: q.page, limit: q.limit });
      return {
        ...list,
        items: list.items.map(({ rs, facets }) => ({
          site: rs.site,
          status: !rs.result ? 'unchecked' : rs.result.outcome === 'error' ? 'error' : rs.result.verdict,
          score: rs.result?.outcome === 'checked' ? rs.result.score : undefined,
          decidedBy: rs.result?.decidedBy ?? [],
          errorKind: rs.result?.errorKind,
          problems: facets?.problems ?? 0,
          disputed: facets?.disputed ?? 0,
          falsePositives: facets?.falsePositives ?? 0,
          failingChecks: [...(facets?.failingChecks ?? [])].sort(),
          rules: [...(facets?.rules ?? [])].sort(),
        })),
      };
    },
  );

  const findingFilters = {
    severity: { type: 'string', enum: ['veto', 'deduction', 'warning', 'info'] },
    check: { type: 'string', maxLength: 100 },
    rule: { type: 'string', maxLength: 50 },
  } as const;
  /** A page of a site's findings, in the site page's order (gravest checks first), with their current reviews. */
  const findingsOf = (runId: string, siteId: string, all: FindingView[], q: { page?: number; limit?: number; severity?: string; check?: string; rule?: string }) => {
    const sel = all.filter((f) => (!q.severity || f.severity === q.severity) && (!q.check || f.checkId === q.check) && (!q.rule || f.rule === q.rule));
    const limit = q.limit ?? 50;
    const p = findingsPage(sel, { page: q.page, perPage: limit });
    const shown = p.groups.flatMap(([, fs]) => fs);
    fillFindings(db, shown);
    return { total: sel.length, page: p.page, limit, pages: p.pages, items: shown.map((f) => findingJson(runId, siteId, f)) };
  };

  api.get(
    '/runs/:runId/sites/:siteId',
    {
      schema: {
        summary: 'A site’s result: verdict, score, the rules that decided it, checks, and the first page of findings with evidence',
        tags: ['sites'],
        security,
        params: siteParams,
        querystring: { type: 'object', properties: { ...findingFilters, ...pageQuery } },
        response: { 200: ref('SiteResult'), ...errors },
      },
    },
    (req) => {
      const { runId, siteId } = req.params as { runId: string; siteId: string };
      const v = siteViewOr404(req, runId, siteId);
      return {
        run: { id: v.run.id, kind: v.run.kind, quarter: v.run.quarter ?? undefined, asOf: v.run.as_of },
        site: v.site,
        url: v.url,
        status: v.outcome === 'error' ? 'error' : v.verdict,
        verdict: v.verdict,
        score: v.score,
        decidedBy: v.decidedBy,
        raw: v.raw,
        stats: v.stats,
        error: v.error,
        startedAt: v.startedAt,
        finishedAt: v.finishedAt,
        checks: v.checks,
        findings: findingsOf(runId, siteId, v.findings, req.query as Record<string, never>),
      };
    },
  );

  api.get(
    '/runs/:runId/sites/:siteId/findings',
    {
      schema: {
        summary: 'A site’s findings with evidence and current reviews, a page at a time',
        tags: ['findings'],
        security,
        params: siteParams,
        querystring: { type: 'object', properties: { ...findingFilters, ...pageQuery } },
        response: { 200: ref('FindingPage'), ...errors },
      },
    },
    (req) => {
      const { runId, siteId } = req.params as { runId: string; siteId: string };
      const v = siteViewOr404(req, runId, siteId);
      return findingsOf(runId, siteId, v.findings, req.query as Record<string, never>);
    },
  );

  api.get(
    '/findings/:id',
    {
      schema: {
        summary: 'A finding with its evidence and current review',
        tags: ['findings'],
        security,
        params: findingParams,
        querystring: { type: 'object', properties: { lang: pageQuery.lang } },
        response: { 200: ref('Finding'), ...errors },
      },
    },
    (req) => {
      const f = findingOr404(req, (req.params as { id: string }).id);
      const row = findingFromRow(db.prepare(`SELECT * FROM findings WHERE id = ?`).get(f.id) as Record<string, string | number | null>);
      const { siteId: _s, ...rest } = row;
      return findingJson(f.run_id, f.site_id, { ...rest, review: currentReviews(db, f.site_id).get(f.fingerprint) });
    },
  );

  api.get(
    '/findings/:id/reviews',
    {
      schema: {
        summary: 'Reviews of a finding, oldest first (the newest is current)',
        description: 'Reviews belong to the problem (site and fingerprint), so they carry over to re-checks and later quarters.',
        tags: ['reviews'],
        security,
        params: findingParams,
        querystring: { type: 'object', properties: { lang: pageQuery.lang } },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Review') } } }, ...errors },
      },
    },
    (req) => {
      const f = findingOr404(req, (req.params as { id: string }).id);
      return { items: reviewHistory(db, f.site_id, f.fingerprint).map(reviewJson) };
    },
  );

  api.post(
    '/findings/:id/reviews',
    {
      schema: {
        summary: 'Review a finding: dispute it, confirm it as a false positive (excluded from the verdict), or uphold it',
        description: 'A unit user may only dispute. The reviewer is the signed-in user when there are accounts, else the `reviewer` given. A false positive recomputes the site’s verdict and the tables at once; the answer says how.',
        tags: ['reviews'],
        security,
        params: findingParams,
        body: {
          type: 'object',
          required: ['status'],
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...REVIEW_STATUSES] },
            comment: { type: 'string', maxLength: 2000 },
            reviewer: { type: 'string', maxLength: 100 },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['review', 'outcome'],
            properties: { review: ref('Review'), outcome: { type: 'object', additionalProperties: true, description: 'What the review changed (verdict, score, excluded findings).' } },
          },
          ...errors,
          503: ref('Error'),
        },
      },
    },
    (req, reply) => {
      const f = findingOr404(req, (req.params as { id: string }).id);
      const scope = scopeOf(req);
      const body = req.body as { status: ReviewStatus; comment?: string; reviewer?: string };
      if (scope.role === 'unit' && body.status !== 'disputed') throw Object.assign(new Error('a unit user may dispute a finding, not decide it'), { statusCode: 403 });
      const who = actorOf(scope, !!o.sharedToken);
      // As the page's review form: the review and its audit-log row in one transaction.
      const r = addReviewAudited(db, f, { status: body.status, comment: body.comment ?? '', reviewer: scope.user?.name ?? body.reviewer ?? '' }, who, 'api');
      return reply.code(201).send({ review: reviewJson(r.review), outcome: r.outcome });
    },
  );
}
