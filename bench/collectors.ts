/**
 * Per-page collector benchmark, fully offline (no HTTP): the HTML of generated pages (the benchmark site of
 * tests/fixtures/bench-site.ts and the realistic fixture site of tests/fixtures/site.ts) is decoded and parsed
 * as the gatherer does (decodeHtml, htmlparser2 parseDocument, capDomDepth), then `buildPageArtifact` is timed
 * with no collectors (extraction only), with each website check's collector alone, and with all of them
 * together (what a crawl pays: the content analysis is shared by the checks that use it).
 * Reports CPU µs per page (main thread, fastest of a few rounds).
 *
 * Run: `npm run build && node dist/bench/index.js collectors` (or `npm run bench -- collectors`).
 * `COLLECTORS_PAGES` (default 150) sets how many bench-site pages are used.
 */
import type { ServerResponse } from 'node:http';
import { parseDocument } from 'htmlparser2';
import { loadConfig } from '../src/config.js';
import { decodeHtml } from '../src/gather/decode.js';
import { buildPageArtifact, capDomDepth, type Collector, type ParsedPage } from '../src/gather/page.js';
import { selectChecks } from '../src/site-check.js';
import type { SiteRef } from '../src/types.js';
import { generateBenchSite } from '../tests/fixtures/bench-site.js';
import { generateSite, type Routes } from '../tests/fixtures/site.js';
import type { BenchSection } from './index.js';

interface RawPage {
  url: string;
  body: Buffer;
  contentType: string;
}

/** The body a route would send: static routes directly, handler routes through a response that only records. */
function bodyOf(route: { status?: number; headers?: Record<string, string>; body?: string | Buffer; handler?: (req: never, res: ServerResponse) => void }): { body: Buffer; contentType: string } | undefined {
  if (!route.handler) {
    if ((route.status ?? 200) !== 200 || route.body === undefined) return undefined;
    return { body: Buffer.from(route.body), contentType: route.headers?.['content-type'] ?? '' };
  }
  let contentType = '';
  let body: Buffer | undefined;
  const res = {
    writeHead(_status: number, headers?: Record<string, string>) {
      contentType = headers?.['content-type'] ?? contentType;
      return res;
    },
    setHeader(k: string, v: string) {
      if (k.toLowerCase() === 'content-type') contentType = v;
      return res;
    },
    end(chunk?: string | Buffer) {
      if (chunk !== undefined) body = Buffer.from(chunk);
      return res;
    },
  };
  route.handler({ method: 'GET', headers: {} } as never, res as unknown as ServerResponse);
  return body ? { body, contentType } : undefined;
}

function htmlPages(routes: Routes, origin: string, limit = Infinity): RawPage[] {
  const out: RawPage[] = [];
  for (const [p, route] of routes) {
    if (out.length >= limit) break;
    if (route.handler && !p.startsWith('/art/') && p !== '/') continue; // timing/behaviour handlers of the fixture site
    const b = bodyOf(route);
    if (!b || !/^text\/html/i.test(b.contentType)) continue;
    out.push({ url: new URL(p, origin).href, ...b });
  }
  return out;
}

function parsed(raw: RawPage, depth: number): ParsedPage {
  const charset = /charset\s*=\s*["']?([^;"'\s]+)/i.exec(raw.contentType)?.[1];
  const decoded = decodeHtml(raw.body, charset);
  const dom = parseDocument(decoded.text, { decodeEntities: true });
  capDomDepth(dom);
  return {
    url: raw.url,
    finalUrl: raw.url,
    status: 200,
    headers: { 'content-type': raw.contentType },
    redirectChain: [],
    depth,
    fetchedAt: '2024-07-01T00:00:00.000Z',
    durationMs: 1,
    bytes: raw.body.length,
    truncated: false,
    encoding: decoded.encoding,
    encodingSource: decoded.source,
    html: decoded.text,
    dom,
  };
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}


interface Corpus {
  label: string;
  site: SiteRef;
  siteHosts: Set<string>;
  pages: ParsedPage[];
}

/**
 * CPU µs per page of buildPageArtifact over the corpus with the given collectors: the fastest of `rounds`
 * rounds (the least disturbed by other processes on a shared machine and by garbage collection).
 */
function timeOver(c: Corpus, collectors: Collector[], rounds: number, minPages: number): number {
  const ctx = { site: c.site, asOf: '2024-07-01', siteHosts: c.siteHosts, collectors };
  for (const p of c.pages.slice(0, 20)) buildPageArtifact(p, ctx); // warm-up (lazy dictionaries, JIT)
  const passes = Math.max(1, Math.ceil(minPages / c.pages.length));
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuUs();
    for (let k = 0; k < passes; k++) for (const p of c.pages) buildPageArtifact(p, ctx);
    per.push((cpuUs() - t0) / (c.pages.length * passes));
  }
  return Math.min(...per);
}

