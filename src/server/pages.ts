/** The review pages, server-rendered. Every value from a crawled site passes through `html` escaping. */
import type { Lang } from '../check-api/api.js';
import type { Rules } from '../config.js';
import type { RunSite } from '../rollup/data.js';
import type { FailingEntry } from '../rollup/lists.js';
import type { QuarterTable } from '../rollup/tables.js';
import { parseQuarter, quarterLabel } from '../run/quarter.js';
import type { RunRow } from '../store/db.js';
import { REVIEW_STATUSES, reviewHistory, type AllowListRow, type ReviewRow } from '../store/reviews.js';
import type { RuleHit } from '../types.js';
import { countsNow, fillFindings, type FindingView, type RunListRow, type SiteFacets, type SiteView } from './data.js';
import { highlight, html, jsonForScript, outLink, safeHref, type Html } from './html.js';
import type { T } from './i18n.js';
import { csrfField, layout, type PageCtx } from './layout.js';
import type { RecheckStatus } from './recheck.js';

type Titles = Record<string, { zh: string; en: string }>;

export function runLabel(run: Pick<RunRow, 'id' | 'kind' | 'quarter'>, lang: Lang): string {
  if (run.kind === 'quarter' && run.quarter) {
    try {
      return `${quarterLabel(parseQuarter(run.quarter), lang)}（${run.id}）`.replace('（', lang === 'zh' ? '（' : ' (').replace('）', lang === 'zh' ? '）' : ')');
    } catch {
      return run.id;
    }
  }
  return run.id;
}

export const runHref = (runId: string) => `/runs/${encodeURIComponent(runId)}`;
export const sitesHref = (runId: string, q: Record<string, string> = {}) => {
  const s = new URLSearchParams(q).toString();
  return `${runHref(runId)}/sites${s ? `?${s}` : ''}`;
};
export const siteHref = (runId: string, siteId: string) => `${runHref(runId)}/sites/${encodeURIComponent(siteId)}`;

function rate(failed: number, checked: number): string {
  return checked ? `${Math.round((failed / checked) * 10000) / 100}%` : '—';
}

export function when(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(d);
}

function verdictBadge(t: T, v: 'pass' | 'fail' | 'error' | 'unchecked'): Html {
  return html`<span class="badge v-${v}">${t(`verdict_${v}`)}</span>`;
}

function ruleTitle(rules: Rules, rule: string, lang: Lang): string {
  return rules.indicators[rule]?.title[lang] ?? rule;
}

// ---------------------------------------------------------------- runs

export function runsPage(ctx: PageCtx, runs: RunListRow[]): string {
  const { t, lang } = ctx;
  const body = runs.length
    ? html`<h1>${t('runs')}</h1>
<table class="grid" id="runs">
<thead><tr><th>${t('run')}</th><th>${t('kind')}</th><th>${t('asOf')}</th><th>${t('status')}</th><th class="n">${t('planned')}</th><th class="n">${t('checked')}</th><th class="n">${t('failed')}</th><th class="n">${t('failRate')}</th><th class="n">${t('errors')}</th><th class="n">${t('disputed')}</th><th>${t('createdAt')}</th></tr></thead>
<tbody>${runs.map(
        (r) => html`<tr>
<td><a href="${runHref(r.id)}">${runLabel(r, lang)}</a></td>
<td>${t(r.kind === 'quarter' ? 'kind_quarter' : 'kind_adhoc')}</td>
<td>${r.as_of}</td>
<td>${t(r.status === 'done' ? 'run_done' : r.status === 'interrupted' ? 'run_interrupted' : 'run_running')}</td>
<td class="n">${r.planned || r.checked + r.errors}</td><td class="n">${r.checked}</td><td class="n">${r.failed}</td><td class="n">${rate(r.failed, r.checked)}</td><td class="n">${r.errors}</td><td class="n">${r.disputed}</td>
<td>${when(r.created_at, lang)}</td></tr>`,
      )}</tbody></table>`
    : html`<h1>${t('runs')}</h1><p class="empty">${t('noRuns')}</p>`;
  return layout(ctx, { title: t('runs'), body });
}

// ---------------------------------------------------------------- run overview

export interface Download {
  name: string;
  label: string;
  format: string;
  available: boolean;
}

export interface RunPageData {
  run: RunRow;
  tables: QuarterTable[];
  failing: FailingEntry[];
  counts: { checked: number; failed: number; errors: number; disputed: number; falsePositives: number };
  categories: Array<{ rule: string; findings: number; sites: number }>;
  trend: Array<{ label: string; rate: number; current: boolean }>;
  changes?: { previous: RunRow; totals: { new: number; fixed: number; persisting: number } };
  downloads: Download[];
  rules: Rules;
}

