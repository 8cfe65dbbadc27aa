/**
 * The rectification loop (整改) and the audit log in the review server: /rectification (a run's items and the step
 * each role may take), /rectification/overdue, /audit and /audit.csv. Notes: docs/modules.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Rules } from '../config.js';
import { auditCsv, listAudit } from '../store/audit.js';
import type { DB, RunRow } from '../store/db.js';
import { addStep, quarterFixes, RECT_STATUSES, RectificationError, rectificationItems, stepHistory, type RectItem, type RectStatus } from '../store/rectification.js';
import type { SiteRef } from '../types.js';
import { getRun, listRuns, runSites, type RunListRow } from './data.js';
import { html, type Html } from './html.js';
import { csrfField, layout, type PageCtx } from './layout.js';
import { runLabel, siteHref, when } from './pages.js';
import { type Rechecker, runCheckIds } from './recheck.js';
import { inScope, scopeOf, type Scope } from './scope.js';

/** The site of a run as the registry snapshot (or the sites table) has it: id, owner, group, name. */
export function siteOf(db: DB, runId: string, siteId: string): SiteRef | undefined {
  const snap = db.prepare(`SELECT site_json FROM run_sites WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as { site_json: string } | undefined;
  if (snap) return JSON.parse(snap.site_json) as SiteRef;
  const has = db.prepare(`SELECT 1 FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, siteId);
  const s = has
    ? (db.prepare(`SELECT id, url, name, kind, grp, owner FROM sites WHERE id = ?`).get(siteId) as { id: string; url: string; name: string | null; kind: string; grp: string | null; owner: string | null } | undefined)
    : undefined;
  return s ? { id: s.id, url: s.url, name: s.name ?? undefined, kind: s.kind === 'newmedia' ? 'newmedia' : 'website', group: s.grp ?? undefined, owner: s.owner ?? undefined } : undefined;
}

/** The sites of a run inside a scope (undefined = every site). */
export function scopedSiteIds(db: DB, runId: string, scope: Scope): Set<string> | undefined {
  if (scope.units === 'all') return undefined;
  return new Set(
    runSites(db, runId)
      .filter((rs) => inScope(scope, rs.site))
      .map((rs) => rs.site.id),
  );
}

/** The runs list with its counts over the asker's sites only (a unit sees no province totals). */
export function scopedRuns(db: DB, scope: Scope, runs: RunListRow[]): RunListRow[] {
  if (scope.units === 'all') return runs;
  return runs.map((r) => {
    const own = runSites(db, r.id).filter((rs) => inScope(scope, rs.site));
    const res = own.filter((rs) => rs.result);
    return {
      ...r,
      planned: own.filter((rs) => rs.planned).length,
      checked: res.filter((rs) => rs.result!.outcome === 'checked').length,
      failed: res.filter((rs) => rs.result!.outcome === 'checked' && rs.result!.verdict === 'fail').length,
      errors: res.filter((rs) => rs.result!.outcome === 'error').length,
      disputed: 0,
    };
  });
}

export interface RectificationDeps {
  db: DB;
  rechecker: Rechecker;
  ctxOf(req: FastifyRequest, reply: FastifyReply): PageCtx;
  sendPage(reply: FastifyReply, body: string, status?: number): FastifyReply;
  redirect(reply: FastifyReply, to: string): FastifyReply;
  actor(req: FastifyRequest): { name: string; userId?: number };
  rectifyDays?: number;
  runRules(runId: string): Rules;
  previousOf(run: RunRow): RunRow | undefined;
}

const notFound = (what: string) => Object.assign(new Error(what), { statusCode: 404 });
const forbidden = () => Object.assign(new Error('not allowed for this role'), { statusCode: 403 });
const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.trim().slice(0, max) : '');

export const rectHref = (q: Record<string, string | undefined>) => {
  const p = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1])).toString();
  return `/rectification${p ? `?${p}` : ''}`;
};