export async function measureCollectors(opts: { benchPages?: number; rounds?: number } = {}) {
  const benchPages = opts.benchPages ?? Number(process.env.COLLECTORS_PAGES ?? 150);
  const rounds = opts.rounds ?? 5;
  const minPages = 120;
  const origin = 'http://127.0.0.1:8080';
  const bench = generateBenchSite({ pages: benchPages });
  const fixture = generateSite({ externalOrigin: 'http://127.0.0.1:9' });
  const corpora: Corpus[] = [
    { label: 'bench site', raw: htmlPages(bench.routes, origin, benchPages) },
    { label: 'fixture site', raw: htmlPages(fixture.routes, origin) },
  ].map(({ label, raw }) => {
    const site: SiteRef = { id: '127.0.0.1:8080', url: `${origin}/`, kind: 'website' };
    const pages = raw.map((r) => parsed(r, new URL(r.url).pathname === '/' ? 0 : 1));
    return { label: `${label} (${pages.length} pages)`, site, siteHosts: new Set(['127.0.0.1:8080']), pages };
  });
  // Decoding and parsing again, warm: what the gatherer pays per page before buildPageArtifact.
  const parseUs = corpora.map((c) => {
    const raws = c.pages.map((p) => ({ url: p.url, body: Buffer.from(p.html), contentType: 'text/html; charset=utf-8' }));
    const t0 = cpuUs();
    for (const r of raws) parsed(r, 1);
    return (cpuUs() - t0) / raws.length;
  });
  const checks = (await selectChecks(loadConfig(), 'website')).filter((c) => c.module.collect);
  for (const c of corpora) timeOver(c, checks, 1, 1); // warm-up of every code path before anything is timed
  const rows: Array<{ name: string; us: number[] }> = [];
  rows.push({ name: 'extraction only (no collectors)', us: corpora.map((c) => timeOver(c, [], rounds, minPages)) });
  const base = rows[0].us;
  for (const c of checks) rows.push({ name: c.module.meta.id, us: corpora.map((k, i) => timeOver(k, [c], rounds, minPages) - base[i]) });
  const sumAlone = corpora.map((_, i) => rows.slice(1).reduce((s, r) => s + r.us[i], 0));
  const all = corpora.map((c) => timeOver(c, checks, rounds, minPages));
  return { corpora, rows, sumAlone, all, parseUs, rounds };
}

export default async function collectors(): Promise<BenchSection> {
  const m = await measureCollectors();
  const f = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : n.toFixed(1));
  const head = `| | ${m.corpora.map((c) => c.label).join(' | ')} |\n|---|${m.corpora.map(() => '---:').join('|')}|`;
  const lines = [
    `| decode + parse + capDomDepth (before buildPageArtifact, one pass, UTF-8) | ${m.parseUs.map(f).join(' | ')} |`,
    ...m.rows.map((r, i) => `| ${i === 0 ? r.name : `+ ${r.name} collector alone`} | ${r.us.map(f).join(' | ')} |`),
    `| sum of the collectors alone | ${m.sumAlone.map(f).join(' | ')} |`,
    `| **buildPageArtifact with all collectors** (extraction included) | ${m.all.map((x) => `**${f(x)}**`).join(' | ')} |`,
  ];
  const body = `CPU time per page (µs, main thread, fastest of ${m.rounds} rounds) of \`buildPageArtifact\`: extraction alone, then
each website check's collector alone (its cost over extraction), then all of them together as a crawl runs them
(the content analysis of src/content/page.ts is memoised per page and shared by the checks that use it, so the
total is below the sum). No HTTP: the pages are the generated bodies, decoded and parsed as the gatherer does.
Command: \`npm run build && node dist/bench/index.js collectors\`.

${head}
${lines.join('\n')}
`;
  return { title: 'Per-page collectors (CPU per page, offline)', body };
}