function quarterTable(ctx: PageCtx, run: RunRow, tb: QuarterTable): Html {
  const { t } = ctx;
  const heads =
    ctx.lang === 'zh'
      ? ['序号', '部门/地区', tb.kind === 'website' ? '运作网站总数(个)' : '运作政务新媒体总数(个)', '检查总数(个)', '不合格数(个)', '不合格率(%)']
      : ['No.', 'Department/region', tb.kind === 'website' ? 'Websites operating' : 'Accounts operating', 'Checked', 'Failed', 'Failure rate (%)'];
  return html`<section class="table-block">
<h2>${t(tb.kind === 'website' ? 'tableWebsite' : 'tableNewmedia')}</h2>
<table class="grid notice" id="table-${tb.kind}">
<thead><tr>${heads.map((h, i) => html`<th class="${i >= 2 ? 'n' : ''}">${h}</th>`)}</tr></thead>
<tbody>${tb.rows.map(
    (r) => html`<tr><td>${r.seq}</td><td><a href="${sitesHref(run.id, { group: r.group, kind: tb.kind })}">${r.group}</a></td><td class="n">${r.operating}</td><td class="n">${r.checked}</td>
<td class="n">${r.failed ? html`<a href="${sitesHref(run.id, { group: r.group, kind: tb.kind, verdict: 'fail' })}">${r.failed}</a>` : '0'}</td><td class="n">${r.rate}</td></tr>`,
  )}
<tr class="total"><td></td><td>${t('total')}</td><td class="n">${tb.total.operating}</td><td class="n">${tb.total.checked}</td><td class="n">${tb.total.failed}</td><td class="n">${tb.total.rate}</td></tr></tbody>
</table>
${tb.errors || tb.unfinished ? html`<p class="note">${t('tablesUnfinished', { errors: tb.errors, unfinished: tb.unfinished })}</p>` : ''}
</section>`;
}

export function runPage(ctx: PageCtx, d: RunPageData): string {
  const { t, lang } = ctx;
  const { run } = d;
  const tables = d.tables.filter((tb) => tb.rows.length);
  const chartData = {
    labels: {
      rate: t('chartRate'),
      categories: t('chartCategories'),
      trend: t('chartTrend'),
      changes: t('chartChanges'),
      website: t('websites'),
      newmedia: t('newmedia'),
      failRate: t('failRate'),
      findings: t('findingsCount'),
      sites: t('siteCount'),
      new: t('newProblems'),
      fixed: t('fixedProblems'),
      persisting: t('persistingProblems'),
    },
    rate: (() => {
      const groups = [...new Set(tables.flatMap((tb) => tb.rows.map((r) => r.group)))];
      return {
        groups,
        series: tables.map((tb) => ({ kind: tb.kind, values: groups.map((g) => Number(tb.rows.find((r) => r.group === g)?.rate ?? NaN)).map((v) => (Number.isFinite(v) ? v : null)) })),
      };
    })(),
    categories: d.categories.map((c) => ({ name: `${c.rule} ${ruleTitle(d.rules, c.rule, lang)}`, findings: c.findings, sites: c.sites })),
    trend: d.trend,
    changes: d.changes ? d.changes.totals : null,
  };
  const body = html`<h1>${runLabel(run, lang)}</h1>
<p class="meta">${t(run.kind === 'quarter' ? 'kind_quarter' : 'kind_adhoc')} · ${t('asOf')} ${run.as_of} · ${t(run.status === 'done' ? 'run_done' : run.status === 'interrupted' ? 'run_interrupted' : 'run_running')}</p>
<ul class="cards">
  <li><a href="${sitesHref(run.id)}"><strong>${d.counts.checked}</strong><span>${t('checked')}</span></a></li>
  <li class="bad"><a href="${sitesHref(run.id, { verdict: 'fail' })}"><strong>${d.counts.failed}</strong><span>${t('failed')}</span></a></li>
  <li><strong>${rate(d.counts.failed, d.counts.checked)}</strong><span>${t('failRate')}</span></li>
  <li><a href="${sitesHref(run.id, { verdict: 'error' })}"><strong>${d.counts.errors}</strong><span>${t('errors')}</span></a></li>
  <li><a href="${sitesHref(run.id, { review: 'disputed' })}"><strong>${d.counts.disputed}</strong><span>${t('disputed')}</span></a></li>
  <li><strong>${d.counts.falsePositives}</strong><span>${t('review_false_positive')}</span></li>
</ul>
<p><a class="button" href="${sitesHref(run.id)}">${t('sites')} →</a></p>
<section class="charts">
  <div class="chart" id="chart-rate" role="img" aria-label="${t('chartRate')}"></div>
  <div class="chart" id="chart-categories" role="img" aria-label="${t('chartCategories')}"></div>
  ${d.trend.length > 1 || d.changes ? html`<div class="chart" id="chart-trend" role="img" aria-label="${t('chartTrend')}"></div>` : ''}
</section>
<script type="application/json" id="chart-data">${jsonForScript(chartData)}</script>
${d.changes ? html`<p class="note">${t('previousRun')}: <a href="${runHref(d.changes.previous.id)}">${runLabel(d.changes.previous, lang)}</a> — ${t('changesSummary', d.changes.totals)}</p>` : html`<p class="note">${t('noPrevious')}</p>`}
${tables.map((tb) => quarterTable(ctx, run, tb))}
<section class="downloads"><h2>${t('downloads')}</h2><ul>${d.downloads.map((dl) =>
    dl.available
      ? html`<li><a href="${`${runHref(run.id)}/download/${dl.name}`}" download>${dl.label}（${dl.format.toUpperCase()}）</a></li>`
      : html`<li class="unavailable">${dl.label}（${dl.format.toUpperCase()}）${t('notAvailable')}</li>`,
  )}</ul></section>
${d.failing.length ? failingSection(ctx, run, d.failing) : ''}`;
  return layout(ctx, { title: runLabel(run, lang), crumbs: [{ href: '/', label: t('runs') }, { label: runLabel(run, lang) }], body, scripts: ['/static/echarts.min.js', '/static/app.js'] });
}

