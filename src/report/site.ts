/** Output of one site's result: the stable JSON contract and the human text (Chinese by default). */
import type { Lang } from '../check-api/api.js';
import type { Rules } from '../config.js';
import { t } from '../i18n.js';
import type { Finding, SiteResult } from '../types.js';
import { terminalCell, terminalText } from './terminal.js';

/** The JSON contract documented in the README ("JSON output"). */
export function siteResultJson(r: SiteResult, lang: Lang = 'zh') {
  return {
    url: r.url,
    site: { id: r.site.id, name: r.site.name ?? null, kind: r.site.kind, group: r.site.group ?? null },
    asOf: r.asOf,
    verdict: r.verdict,
    score: r.score,
    decidedBy: r.decidedBy,
    error: r.error ?? null,
    checks: r.checks.map((c) => ({
      id: c.id,
      status: c.status,
      error: c.error ?? null,
      summary: c.summary ?? null,
      findings: c.findings.map((f) => ({
        severity: f.severity,
        tier: f.tier,
        rule: f.rule ?? null,
        points: f.points ?? null,
        code: f.code,
        url: f.url,
        target: f.target ?? null,
        message: lang === 'en' ? f.messageEn : f.message,
        evidence: f.evidence,
      })),
    })),
    stats: { pages: r.stats.pages, links: r.stats.links, durationMs: r.stats.durationMs, skippedByLimit: r.stats.skippedByLimit, errors: r.stats.errors },
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

function findingLine(f: Finding, lang: Lang, rules: Rules): string[] {
  const sev = t(`severity_${f.severity}`, lang);
  const tier = f.tier === 'suspected' ? `${t('tier_suspected', lang)}·` : '';
  const pts = f.severity === 'deduction' && f.points !== undefined ? ` −${f.points}${lang === 'zh' ? t('points', lang) : ''}` : '';
  const rule = f.rule ? ` ${f.rule}${rules.indicators[f.rule] ? ' ' + rules.indicators[f.rule].title[lang] : ''}` : '';
  // Crawled values stay on their line (terminalCell); the whole report is cleaned again at the end.
  const c = (v: unknown) => terminalCell(String(v));
  const lines = [`    [${tier}${sev}${rule}${pts}] ${c(lang === 'en' ? f.messageEn : f.message)}`];
  const where = [f.url !== f.target ? f.url : '', f.evidence.location ?? ''].filter(Boolean).map(c).join('  ');
  if (where) lines.push(`        ${t('where', lang)}: ${where}${f.evidence.snippet ? `  “${c(String(f.evidence.snippet).slice(0, 60))}”` : ''}`);
  if (f.evidence.expected || f.evidence.actual) {
    lines.push(`        ${t('expected', lang)}: ${c(f.evidence.expected ?? '-')}  ${t('actual', lang)}: ${c(f.evidence.actual ?? '-')}`);
  }
  if (typeof f.evidence.screenshot === 'string') lines.push(`        ${lang === 'en' ? 'screenshot' : '截图'}: ${c(f.evidence.screenshot)}`);
  return lines;
}

export function siteResultText(r: SiteResult, lang: Lang, rules: Rules, titles: Record<string, { zh: string; en: string }>, maxPerCheck = 20): string {
  const out: string[] = [];
  out.push(`govcheck ${t('result', lang)}  ${r.url}  (${t('asOf', lang)} ${r.asOf})`);
  out.push(`${t('verdict', lang)}: ${t(r.verdict === 'pass' ? 'verdict_pass' : 'verdict_fail', lang)}  (${t('score', lang)} ${r.score} / ${t('passLine', lang)} ${rules.passLine})`);
  if (r.error) out.push(`${t('siteError', lang)}: ${r.error.kind} — ${r.error.message}`);
  if (r.decidedBy.length) {
    out.push(`${t('decidedBy', lang)}:`);
    for (const h of r.decidedBy) {
      const title = rules.indicators[h.rule]?.title[lang] ?? '';
      out.push(`  ${h.rule} ${title}: ${h.kind === 'veto' ? t('severity_veto', lang) : `−${h.points}`} (${h.findings} ${t('findings', lang)})`);
    }
  }
  out.push(`${t('checks', lang)}:`);
  for (const c of r.checks) {
    const mark = c.status === 'pass' ? '✔' : c.status === 'fail' ? '✘' : c.status === 'error' ? '!' : '·';
    const title = titles[c.id]?.[lang] ?? c.id;
    const count = c.findings.length ? `, ${c.findings.length} ${t('findings', lang)}` : '';
    out.push(`  ${mark} ${title} (${c.id}): ${t(`status_${c.status}`, lang)}${count}${c.error ? ` — ${c.error}` : ''}`);
    const order = { veto: 0, deduction: 1, warning: 2, info: 3 } as const;
    const sorted = [...c.findings].sort((a, b) => order[a.severity] - order[b.severity] || (a.tier === b.tier ? 0 : a.tier === 'confirmed' ? -1 : 1));
    for (const f of sorted.slice(0, maxPerCheck)) out.push(...findingLine(f, lang, rules));
    if (sorted.length > maxPerCheck) out.push(`    … ${t('more', lang, { n: sorted.length - maxPerCheck })}`);
  }
  out.push(`${t('stats', lang)}: ${t('pages', lang)} ${r.stats.pages}, ${t('links', lang)} ${r.stats.links}, ${t('duration', lang)} ${(r.stats.durationMs / 1000).toFixed(1)} ${t('seconds', lang)}`);
  return terminalText(out.join('\n'));
}
