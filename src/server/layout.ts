/** Page frame shared by every page: header with navigation and the language switch, flash messages. */
import type { Lang } from '../check-api/api.js';
import { html, type Html } from './html.js';
import type { T } from './i18n.js';

export interface PageCtx {
  lang: Lang;
  t: T;
  /** Current path and query (for the language switch). */
  path: string;
  query: URLSearchParams;
  /** CSRF token for forms on this page (created on first use). */
  csrf(): string;
  /** True when pages need the token (the logout button is shown). */
  authRequired: boolean;
  /** Bull Board mounted under /admin/queues. */
  queues: boolean;
  /** Last reviewer name used from this browser (prefills review forms); the signed-in user's name. */
  reviewer: string;
  /** The signed-in user (accounts mode), if any. */
  user?: string;
  /** The asker's role (src/server/scope.ts; 'admin' in the one-person modes). */
  role?: 'admin' | 'inspector' | 'unit';
}

/** The same page in the other language. */
function langHref(ctx: PageCtx, lang: Lang): string {
  const q = new URLSearchParams(ctx.query);
  q.set('lang', lang);
  return `${ctx.path}?${q.toString()}`;
}

export function csrfField(ctx: PageCtx): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf()}">`;
}

export interface Crumb {
  href?: string;
  label: string;
}

export function layout(ctx: PageCtx, o: { title: string; crumbs?: Crumb[]; body: Html; flash?: { kind: 'ok' | 'error' | 'info'; text: string }; scripts?: string[]; refreshSeconds?: number }): string {
  const { t } = ctx;
  const page = html`<!DOCTYPE html>
<html lang="${ctx.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<title>${o.title} · govcheck</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/">govcheck <span>${t('appName')}</span></a>
  <nav>
    <a href="/">${t('runs')}</a>
    <a href="/rectification">${t('rectification')}</a>
    ${ctx.role !== 'unit' ? html`<a href="/allow-list">${t('allowList')}</a> <a href="/audit">${t('auditLog')}</a>` : ''}
    ${ctx.queues && (ctx.role ?? 'admin') === 'admin' ? html`<a href="/admin/queues">${t('queues')}</a>` : ''}
  </nav>
  <span class="lang">${ctx.lang === 'zh' ? html`<strong>中文</strong> | <a href="${langHref(ctx, 'en')}" hreflang="en">English</a>` : html`<a href="${langHref(ctx, 'zh')}" hreflang="zh-CN">中文</a> | <strong>English</strong>`}</span>
  ${ctx.user ? html`<span class="who" id="who">${ctx.user} · ${t(`role_${ctx.role ?? 'admin'}`)}</span>` : ''}
  ${ctx.authRequired ? html`<form class="logout" method="post" action="/logout">${csrfField(ctx)}<button type="submit">${t('logout')}</button></form>` : ''}
</header>
<main>
${o.crumbs?.length ? html`<nav class="crumbs">${o.crumbs.map((c, i) => html`${i ? ' › ' : ''}${c.href ? html`<a href="${c.href}">${c.label}</a>` : html`<span>${c.label}</span>`}`)}</nav>` : ''}
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ''}
${o.body}
</main>
${(o.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</body>
</html>`;
  return page.value;
}