function failingSection(ctx: PageCtx, run: RunRow, list: FailingEntry[]): Html {
  const { t, lang } = ctx;
  return html`<section><h2>${t('failingList')}</h2>
<table class="grid" id="failing"><thead><tr><th>${t('seq')}</th><th>${t('name')}</th><th>${t('group')}</th><th class="n">${t('score')}</th><th>${t('reasons')}</th></tr></thead>
<tbody>${list.map(
    (e) => html`<tr><td>${e.seq}</td><td><a href="${siteHref(run.id, e.site.id)}">${e.site.name ?? e.site.id}</a></td><td>${e.site.group ?? '—'}</td><td class="n">${e.score}</td>
<td><ul class="reasons">${e.reasons.map((r) => html`<li>${r.rule === 'score' ? '' : `${r.rule} `}${r.title[lang]}${r.findings ? html` <span class="muted">×${r.findings}</span>` : ''}</li>`)}</ul></td></tr>`,
  )}</tbody></table></section>`;
}

// ---------------------------------------------------------------- site list

export interface SiteFilters {
  group?: string;
  kind?: string;
  verdict?: string;
  check?: string;
  category?: string;
  review?: string;
  q?: string;
}

export interface SiteRow {
  rs: RunSite;
  facets?: SiteFacets;
}

export function siteStatus(rs: RunSite): 'pass' | 'fail' | 'error' | 'unchecked' {
  if (!rs.result) return 'unchecked';
  if (rs.result.outcome === 'error') return 'error';
  return rs.result.verdict;
}

/** Links to the other pages of a paginated list (the current query kept, `param` replaced). */
export function pager(ctx: PageCtx, o: { page: number; pages: number; param?: string; id?: string; hash?: string }): Html | string {
  if (o.pages <= 1) return '';
  const { t } = ctx;
  const param = o.param ?? 'page';
  const href = (p: number) => {
    const q = new URLSearchParams(ctx.query);
    if (p === 1) q.delete(param);
    else q.set(param, String(p));
    q.set('lang', ctx.lang);
    return `${ctx.path}?${q.toString()}${o.hash ?? ''}`;
  };
  const near = [...new Set([1, o.page - 2, o.page - 1, o.page, o.page + 1, o.page + 2, o.pages])].filter((p) => p >= 1 && p <= o.pages).sort((a, b) => a - b);
  return html`<nav class="pager"${o.id ? html` id="${o.id}"` : ''} aria-label="${t('pages')}">
${o.page > 1 ? html`<a rel="prev" href="${href(o.page - 1)}">‹ ${t('prevPage')}</a>` : ''}
${near.map((p, i) => html`${i > 0 && p - near[i - 1] > 1 ? html`<span class="gap">…</span>` : ''}${p === o.page ? html`<strong aria-current="page">${p}</strong>` : html`<a href="${href(p)}">${p}</a>`} `)}
${o.page < o.pages ? html`<a rel="next" href="${href(o.page + 1)}">${t('nextPage')} ›</a>` : ''}
</nav>`;
}

