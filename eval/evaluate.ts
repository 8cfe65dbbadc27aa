/**
 * The real-page evaluation: serve corpus folders under their own host names, run every website check on each
 * judged page (the page's URL as the registered site, as-of from the truth file, a small crawl so linked pages
 * in the corpus are read and the rest answer 404), and score the confirmed findings against the truth file.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { httpClientFor } from '../src/net/http.js';
import { checkSite } from '../src/site-check.js';
import type { Finding } from '../src/types.js';
import { corpusPages, fileFor, hostsNamedIn, serveCorpus, type CorpusPage } from './corpus.js';
import { fits, type FindingPattern, type Truth, type TruthPage } from './truth.js';

/** elsewhere: seen on another judged corpus page reached by the crawl; scored in that page's own run, not here. */
export type Judgement = 'true' | 'false' | 'unsure' | 'artefact' | 'server' | 'suspected' | 'elsewhere';

export interface ScoredFinding {
  page: string;
  checkId: string;
  rule: string | null;
  code: string;
  tier: Finding['tier'];
  severity: Finding['severity'];
  url: string;
  target: string | null;
  message: string;
  judgement: Judgement;
  /** For false alarms: the truth file names it under forbid. */
  forbidden?: boolean;
  /** For false alarms and artefacts: why. */
  reason?: string;
}

export interface Miss {
  page: string;
  pattern: FindingPattern;
  /** The expected finding was produced, but only as suspected. */
  asSuspected: boolean;
}

export interface CheckScore {
  check: string;
  truePositives: number;
  falseAlarms: number;
  /** False alarms the truth file names under forbid. */
  forbidden: number;
  misses: number;
  missedAsSuspected: number;
  suspected: number;
  unsure: number;
  /** Findings about links outside the corpus (they answer 404 / do not resolve here): not scored. */
  artefacts: number;
  /** Findings of server-level checks (our loopback server, not the site's): not scored. */
  server: number;
  errors: number;
  precision: number | null;
  recall: number | null;
}

/**
 * What a reader sees against what govcheck read, where the truth lists it: message items of the past year (the
 * interaction check's window) on the judged page and the pages its crawl read. Not part of the finding score.
 */
export interface Reading {
  page: string;
  /** Message items the truth lists with a question date within the year before as-of (undated items are not judged). */
  expected: number;
  /** Message items of the past year the interaction check read (its summary), or null when it did not run. */
  read: number | null;
}

export interface PageOutcome {
  key: string;
  url: string;
  asOf: string;
  verdict: string;
  error: string | null;
  checkErrors: Array<{ check: string; error: string }>;
  findings: ScoredFinding[];
  misses: Miss[];
  reading?: Reading;
}

export interface EvalReport {
  dirs: string[];
  server: { address: string; httpPort: number; httpsPort: number };
  maxPages: number;
  pages: PageOutcome[];
  /** Corpus pages without a truth entry (not checked). */
  unjudged: string[];
  /** Truth entries whose page is in none of the folders. */
  missingPages: string[];
  checks: CheckScore[];
  total: CheckScore;
  /** Message items read against the truth, summed over the pages whose truth lists messages. */
  messagesRead: { pages: number; expected: number; read: number; short: number; extra: number };
  /** One as-of date for every page instead of each page's own (`--as-of`): an exploration, not a score. */
  asOfOverride?: string;
}

export interface EvalOptions {
  dirs: string[];
  truth: Truth;
  /** Loopback address to serve on (127.0.0.x). */
  address: string;
  /** 'standard' = ports 80/443 (needs root), 'random' = any free ports (absolute links to :80/:443 then fail). */
  ports: 'standard' | 'random';
  maxPages?: number;
  /** Only these pages (keys or key prefixes). */
  only?: string[];
  /** Only these checks. */
  checks?: string[];
  configFile?: string;
  /** Per-request time limit (ms); everything is local. */
  timeoutMs?: number;
  /**
   * Judge every page at this date instead of its truth's as-of (YYYY-MM-DD): to see what a check says of a real
   * page at another date (a message list months later). The truth was judged at each page's own date, so the
   * scores of such a run are not the evaluation's.
   */
  asOf?: string;
  onPage?: (key: string, i: number, n: number) => void;
}

function keyOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.hostname + u.pathname;
  } catch {
    return undefined;
  }
}

function pageUrl(p: CorpusPage, port: number): string {
  return `http://${p.host}${port === 80 ? '' : `:${port}`}${p.urlPath}`;
}

