/**
 * HTML building with escaping by default. Pages are written with the `html` tagged template: every interpolated
 * value is escaped (text and quoted attribute contexts alike) unless it is itself an `Html` fragment built the same
 * way. Notes: docs/modules.md.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESC[c]);
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: the literal parts are markup, every value is escaped (Html fragments pass as they are). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Trusted markup written in this code base (never data from a site or a request). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** JSON to embed in `<script type="application/json">`: no sequence in it can close the element. */
export function jsonForScript(data: unknown): Html {
  const s = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new Html(s);
}

/** A URL from a crawled site usable as a link target: http(s) only, else undefined (shown as text). */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** An outside link (to a crawled page): opens apart, sends no referrer, is not followed by robots. */
export function outLink(url: unknown, label?: string): Html {
  const href = safeHref(url);
  const text = label ?? String(url ?? '');
  return href ? html`<a class="out" href="${href}" rel="noopener noreferrer nofollow" target="_blank">${text}</a>` : html`<span class="out">${text}</span>`;
}

/**
 * The snippet with the offending text highlighted: every occurrence of each needle (longest first) is
 * wrapped in <mark>; all text escaped.
 */
export function highlight(text: string, needles: Array<string | undefined>): Html {
  const ns = [...new Set(needles.filter((n): n is string => !!n && n.length > 0 && n.length <= text.length))].sort((a, b) => b.length - a.length);
  if (!ns.length) return html`${text}`;
  const parts: Html[] = [];
  let i = 0;
  while (i < text.length) {
    let hit: string | undefined;
    let at = text.length;
    for (const n of ns) {
      const j = text.indexOf(n, i);
      if (j >= 0 && (j < at || (j === at && hit && n.length > hit.length))) {
        at = j;
        hit = n;
      }
    }
    if (!hit) break;
    parts.push(html`${text.slice(i, at)}<mark>${hit}</mark>`);
    i = at + hit.length;
  }
  parts.push(html`${text.slice(i)}`);
  return html`${parts}`;
}