export function sitesPage(
  ctx: PageCtx,
  d: { run: RunRow; rows: SiteRow[]; total: number; matched: number; page: number; pages: number; perPage: number; filters: SiteFilters; groups: string[]; checks: Array<{ id: string; title: string }>; categories: string[]; rules: Rules },
): string {
  const { t, lang } = ctx;
  const f = d.filters;
  const select = (name: keyof SiteFilters, options: Array<[string, string]>, label: string) =>
    html`<label>${label} <select name="${name}"><option value="">${t('all')}</option>${options.map(([v, l]) => html`<option value="${v}"${f[name] === v ? html` selected` : ''}>${l}</option>`)}</select></label>`;
  const body = html`<h1>${t('sites')}</h1>
<form class="filters" method="get" action="${sitesHref(d.run.id)}">
${select(
  'group',
  d.groups.map((g) => [g, g]),
  t('group'),
)}
${select(
  'kind',
  [
    ['website', t('kind_website')],
    ['newmedia', t('kind_newmedia')],
  ],
  t('kind'),
)}
${select(
  'verdict',
  [
    ['fail', t('verdict_fail')],
    ['pass', t('verdict_pass')],
    ['error', t('verdict_error')],
    ['unchecked', t('verdict_unchecked')],
  ],
  t('verdict'),
)}
${select(
  'check',
  d.checks.map((c) => [c.id, c.title]),
  t('check'),
)}
${select(
  'category',
  d.categories.map((r) => [r, `${r} ${ruleTitle(d.rules, r, lang)}`]),
  t('category'),
)}
${select(
  'review',
  [
    ['disputed', t('review_disputed')],
    ['false_positive', t('review_false_positive')],
  ],
  t('reviews'),
)}
<label>${t('search')} <input type="search" name="q" value="${f.q ?? ''}" maxlength="200"></label>
<input type="hidden" name="lang" value="${lang}">
<button type="submit">${t('filter')}</button> <a href="${sitesHref(d.run.id)}">${t('reset')}</a>
</form>
<p class="count" id="count">${d.pages > 1 ? t('shownPaged', { n: d.total, matched: d.matched, from: (d.page - 1) * d.perPage + 1, to: (d.page - 1) * d.perPage + d.rows.length }) : t('shown', { n: d.total, shown: d.matched })}</p>
${pager(ctx, { page: d.page, pages: d.pages, id: 'pager-top' })}
${
  d.rows.length
    ? html`<table class="grid" id="sites"><thead><tr><th>${t('name')}</th><th>${t('group')}</th><th>${t('kind')}</th><th>${t('verdict')}</th><th class="n">${t('score')}</th><th class="n">${t('problems')}</th><th>${t('decidedBy')}</th><th>${t('reviews')}</th></tr></thead>
<tbody>${d.rows.map(({ rs, facets }) => {
        const st = siteStatus(rs);
        return html`<tr class="st-${st}">
<td><a href="${siteHref(d.run.id, rs.site.id)}">${rs.site.name ?? rs.site.id}</a><div class="url">${rs.site.url}</div></td>
<td>${rs.site.group ?? '—'}</td><td>${t(rs.site.kind === 'newmedia' ? 'kind_newmedia' : 'kind_website')}${rs.site.platform ? ` · ${rs.site.platform}` : ''}</td>
<td>${verdictBadge(t, st)}</td><td class="n">${rs.result && rs.result.outcome === 'checked' ? rs.result.score : '—'}</td><td class="n">${facets?.problems ?? 0}</td>
<td>${(rs.result?.decidedBy ?? []).map((h) => html`<span class="rule-chip ${h.kind}" title="${ruleTitle(d.rules, h.rule, lang)}">${h.rule}</span> `)}${rs.result?.outcome === 'error' ? html`<span class="muted">${rs.result.errorKind ?? ''}</span>` : ''}</td>
<td>${facets?.disputed ? html`<span class="badge r-disputed">${t('review_disputed')} ${facets.disputed}</span> ` : ''}${facets?.falsePositives ? html`<span class="badge r-false_positive">${t('review_false_positive')} ${facets.falsePositives}</span>` : ''}</td>
</tr>`;
      })}</tbody></table>
${pager(ctx, { page: d.page, pages: d.pages, id: 'pager' })}`
    : html`<p class="empty">${t('noSites')}</p>`
}`;
  return layout(ctx, {
    title: `${t('sites')} · ${runLabel(d.run, lang)}`,
    crumbs: [{ href: '/', label: t('runs') }, { href: runHref(d.run.id), label: runLabel(d.run, lang) }, { label: t('sites') }],
    body,
  });
}

// ---------------------------------------------------------------- site detail

export interface SitePageData {
  view: SiteView;
  rules: Rules;
  titles: Titles;
  changes?: { previous: RunRow; compared: boolean; newKeys: Set<string>; persistingKeys: Set<string>; fixed: Array<{ message: string; messageEn: string; url: string; target?: string; rule?: string }> };
  recheck?: RecheckStatus;
  flash?: { kind: 'ok' | 'error' | 'info'; text: string };
  db: import('../store/db.js').DB;
  /** Which page of the findings to show (default the first). */
  findingsPage?: { page?: number; findingId?: number };
}