export async function evaluate(opts: EvalOptions): Promise<EvalReport> {
  const dirs = opts.dirs.map((d) => path.resolve(d));
  const maxPages = opts.maxPages ?? 20;
  const pages = new Map<string, CorpusPage>();
  for (const d of dirs) for (const p of corpusPages(d)) if (!pages.has(p.key)) pages.set(p.key, p);
  const corpusHosts = new Set<string>();
  for (const d of dirs) for (const h of readdirSync(d)) if (h.includes('.') && statSync(path.join(d, h)).isDirectory()) corpusHosts.add(h.toLowerCase());
  const named = hostsNamedIn([...pages.values()].map((p) => p.file));
  const hosts: Record<string, string | null> = {};
  for (const h of named) hosts[h] = null;
  for (const h of corpusHosts) hosts[h] = opts.address;

  const truthByKey = new Map(opts.truth.pages.map((t) => [t.key, t]));
  const wanted = (key: string) => !opts.only?.length || opts.only.some((o) => key === o || key.startsWith(o));
  const judged = [...pages.values()].filter((p) => truthByKey.has(p.key) && wanted(p.key));
  const server = await serveCorpus(dirs, { address: opts.address, ports: opts.ports });
  const serverChecks = new Set(opts.truth.serverChecks);
  const inCorpus = (target: string | null): boolean => {
    if (!target) return false;
    try {
      const u = new URL(target);
      return corpusHosts.has(u.hostname) && dirs.some((d) => fileFor(d, u.hostname, u.pathname) !== undefined);
    } catch {
      return false;
    }
  };
  const outcomes: PageOutcome[] = [];
  try {
    let i = 0;
    for (const p of judged) {
      opts.onPage?.(p.key, ++i, judged.length);
      const judgedTruth = truthByKey.get(p.key)!;
      const t = opts.asOf ? { ...judgedTruth, asOf: opts.asOf } : judgedTruth;
      const config = loadConfig(opts.configFile, {
        allowNetworks: ['127.0.0.0/8'],
        hosts,
        gather: { maxPages, concurrency: 2, timeoutMs: opts.timeoutMs ?? 5000 },
        http: { timeoutMs: opts.timeoutMs ?? 5000, retries: 0 },
      });
      const http = httpClientFor(config, { networkPolicy: ['127.0.0.0/8'], rejectUnauthorized: false });
      const url = pageUrl(p, server.httpPort);
      try {
        const result = await checkSite({ id: p.key, url, kind: 'website' }, { config, asOf: t.asOf, http, checks: opts.checks, lang: 'zh', checkTimeoutMs: 120_000 });
        const all = result.checks.flatMap((c) => c.findings);
        const reading = readingOf(
          p.key,
          t,
          result.checks.find((c) => c.id === 'interaction'),
        );
        outcomes.push({
          key: p.key,
          url,
          asOf: t.asOf,
          verdict: result.verdict,
          error: result.error ? `${result.error.kind}: ${result.error.message}` : null,
          checkErrors: result.checks.filter((c) => c.status === 'error').map((c) => ({ check: c.id, error: c.error ?? '' })),
          ...score(p.key, t, all, serverChecks, inCorpus, (u) => {
            const k = keyOf(u);
            return k !== undefined && k !== p.key && truthByKey.has(k) && pages.has(k);
          }),
          ...(reading ? { reading } : {}),
        });
      } catch (e) {
        outcomes.push({ key: p.key, url, asOf: t.asOf, verdict: 'error', error: String((e as Error)?.message ?? e), checkErrors: [], findings: [], misses: t.expect.map((pattern) => ({ page: p.key, pattern, asSuspected: false })) });
      } finally {
        await http.close();
      }
    }
  } finally {
    await server.close();
  }
  const checks = tally(outcomes);
  return {
    dirs,
    server: { address: server.address, httpPort: server.httpPort, httpsPort: server.httpsPort },
    maxPages,
    pages: outcomes,
    unjudged: [...pages.keys()].filter((k) => !truthByKey.has(k) && wanted(k)),
    missingPages: opts.truth.pages.map((t) => t.key).filter((k) => !pages.has(k) && wanted(k)),
    checks,
    total: sum('total', checks),
    messagesRead: readTotals(outcomes),
    ...(opts.asOf ? { asOfOverride: opts.asOf } : {}),
  };
}