function itemRow(ctx: PageCtx, d: RectificationDeps, runId: string, i: RectItem, back: string): Html {
  const { t, lang } = ctx;
  const history = i.last ? stepHistory(d.db, i.siteId, i.fingerprint) : [];
  const canReport = (ctx.role === 'unit' || ctx.role === 'admin') && (i.status === 'pending' || i.status === 'not_fixed');
  const canDecide = (ctx.role === 'inspector' || ctx.role === 'admin') && (i.status === 'reported' || i.status === 'rechecking');
  const recheck = i.status === 'reported' || i.status === 'rechecking' ? (i.recheckedAt ? (i.stillFound ? t('rectStill') : t('rectGone')) : t('rectWaiting')) : '';
  const key = html`<input type="hidden" name="site" value="${i.siteId}"><input type="hidden" name="fingerprint" value="${i.fingerprint}"><input type="hidden" name="run" value="${runId}"><input type="hidden" name="back" value="${back}">`;
  return html`<tr class="rect r-${i.status}${i.overdue ? ' overdue' : ''}" data-site="${i.siteId}" data-fingerprint="${i.fingerprint}">
<td><a href="${siteHref(runId, i.siteId)}">${i.siteName ?? i.siteId}</a>${i.owner ? html`<br><span class="muted">${i.owner}</span>` : ''}</td>
<td>${i.rule ?? ''}</td>
<td>${i.findingId ? html`<a href="${siteHref(runId, i.siteId)}#f-${i.findingId}">${i.message}</a>` : i.message}</td>
<td class="deadline">${i.deadline}${i.overdue ? html` <span class="badge overdue">${t('rectOverdue')}</span>` : ''}</td>
<td><span class="badge rect-status">${t(`rect_${i.status}`)}</span>${recheck ? html`<br><span class="recheck-result">${recheck}</span>` : ''}
${
  history.length
    ? html`<details class="rect-history"><summary>${t('rectHistory')} (${history.length})</summary><ol>${history.map((h) => html`<li>${t(`rect_${h.status}`)} · ${h.actor} · <time datetime="${h.created_at}">${when(h.created_at, lang)}</time>${h.note ? html`<p>${h.note}</p>` : ''}</li>`)}</ol></details>`
    : ''
}</td>
<td>${
    canReport
      ? html`<form method="post" action="/rectification/report" class="rect-report">${csrfField(ctx)}${key}<label>${t('rectNote')} <textarea name="note" rows="2" maxlength="2000" required></textarea></label><button type="submit">${t('rectReport')}</button></form>`
      : ''
  }${
    canDecide
      ? html`<form method="post" action="/rectification/decide" class="rect-decide">${csrfField(ctx)}${key}<label>${t('rectNote')} <input name="note" maxlength="2000"></label><button type="submit" name="status" value="confirmed">${t('rectConfirm')}</button> <button type="submit" name="status" value="not_fixed">${t('rectNotFixed')}</button></form>`
      : ''
  }</td></tr>`;
}

function itemsTable(ctx: PageCtx, d: RectificationDeps, runId: string, items: RectItem[], back: string, id: string): Html {
  const { t } = ctx;
  return items.length
    ? html`<table class="grid" id="${id}"><thead><tr><th>${t('site')}</th><th>${t('rule')}</th><th>${t('problem')}</th><th>${t('rectDeadline')}</th><th>${t('status')}</th><th></th></tr></thead><tbody>${items.map((i) => itemRow(ctx, d, runId, i, back))}</tbody></table>`
    : html`<p class="empty">${t('rectEmpty')}</p>`;
}

const PAGE = 200;