function explainRules(ctx: PageCtx, v: SiteView, rules: Rules, link: (findingId: number) => string = (id) => `#f-${id}`): Html {
  const { t, lang } = ctx;
  const counted = v.findings.filter((f) => countsNow(f, rules));
  const hits: RuleHit[] = v.decidedBy;
  const vetoes = hits.filter((h) => h.kind === 'veto');
  const deducted = Math.round(hits.filter((h) => h.kind === 'deduction').reduce((s, h) => s + h.points, 0) * 100) / 100;
  const rows = [...vetoes, ...hits.filter((h) => h.kind === 'deduction')].map((h) => {
    const fs = counted.filter((f) => f.rule === h.rule && f.severity === h.kind);
    const raw = Math.round(fs.reduce((s, f) => s + (f.points ?? 0), 0) * 100) / 100;
    const ind = rules.indicators[h.rule];
    const first = fs[0] ?? v.findings.find((f) => f.rule === h.rule);
    return html`<tr class="${h.kind}"><td>${first ? html`<a href="${link(first.id)}">${h.rule}</a>` : h.rule}</td><td>${ruleTitle(rules, h.rule, lang)}</td><td>${t(h.kind)}</td><td class="n">${h.findings}</td>
<td class="n">${h.kind === 'deduction' ? raw : '—'}</td><td class="n">${h.kind === 'deduction' ? (ind?.max ?? '—') : '—'}</td><td class="n">${h.kind === 'deduction' ? `−${h.points}` : '—'}</td>
<td>${h.kind === 'veto' ? html`<strong>${t('effectVeto')}</strong>` : `−${h.points}${lang === 'zh' ? t('points') : ' ' + t('points')}`}</td></tr>`;
  });
  const sentence = vetoes.length
    ? t('explainVeto')
    : hits.length
      ? t('explainScore', { base: rules.base, deducted, score: v.score, passLine: rules.passLine })
      : `${t('explainNone')} ${t('explainScore', { base: rules.base, deducted: 0, score: v.score, passLine: rules.passLine })}`;
  return html`<section class="explain" id="explain"><h2>${t('explain')}</h2>
${rows.length ? html`<table class="grid"><thead><tr><th>${t('rule')}</th><th></th><th>${t('ruleKind')}</th><th class="n">${t('findingsCount')}</th><th class="n">${t('rawPoints')}</th><th class="n">${t('cap')}</th><th class="n">${t('deducted')}</th><th>${t('effect')}</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
<p>${sentence}</p></section>`;
}

/** Texts in a finding that are "the offending text" to highlight inside its snippet. */
function needles(f: FindingView): string[] {
  const out: string[] = [];
  const e = f.evidence as Record<string, unknown>;
  for (const k of ['match', 'highlight', 'word', 'text', 'found']) if (typeof e[k] === 'string') out.push(e[k] as string);
  if (f.target && !safeHref(f.target)) out.push(f.target);
  for (const v of Object.values(f.params)) if (typeof v === 'string' && v.length <= 40 && !safeHref(v) && !/^HTTP \d+$/.test(v)) out.push(v);
  return out.filter((s) => s.trim().length > 0);
}

const SHOWN_KEYS = new Set(['location', 'snippet', 'expected', 'actual', 'screenshot', 'parents']);

function evidenceBlock(ctx: PageCtx, f: FindingView): Html {
  const { t } = ctx;
  const e = f.evidence as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const parents = Array.isArray(e.parents) ? (e.parents as Array<Record<string, unknown>>) : [];
  const rest = Object.fromEntries(Object.entries(e).filter(([k, v]) => !SHOWN_KEYS.has(k) && v !== undefined && v !== null));
  return html`<dl class="evidence">
<dt>${t('page')}</dt><dd>${outLink(f.url)}</dd>
${f.target && f.target !== f.url ? html`<dt>${t('target')}</dt><dd>${safeHref(f.target) ? outLink(f.target) : html`<code>${f.target}</code>`}</dd>` : ''}
${str(e.location) ? html`<dt>${t('where')}</dt><dd><code>${str(e.location)}</code></dd>` : ''}
${str(e.snippet) ? html`<dt>${t('snippet')}</dt><dd class="snippet">${highlight(str(e.snippet)!, needles(f))}</dd>` : ''}
${str(e.expected) !== undefined || str(e.actual) !== undefined ? html`<dt>${t('expected')}</dt><dd>${str(e.expected) ?? '—'}</dd><dt>${t('actual')}</dt><dd class="actual">${str(e.actual) ?? '—'}</dd>` : ''}
${typeof e.screenshot === 'string' ? html`<dt>${t('screenshot')}</dt><dd><a href="/findings/${f.id}/screenshot" target="_blank" rel="noopener"><img class="shot" src="/findings/${f.id}/screenshot" alt="${t('screenshot')}" loading="lazy"></a></dd>` : ''}
</dl>
${
  parents.length
    ? html`<details class="parents"><summary>${t('parents', { n: typeof e.parentCount === 'number' ? e.parentCount : parents.length })}</summary><ul>${parents.map(
        (p) => html`<li>${outLink(p.page)} <code>${str(p.selector) ?? ''}</code> ${str(p.text) ? html`“${str(p.text)}”` : ''}</li>`,
      )}</ul></details>`
    : ''
}
${Object.keys(rest).length ? html`<details class="more"><summary>${t('moreEvidence')}</summary><pre>${JSON.stringify(rest, null, 2)}</pre></details>` : ''}`;
}

function reviewBlock(ctx: PageCtx, d: SitePageData, f: FindingView): Html {
  const { t, lang } = ctx;
  const history: ReviewRow[] = f.review ? reviewHistory(d.db, d.view.site.id, f.fingerprint) : [];
  const canAllow = f.review?.status === 'false_positive' && !!f.target && ctx.role !== 'unit';
  return html`<details class="review-box"${f.review?.status === 'disputed' ? html` open` : ''}><summary>${t('reviewAction')}${history.length ? ` (${history.length})` : ''}</summary>
${
  history.length
    ? html`<ol class="history">${history.map(
        (h) => html`<li><span class="badge r-${h.status}">${t(`review_${h.status}`)}</span> ${h.reviewer} · <time datetime="${h.created_at}">${when(h.created_at, lang)}</time>${h.comment ? html`<p>${h.comment}</p>` : ''}</li>`,
      )}</ol>`
    : ''
}
<form class="review" method="post" action="/findings/${f.id}/review">
${csrfField(ctx)}
<label>${t('reviewStatus')} <select name="status" required>${REVIEW_STATUSES.filter((s) => ctx.role !== 'unit' || s === 'disputed').map((s) => html`<option value="${s}"${f.review?.status === s ? html` selected` : ''}>${t(`review_${s}`)}</option>`)}</select></label>
<label>${t('reviewer')} <input name="reviewer" required maxlength="100" value="${ctx.reviewer}"${ctx.user ? html` readonly` : ''}></label>
<label class="wide">${t('comment')} <textarea name="comment" rows="2" maxlength="2000"></textarea></label>
<button type="submit">${t('submit')}</button>
</form>
${
  canAllow
    ? html`<p class="allow-hint">${t('allowHint')}</p><form class="allow" method="post" action="/findings/${f.id}/allow-list">
${csrfField(ctx)}
<label>${t('allowScope')} <select name="scope"><option value="site">${t('allowThisSite')}</option><option value="all">${t('allowAllSites')}</option></select></label>
<label>${t('reviewer')} <input name="reviewer" required maxlength="100" value="${ctx.reviewer}"></label>
<label class="wide">${t('comment')} <input name="comment" maxlength="2000"></label>
<button type="submit">${t('makeAllow')}</button>
</form>`
    : ''
}
</details>`;
}

function findingCard(ctx: PageCtx, d: SitePageData, f: FindingView): Html {
  const { t, lang } = ctx;
  const ch = d.changes;
  const change = ch?.compared ? (ch.newKeys.has(f.fingerprint) ? 'new' : ch.persistingKeys.has(f.fingerprint) ? 'persisting' : undefined) : undefined;
  return html`<article class="finding sev-${f.severity}${f.excluded ? ' excluded' : ''}" id="f-${f.id}" data-fingerprint="${f.fingerprint}">
<header>
<span class="badge sev-${f.severity}">${f.tier === 'suspected' ? `${t('tier_suspected')}·` : ''}${t(`severity_${f.severity}`)}</span>
${f.rule ? html`<span class="rule">${f.rule} ${ruleTitle(d.rules, f.rule, lang)}</span>` : ''}
${f.severity === 'deduction' && f.points !== undefined ? html`<span class="pts">−${f.points}${t('points')}</span>` : ''}
${change ? html`<span class="badge chg-${change}">${t(change === 'new' ? 'newProblems' : 'persistingProblems')}</span>` : ''}
${f.review ? html`<span class="badge r-${f.review.status}" title="${t('lastReview', { who: f.review.reviewer, when: when(f.review.created_at, lang), status: t(`review_${f.review.status}`) })}">${t(`review_${f.review.status}`)}</span>` : ''}
${f.excluded ? html`<span class="badge excluded">${t(f.excluded === 'allow_list' ? 'excluded_allow_list' : 'excluded_false_positive')}</span>` : ''}
</header>
<p class="msg">${lang === 'en' ? f.messageEn : f.message}</p>
${evidenceBlock(ctx, f)}
${reviewBlock(ctx, d, f)}
</article>`;
}

/** Findings per page of a site's page. */
export const FINDINGS_PER_PAGE = 200;

const SEV_ORDER = { veto: 0, deduction: 1, warning: 2, info: 3 } as const;

/**
 * A site's findings in the page's order — checks with the gravest findings first (single-veto before
 * deductions before warnings, excluded last), then by severity and position — and the page of them to
 * show: `page` (from 1), or the page holding finding `findingId`.
 */
export function findingsPage(all: FindingView[], o: { page?: number; findingId?: number; perPage?: number }) {
  const per = o.perPage ?? FINDINGS_PER_PAGE;
  const byCheck = new Map<string, FindingView[]>();
  for (const f of all) {
    const list = byCheck.get(f.checkId);
    if (list) list.push(f);
    else byCheck.set(f.checkId, [f]);
  }
  const worst = (fs: FindingView[]) => fs.reduce((m, f) => Math.min(m, f.excluded ? 4 : SEV_ORDER[f.severity]), 4);
  const ordered = [...byCheck.entries()].sort(([a, fa], [b, fb]) => worst(fa) - worst(fb) || a.localeCompare(b)).flatMap(([, fs]) => [...fs].sort((a, b) => SEV_ORDER[a.severity] - SEV_ORDER[b.severity] || a.seq - b.seq));
  const pages = Math.max(1, Math.ceil(ordered.length / per));
  const at = o.findingId !== undefined ? ordered.findIndex((f) => f.id === o.findingId) : -1;
  const page = at >= 0 ? Math.floor(at / per) + 1 : Math.max(1, Math.min(pages, Math.floor(o.page ?? 1)));
  const slice = ordered.slice((page - 1) * per, page * per);
  const groups: Array<[string, FindingView[]]> = [];
  for (const f of slice) {
    const last = groups[groups.length - 1];
    if (last && last[0] === f.checkId) last[1].push(f);
    else groups.push([f.checkId, [f]]);
  }
  const pageOf = new Map(ordered.map((f, i) => [f.id, Math.floor(i / per) + 1]));
  return { page, pages, from: (page - 1) * per + 1, to: (page - 1) * per + slice.length, groups, perCheck: new Map([...byCheck].map(([k, v]) => [k, v.length])), pageOf };
}

export function sitePage(ctx: PageCtx, d: SitePageData): string {
  const { t, lang } = ctx;
  const v = d.view;
  const run = v.run;
  const status = v.outcome === 'error' ? 'error' : v.verdict;
  const rc = d.recheck;
  const recheckBanner = rc
    ? rc.state === 'queued'
      ? { kind: 'info' as const, text: t('recheckQueued', { via: rc.via }) }
      : rc.state === 'running'
        ? { kind: 'info' as const, text: t('recheckRunning', { via: rc.via }) }
        : rc.state === 'done'
          ? { kind: 'ok' as const, text: t('recheckDone', { at: when(rc.finishedAt, lang), verdict: t(`verdict_${rc.verdict ?? 'fail'}`), score: rc.score ?? '—' }) }
          : { kind: 'error' as const, text: t('recheckFailed', { error: rc.error ?? '' }) }
    : undefined;
  const checkTitle = (id: string) => d.titles[id]?.[lang] ?? id;
  const fp = findingsPage(v.findings, d.findingsPage ?? {});
  // The view may hold the findings without their texts and evidence (a site with thousands): complete the page shown.
  fillFindings(
    d.db,
    fp.groups.flatMap(([, fs]) => fs),
  );
  const body = html`<h1 id="site-name">${v.site.name ?? v.site.id}</h1>
<p class="meta">${outLink(v.url)} · ${t(v.site.kind === 'newmedia' ? 'kind_newmedia' : 'kind_website')}${v.site.platform ? ` · ${v.site.platform}` : ''}${v.site.group ? ` · ${v.site.group}` : ''}${v.site.owner ? ` · ${t('owner')}${lang === 'zh' ? '：' : ': '}${v.site.owner}` : ''}</p>
<section class="verdict-box v-${status}" id="verdict">
  <div><span class="label">${t('verdict')}</span> ${verdictBadge(t, status)}</div>
  <div><span class="label">${t('score')}</span> <strong id="score">${v.score}</strong> <span class="muted">/ ${t('passLine')} ${d.rules.passLine}</span></div>
  <div class="muted">${t('asOf')} ${run.as_of} · ${t('stats', { pages: v.stats.pages ?? 0, links: v.stats.links ?? 0, s: Math.round((v.stats.durationMs ?? 0) / 100) / 10 })}</div>
  ${v.raw ? html`<p class="raw" id="raw-verdict">${t('rawVerdict', { verdict: t(`verdict_${v.raw.verdict}`), score: v.raw.score })}</p>` : ''}
  ${v.error ? html`<p class="site-error">${t('siteError')}: ${v.error.kind} — ${v.error.message}</p>` : ''}
  ${ctx.role !== 'unit' ? html`<form method="post" action="${siteHref(run.id, v.site.id)}/recheck" class="recheck">${csrfField(ctx)}<button type="submit"${rc && (rc.state === 'queued' || rc.state === 'running') ? html` disabled` : ''}>${t('recheck')}</button></form>` : ''}
  <p class="rect-link"><a href="/rectification?run=${encodeURIComponent(run.id)}&amp;site=${encodeURIComponent(v.site.id)}">${t('rectification')}</a></p>
</section>
${explainRules(ctx, v, d.rules, (id) => {
  const p = fp.pageOf.get(id) ?? 1;
  if (p === fp.page) return `#f-${id}`;
  const q = new URLSearchParams(ctx.query);
  q.set('fpage', String(p));
  return `?${q.toString()}#f-${id}`;
})}
${
  d.changes
    ? html`<section class="changes" id="changes"><h2>${t('changes', { run: runLabel(d.changes.previous, lang) })}</h2>
${
  d.changes.compared
    ? html`<p>${t('changesSummary', { new: d.changes.newKeys.size, persisting: d.changes.persistingKeys.size, fixed: d.changes.fixed.length })}</p>
${d.changes.fixed.length ? html`<details><summary>${t('fixedList')}</summary><ul>${d.changes.fixed.map((x) => html`<li>${x.rule ? `${x.rule} ` : ''}${lang === 'en' ? x.messageEn : x.message}</li>`)}</ul></details>` : ''}`
    : html`<p>${t('firstInspection')}</p>`
}
</section>`
    : ''
}
<section class="checks"><h2>${t('checksTitle')}</h2><ul class="check-list">${v.checks.map(
    (c) => html`<li><a href="#check-${c.id}">${checkTitle(c.id)}</a> <span class="badge c-${c.status}">${t(`status_${c.status}` as 'status_pass')}</span>${c.error ? html` <span class="muted">${c.error}</span>` : ''}</li>`,
  )}</ul></section>
<section class="findings" id="findings"><h2>${t('findings')}</h2>
${
  v.findings.length
    ? html`${fp.pages > 1 ? html`<p class="count" id="findings-count">${t('findingsShown', { n: v.findings.length, from: fp.from, to: fp.to })}</p>${pager(ctx, { page: fp.page, pages: fp.pages, param: 'fpage', id: 'findings-pager-top', hash: '#findings' })}` : ''}
${fp.groups.map(
  ([id, fs]) => html`<section class="check" id="check-${id}"><h3>${checkTitle(id)} <span class="muted">(${fp.perCheck.get(id) ?? fs.length})</span></h3>
${fs.map((f) => findingCard(ctx, d, f))}</section>`,
)}
${pager(ctx, { page: fp.page, pages: fp.pages, param: 'fpage', id: 'findings-pager', hash: '#findings' })}`
    : html`<p class="empty">${t('noFindings')}</p>`
}
</section>`;
  return layout(ctx, {
    title: v.site.name ?? v.site.id,
    crumbs: [{ href: '/', label: t('runs') }, { href: runHref(run.id), label: runLabel(run, lang) }, { href: sitesHref(run.id), label: t('sites') }, { label: v.site.name ?? v.site.id }],
    body,
    flash: d.flash ?? recheckBanner,
    refreshSeconds: rc && (rc.state === 'queued' || rc.state === 'running') ? 2 : undefined,
  });
}

// ---------------------------------------------------------------- allow-list, login, errors

export function allowListPage(ctx: PageCtx, rows: AllowListRow[], titles: Titles, flash?: { kind: 'ok' | 'error'; text: string }): string {
  const { t, lang } = ctx;
  const body = html`<h1>${t('allowList')}</h1><p class="note">${t('allowIntro')}</p>
<p><a href="/allow-list.yaml" download>${t('allowExport')}</a></p>
${
  rows.length
    ? html`<table class="grid" id="allow-list"><thead><tr><th>${t('check')}</th><th>${t('allowValue')}</th><th>${t('allowScope')}</th><th>${t('comment')}</th><th>${t('reviewer')}</th><th>${t('createdAt')}</th><th></th></tr></thead><tbody>${rows.map(
        (
          r,
        ) => html`<tr><td>${titles[r.check_id]?.[lang] ?? r.check_id}</td><td><code>${r.value}</code></td><td>${r.scope === '*' ? t('allowAllSites') : r.scope}</td><td>${r.comment}</td><td>${r.reviewer}</td><td>${when(r.created_at, lang)}</td>
<td><form method="post" action="/allow-list/${r.id}/remove">${csrfField(ctx)}<button type="submit">${t('remove')}</button></form></td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">${t('allowEmpty')}</p>`
}`;
  return layout(ctx, { title: t('allowList'), crumbs: [{ href: '/', label: t('runs') }, { label: t('allowList') }], body, flash });
}

export function loginPage(ctx: PageCtx, next: string, error?: boolean, modes: { accounts: boolean; token: boolean } = { accounts: false, token: true }): string {
  const { t } = ctx;
  const body = html`<h1>${t('login')}</h1>
${
  modes.accounts
    ? html`<p>${t('loginUserHint')}</p><form method="post" action="/login" class="login" id="login-user">${csrfField(ctx)}<input type="hidden" name="next" value="${next}">
<label>${t('userName')} <input name="user" required autocomplete="username" maxlength="64" autofocus></label>
<label>${t('password')} <input type="password" name="password" required autocomplete="current-password" maxlength="1024"></label> <button type="submit">${t('login')}</button></form>`
    : ''
}
${
  modes.token
    ? html`<p>${t('loginHint')}</p><form method="post" action="/login" class="login" id="login-token">${csrfField(ctx)}<input type="hidden" name="next" value="${next}">
<label>${t('token')} <input type="password" name="token" required autocomplete="current-password"${modes.accounts ? '' : html` autofocus`}></label> <button type="submit">${t('login')}</button></form>`
    : ''
}`;
  return layout({ ...ctx, authRequired: false }, { title: t('login'), body, flash: error ? { kind: 'error', text: t('badToken') } : undefined });
}

export function errorPage(ctx: PageCtx, status: number, message: string): string {
  const { t } = ctx;
  return layout(ctx, { title: String(status), body: html`<h1>${status}</h1><p class="error-msg">${message}</p><p><a href="/">${t('back')}</a></p>` });
}