/** Days between two YYYY-MM-DD dates (b - a). */
function daysFrom(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The message reading of one page, when its truth lists messages (an empty list included: a reader sees none). */
export function readingOf(page: string, t: TruthPage, interaction: { status?: string; summary?: Record<string, unknown> } | undefined): Reading | undefined {
  if (!t.messages) return undefined;
  // The interaction check judges messages asked within 365 days before as-of (its default window).
  const expected = t.messages.filter((m) => m.asked && m.asked !== 'unknown' && daysFrom(m.asked, t.asOf) >= 0 && daysFrom(m.asked, t.asOf) <= 365).length;
  const n = interaction?.summary?.messages;
  return { page, expected, read: typeof n === 'number' ? n : interaction && interaction.status !== 'error' ? 0 : null };
}

function readTotals(outcomes: PageOutcome[]): EvalReport['messagesRead'] {
  const r = outcomes.flatMap((o) => (o.reading ? [o.reading] : []));
  return {
    pages: r.length,
    expected: r.reduce((a, x) => a + x.expected, 0),
    read: r.reduce((a, x) => a + (x.read ?? 0), 0),
    short: r.filter((x) => x.read === null || x.read < x.expected).length,
    extra: r.filter((x) => x.read !== null && x.read > x.expected).length,
  };
}

/**
 * Findings that say a link's target does not open (broken-links, and privacy-policy's broken policy link): every target
 * outside the corpus answers 404 here, so there they are artefacts of the corpus, not judged.
 */
function linkTargetFinding(f: Finding): boolean {
  return f.checkId === 'broken-links' || (f.checkId === 'privacy-policy' && f.code === 'policy-broken');
}

/** Scores one page's findings: only veto and deduction findings count (info and warning findings are detail). */
export function score(
  page: string,
  t: TruthPage,
  findings: Finding[],
  serverChecks: Set<string>,
  inCorpus: (target: string | null) => boolean,
  elsewhere: (url: string) => boolean = () => false,
): { findings: ScoredFinding[]; misses: Miss[] } {
  const out: ScoredFinding[] = [];
  const scorable = findings.filter((f) => f.severity === 'veto' || f.severity === 'deduction');
  const met = new Set<FindingPattern>();
  const metSuspected = new Set<FindingPattern>();
  for (const f of scorable) {
    const base: ScoredFinding = { page, checkId: f.checkId, rule: f.rule ?? null, code: f.code, tier: f.tier, severity: f.severity, url: f.url, target: f.target ?? null, message: f.message, judgement: 'false' };
    const expected = t.expect.find((p) => fits(p, f));
    if (!expected && elsewhere(f.url)) {
      out.push({ ...base, judgement: 'elsewhere' });
      continue;
    }
    if (f.tier === 'suspected') {
      if (expected) metSuspected.add(expected);
      out.push({ ...base, judgement: 'suspected' });
      continue;
    }
    if (serverChecks.has(f.checkId)) out.push({ ...base, judgement: 'server' });
    else if (expected) {
      met.add(expected);
      out.push({ ...base, judgement: 'true' });
    } else if (t.unsure.some((p) => fits(p, f))) out.push({ ...base, judgement: 'unsure' });
    else if (linkTargetFinding(f) && !inCorpus(f.target ?? null)) out.push({ ...base, judgement: 'artefact', reason: 'target outside the corpus' });
    // A site search asks a dynamic endpoint that no saved corpus holds: its 404 is ours, not the site's.
    else if (f.checkId === 'site-search' && f.code === 'search-broken' && !inCorpus(f.target ?? null)) out.push({ ...base, judgement: 'artefact', reason: 'search endpoint outside the corpus' });
    else {
      const forbid = t.forbid.find((p) => fits(p, f));
      out.push({ ...base, judgement: 'false', forbidden: !!forbid, reason: forbid?.why });
    }
  }
  const misses = t.expect.filter((p) => !met.has(p)).map((pattern) => ({ page, pattern, asSuspected: metSuspected.has(pattern) }));
  return { findings: out, misses };
}

function emptyScore(check: string): CheckScore {
  return { check, truePositives: 0, falseAlarms: 0, forbidden: 0, misses: 0, missedAsSuspected: 0, suspected: 0, unsure: 0, artefacts: 0, server: 0, errors: 0, precision: null, recall: null };
}

function finish(s: CheckScore): CheckScore {
  const judged = s.truePositives + s.falseAlarms;
  const wanted = s.truePositives + s.misses;
  return { ...s, precision: judged ? s.truePositives / judged : null, recall: wanted ? s.truePositives / wanted : null };
}

export function tally(outcomes: PageOutcome[]): CheckScore[] {
  const by = new Map<string, CheckScore>();
  const get = (id: string) => by.get(id) ?? by.set(id, emptyScore(id)).get(id)!;
  for (const o of outcomes) {
    for (const f of o.findings) {
      const s = get(f.checkId);
      if (f.judgement === 'true') s.truePositives++;
      else if (f.judgement === 'false') {
        s.falseAlarms++;
        if (f.forbidden) s.forbidden++;
      } else if (f.judgement === 'suspected') s.suspected++;
      else if (f.judgement === 'unsure') s.unsure++;
      else if (f.judgement === 'artefact') s.artefacts++;
      else if (f.judgement === 'server') s.server++;
    }
    for (const m of o.misses) {
      const s = get(m.pattern.check);
      s.misses++;
      if (m.asSuspected) s.missedAsSuspected++;
    }
    for (const e of o.checkErrors) get(e.check).errors++;
  }
  return [...by.values()].sort((a, b) => a.check.localeCompare(b.check)).map(finish);
}

function sum(name: string, scores: CheckScore[]): CheckScore {
  const s = emptyScore(name);
  for (const c of scores) {
    for (const k of ['truePositives', 'falseAlarms', 'forbidden', 'misses', 'missedAsSuspected', 'suspected', 'unsure', 'artefacts', 'server', 'errors'] as const) s[k] += c[k];
  }
  return finish(s);
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

/** The report as text: a table per check, the total, then every false alarm and miss. */
export function reportText(r: EvalReport): string {
  const lines: string[] = [];
  lines.push(`real pages: ${r.pages.length} judged page(s) from ${r.dirs.join(', ')}; served on ${r.server.address}:${r.server.httpPort}${r.server.httpsPort ? ` (+https :${r.server.httpsPort})` : ''}; max-pages ${r.maxPages}`);
  if (r.asOfOverride) lines.push(`as-of ${r.asOfOverride} for every page (--as-of): the truth was judged at each page's own date, so these scores are an exploration, not the evaluation`);
  const head = ['check', 'confirmed✓', 'false alarms', '(forbidden)', 'misses', '(as suspected)', 'suspected', 'unsure', 'artefacts', 'server', 'errors', 'precision', 'recall'];
  const row = (s: CheckScore) => [s.check, s.truePositives, s.falseAlarms, s.forbidden, s.misses, s.missedAsSuspected, s.suspected, s.unsure, s.artefacts, s.server, s.errors, pct(s.precision), pct(s.recall)].map(String);
  const rows = [head, ...r.checks.map(row), row(r.total)];
  const widths = head.map((_, i) => Math.max(...rows.map((x) => x[i].length)));
  rows.forEach((x, j) => {
    if (j === rows.length - 1) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(x.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  });
  const fa = r.pages.flatMap((p) => p.findings.filter((f) => f.judgement === 'false'));
  if (fa.length) {
    const byCode = new Map<string, number>();
    for (const f of fa) byCode.set(`${f.checkId} ${f.rule ?? ''} ${f.code}`, (byCode.get(`${f.checkId} ${f.rule ?? ''} ${f.code}`) ?? 0) + 1);
    lines.push('', 'false alarms by rule and message code:');
    for (const [k, n] of [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(4)}  ${k}`);
    lines.push('', `confirmed false alarms (${fa.length}):`);
    for (const f of fa)
      lines.push(`  ${f.page}  ${f.checkId} ${f.rule ?? ''} ${f.code}${f.forbidden ? ' [forbidden]' : ''}: ${f.message.slice(0, 160)}${f.url !== '' && !f.url.endsWith(f.page.slice(f.page.indexOf('/'))) ? `  (on ${f.url})` : ''}`);
  }
  const misses = r.pages.flatMap((p) => p.misses);
  if (misses.length) {
    lines.push('', `misses (${misses.length}):`);
    for (const m of misses) lines.push(`  ${m.page}  ${m.pattern.check} ${m.pattern.rule ?? ''} ${m.pattern.code ?? ''} ${m.pattern.match ?? ''}${m.asSuspected ? ' (only suspected)' : ''}${m.pattern.why ? ` — ${m.pattern.why}` : ''}`);
  }
  const m = r.messagesRead;
  if (m.pages) {
    lines.push('', `message items of the past year (truth → read by interaction): ${m.expected} → ${m.read} on ${m.pages} page(s); ${m.short} page(s) read fewer, ${m.extra} read more`);
    for (const p of r.pages) if (p.reading && p.reading.read !== p.reading.expected) lines.push(`  ${p.key}: ${p.reading.expected} → ${p.reading.read ?? 'not run'}`);
  }
  const errs = r.pages.filter((p) => p.error || p.checkErrors.length);
  if (errs.length) {
    lines.push('', 'errors:');
    for (const p of errs) lines.push(`  ${p.key}: ${[p.error, ...p.checkErrors.map((e) => `${e.check}: ${e.error}`)].filter(Boolean).join('; ')}`);
  }
  if (r.unjudged.length) lines.push('', `not judged (no truth entry): ${r.unjudged.join(', ')}`);
  if (r.missingPages.length) lines.push('', `in the truth file but in no folder: ${r.missingPages.join(', ')}`);
  const t = r.total;
  lines.push('', `total: ${t.truePositives} confirmed right, ${t.falseAlarms} confirmed false alarm(s), ${t.misses} miss(es), ${t.suspected} suspected; precision ${pct(t.precision)}, recall ${pct(t.recall)}`);
  return lines.join('\n');
}