export function registerRectification(app: FastifyInstance, d: RectificationDeps): void {
  const { db } = d;
  const days = d.rectifyDays ?? 15;

  app.get('/rectification', (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const scope = scopeOf(req);
    const runs = listRuns(db);
    const runId = str(q.run) || runs[0]?.id;
    const run = runId ? getRun(db, runId) : undefined;
    const ctx = d.ctxOf(req, reply);
    const { t, lang } = ctx;
    if (!run) {
      if (str(q.run)) throw notFound('no such run');
      return d.sendPage(reply, layout(ctx, { title: t('rectTitle'), body: html`<h1>${t('rectTitle')}</h1><p class="empty">${t('noRuns')}</p>` }));
    }
    let sites = scopedSiteIds(db, run.id, scope);
    const site = str(q.site, 500);
    if (site) {
      if (sites && !sites.has(site)) throw notFound('no such site in this run');
      sites = new Set([site]);
    }
    const status = RECT_STATUSES.includes(str(q.status) as RectStatus) ? (str(q.status) as RectStatus) : undefined;
    const rules = d.runRules(run.id);
    const all = rectificationItems(db, run.id, { sites, status, days, countSuspected: rules.countSuspected });
    const offset = Math.max(0, Math.min(Number(str(q.offset)) || 0, 10_000_000));
    const items = all.slice(offset, offset + PAGE);
    const prev = d.previousOf(run);
    const fixes = prev ? quarterFixes(db, run.id, prev.id, { sites, countSuspected: rules.countSuspected }) : [];
    const back = rectHref({ run: run.id, site: site || undefined, status });
    const done = str(q.done) === '1';
    const body = html`<h1>${t('rectTitle')} · ${runLabel(run, lang)}</h1>
<p class="note">${t('rectIntro', { days })}</p>
<form method="get" action="/rectification" class="filters">${site ? html`<input type="hidden" name="site" value="${site}">` : ''}
<label>${t('run')} <select name="run">${runs.map((r) => html`<option value="${r.id}"${r.id === run.id ? html` selected` : ''}>${runLabel(r, lang)}</option>`)}</select></label>
<label>${t('status')} <select name="status"><option value="">${t('rectAll')}</option>${RECT_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${t(`rect_${s}`)}</option>`)}</select></label>
<button type="submit">${t('filter')}</button> <a href="/rectification/overdue">${t('rectOverdue')}</a></form>
<p class="muted" id="rect-count">${all.length}</p>
${itemsTable(ctx, d, run.id, items, back, 'rect-items')}
${offset > 0 ? html`<a href="${rectHref({ run: run.id, site: site || undefined, status, offset: String(Math.max(0, offset - PAGE)) })}">${t('prevPage')}</a> ` : ''}${offset + PAGE < all.length ? html`<a href="${rectHref({ run: run.id, site: site || undefined, status, offset: String(offset + PAGE) })}">${t('nextPage')}</a>` : ''}
${
  prev
    ? html`<section id="quarter-fixes"><h2>${t('rectQuarter', { run: runLabel(prev, lang) })}</h2>
<p>${t('rectQuarterSummary', { total: fixes.length, fixed: fixes.filter((f) => f.fixed).length, persisting: fixes.filter((f) => !f.fixed).length })}</p>
${fixes.length ? html`<table class="grid" id="quarter-fixes-table"><thead><tr><th>${t('site')}</th><th>${t('rule')}</th><th>${t('problem')}</th><th></th><th>${t('status')}</th></tr></thead><tbody>${fixes.slice(0, PAGE).map((f) => html`<tr class="${f.fixed ? 'fixed' : 'persisting'}"><td><a href="${siteHref(run.id, f.siteId)}">${f.siteId}</a></td><td>${f.rule ?? ''}</td><td>${f.message}</td><td>${f.fixed ? t('rectFixedNow') : t('rectPersisting')}</td><td>${t(`rect_${f.status}`)}</td></tr>`)}</tbody></table>` : ''}
</section>`
    : ''
}`;
    return d.sendPage(reply, layout(ctx, { title: t('rectTitle'), crumbs: [{ href: '/', label: t('runs') }, { label: t('rectTitle') }], body, flash: done ? { kind: 'ok', text: t('rectSaved') } : undefined }));
  });

  app.get('/rectification/overdue', (req, reply) => {
    const scope = scopeOf(req);
    const ctx = d.ctxOf(req, reply);
    const { t, lang } = ctx;
    const sections: Html[] = [];
    for (const r of listRuns(db)) {
      const rules = d.runRules(r.id);
      const items = rectificationItems(db, r.id, { sites: scopedSiteIds(db, r.id, scope), overdueOnly: true, days, countSuspected: rules.countSuspected });
      if (items.length)
        sections.push(html`<section class="overdue-run"><h2>${runLabel(r, lang)} <span class="muted">(${items.length})</span></h2>${itemsTable(ctx, d, r.id, items.slice(0, PAGE), '/rectification/overdue', `overdue-${r.id}`)}</section>`);
    }
    const body = html`<h1>${t('rectOverdue')}</h1><p class="note">${t('rectOverdueIntro')}</p>${sections.length ? sections : html`<p class="empty">${t('rectEmpty')}</p>`}`;
    return d.sendPage(reply, layout(ctx, { title: t('rectOverdue'), crumbs: [{ href: '/rectification', label: t('rectTitle') }, { label: t('rectOverdue') }], body }));
  });

  /** The item a form names, checked against the asker's scope (outside it: 404). */
  const itemOf = (req: FastifyRequest) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const runId = str(b.run);
    const siteId = str(b.site, 500);
    const fingerprint = str(b.fingerprint);
    const site = runId && siteId ? siteOf(db, runId, siteId) : undefined;
    if (!site || !fingerprint || !inScope(scopeOf(req), site)) throw notFound('no such finding');
    const back = str(b.back, 1000);
    return { runId, site, fingerprint, note: typeof b.note === 'string' ? b.note : '', back: back.startsWith('/rectification') ? back : rectHref({ run: runId }) };
  };
  const withDone = (back: string) => `${back}${back.includes('?') ? '&' : '?'}done=1`;
  const bad = (e: unknown) => (e instanceof RectificationError ? Object.assign(new Error(e.message), { statusCode: 400 }) : e);

  app.post('/rectification/report', async (req, reply) => {
    const scope = scopeOf(req);
    if (scope.role === 'inspector') throw forbidden();
    const it = itemOf(req);
    const who = d.actor(req);
    try {
      addStep(db, { siteId: it.site.id, fingerprint: it.fingerprint, runId: it.runId, status: 'reported', note: it.note }, who);
    } catch (e) {
      throw bad(e);
    }
    // The re-check of the site starts at once (queue or in process); the item is 复核中 meanwhile.
    const run = getRun(db, it.runId)!;
    const checks = runCheckIds(run);
    const st = await d.rechecker.submit({ runId: it.runId, site: it.site, asOf: run.as_of, checks });
    addStep(db, { siteId: it.site.id, fingerprint: it.fingerprint, runId: it.runId, status: 'rechecking', note: `${st.via} ${st.jobId}` }, who);
    return d.redirect(reply, withDone(it.back));
  });

  app.post('/rectification/decide', (req, reply) => {
    const scope = scopeOf(req);
    if (scope.role === 'unit') throw forbidden();
    const it = itemOf(req);
    const status = str(((req.body ?? {}) as Record<string, unknown>).status);
    if (status !== 'confirmed' && status !== 'not_fixed') throw Object.assign(new Error(`unknown decision ${status}`), { statusCode: 400 });
    try {
      addStep(db, { siteId: it.site.id, fingerprint: it.fingerprint, runId: it.runId, status, note: it.note }, d.actor(req));
    } catch (e) {
      throw bad(e);
    }
    return d.redirect(reply, withDone(it.back));
  });

  // ---------------------------------------------------------------- audit log
  const auditQuery = (q: Record<string, unknown>) => ({ action: str(q.action) || undefined, actor: str(q.actor) || undefined, target: str(q.target, 500) || undefined });
  app.get('/audit', (req, reply) => {
    if (scopeOf(req).role === 'unit') throw forbidden();
    const q = req.query as Record<string, unknown>;
    const filters = auditQuery(q);
    const offset = Math.max(0, Math.min(Number(str(q.offset)) || 0, 100_000_000));
    const { rows, total } = listAudit(db, { ...filters, limit: PAGE, offset });
    const ctx = d.ctxOf(req, reply);
    const { t, lang } = ctx;
    const qs = (extra: Record<string, string>) => new URLSearchParams(Object.entries({ ...filters, ...extra }).filter((e): e is [string, string] => !!e[1])).toString();
    const body = html`<h1>${t('auditLog')}</h1><p class="note">${t('auditIntro')}</p>
<form method="get" action="/audit" class="filters">
<label>${t('auditAction')} <input name="action" value="${filters.action ?? ''}" maxlength="200"></label>
<label>${t('auditActor')} <input name="actor" value="${filters.actor ?? ''}" maxlength="200"></label>
<label>${t('auditTarget')} <input name="target" value="${filters.target ?? ''}" maxlength="500"></label>
<button type="submit">${t('filter')}</button> <a href="/audit.csv?${qs({})}" download id="audit-csv">${t('auditExport')}</a></form>
<p class="muted">${total}</p>
<table class="grid" id="audit"><thead><tr><th>#</th><th>${t('auditAt')}</th><th>${t('auditActor')}</th><th>${t('auditAction')}</th><th>${t('auditTarget')}</th><th>${t('auditBefore')}</th><th>${t('auditAfter')}</th></tr></thead><tbody>${rows.map(
      (r) =>
        html`<tr><td>${r.id}</td><td><time datetime="${r.at}">${when(r.at, lang)}</time></td><td>${r.actor}</td><td><code>${r.action}</code></td><td>${r.target ?? ''}</td><td><code class="json">${r.before_json ?? ''}</code></td><td><code class="json">${r.after_json ?? ''}</code></td></tr>`,
    )}</tbody></table>
${offset > 0 ? html`<a href="/audit?${qs({ offset: String(Math.max(0, offset - PAGE)) })}">${t('prevPage')}</a> ` : ''}${offset + PAGE < total ? html`<a href="/audit?${qs({ offset: String(offset + PAGE) })}">${t('nextPage')}</a>` : ''}`;
    return d.sendPage(reply, layout(ctx, { title: t('auditLog'), crumbs: [{ href: '/', label: t('runs') }, { label: t('auditLog') }], body }));
  });
  app.get('/audit.csv', (req, reply) => {
    if (scopeOf(req).role === 'unit') throw forbidden();
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="govcheck-audit.csv"')
      .type('text/csv; charset=utf-8')
      .send(auditCsv(db, auditQuery(req.query as Record<string, unknown>)));
  });
}
