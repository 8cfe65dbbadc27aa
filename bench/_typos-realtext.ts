/**
 * The typos check on real government pages: findings per 10,000 characters of scanned text, by tier, each listed for
 * reading by hand. An evaluation command, not a test (the pages are third-party data and stay outside the
 * repository). Notes: docs/modules.md.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import typos from '../checks/typos.js';
import { collectedOf, type FindingInput } from '../src/check-api/api.js';
import { lmStudy } from '../src/analysis/text/lm.js';
import { artifactsFromHtml } from '../src/gather/page-artifact.js';
import { assertSetPaths, parseSets } from './_set.js';
import { studyRows } from './_lm-study.js';

export interface RealTextResult {
  pages: number;
  chars: number;
  confirmed: number;
  suspected: number;
  perTenThousand: { confirmed: number; suspected: number };
  cpuMs: number;
  findings: Array<{ page: string; tier: string; rule?: string; text: string; suggestion: string; category: string; reason?: string; snippet?: string }>;
}

/** The charset a page declares in <meta> (GB2312 pages of stats.gov.cn), else UTF-8. */
function decodeHtml(buf: Buffer): string {
  const head = buf.subarray(0, 4096).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head);
  const cs = m?.[1]?.toLowerCase();
  if (cs && cs !== 'utf-8' && cs !== 'utf8' && iconv.encodingExists(cs)) return iconv.decode(buf, cs === 'gb2312' || cs === 'gbk' ? 'gb18030' : cs);
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

function pagesOf(dir: string): Array<{ url: string; file: string }> {
  const manifest = path.join(dir, 'manifest.tsv');
  if (existsSync(manifest)) {
    const rows = readFileSync(manifest, 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
    return rows
      .map((r) => r.split('\t'))
      .map(([site, urlPath]) => {
        const rel = urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath;
        const candidates = [path.join(dir, site, rel), path.join(dir, site, urlPath)];
        const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
        return { url: `http://${site}${urlPath}`, file: file ?? '' };
      })
      .filter((p) => p.file);
  }
  const out: Array<{ url: string; file: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const f = path.join(d, name);
      if (statSync(f).isDirectory()) walk(f);
      else if (/\.(s?html?|htm)$/i.test(name)) out.push({ url: `http://${path.relative(dir, f).split(path.sep).join('/')}`, file: f });
    }
  };
  walk(dir);
  return out;
}

/** `overrides`: options of the typos check, e.g. `{ text: { lm: { report: 'all' } } }` (the model pass reports confirmed findings only by default). */
export async function evaluateRealText(dir: string, asOf = '2024-07-01', overrides: Record<string, unknown> = {}, dump?: string[]): Promise<RealTextResult> {
  const options = typos.meta.options.parse(overrides);
  const res: RealTextResult = { pages: 0, chars: 0, confirmed: 0, suspected: 0, perTenThousand: { confirmed: 0, suspected: 0 }, cpuMs: 0, findings: [] };
  const c0 = process.cpuUsage();
  for (const p of pagesOf(dir)) {
    const html = decodeHtml(readFileSync(p.file));
    // a page below the site root is read as a crawled page (depth 1: an article), the root as a home page
    const depth = new URL(p.url).pathname === '/' ? 0 : 1;
    if (dump) lmStudy.sink = (text, findings, pairAt, input) => dump.push(JSON.stringify({ page: p.url, findings: studyRows(text, findings, pairAt, input) }));
    const a = artifactsFromHtml([{ url: p.url, html, depth }], { asOf, collectors: [{ module: typos, options }] });
    const out = await typos.run(a, { options, asOf, lang: 'zh', rulePoints: () => 1, http: undefined as never, pages: undefined as never, collected: (page) => collectedOf(page, 'typos') });
    res.pages++;
    res.chars += Number(out.summary?.chars ?? 0);
    for (const f of out.findings as FindingInput[]) {
      if (f.tier === 'suspected') res.suspected++;
      else res.confirmed++;
      const ev = (f.evidence ?? {}) as Record<string, unknown>;
      res.findings.push({
        page: p.url,
        tier: f.tier ?? 'confirmed',
        rule: f.rule,
        text: String(ev.actual ?? ''),
        suggestion: String(ev.expected ?? ''),
        category: String(ev.category ?? ''),
        reason: ev.reason as string | undefined,
        snippet: ev.snippet as string | undefined,
      });
    }
  }
  lmStudy.sink = undefined;
  const cpu = process.cpuUsage(c0);
  res.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  const per = (n: number) => (res.chars ? Math.round((n / res.chars) * 1e4 * 100) / 100 : 0);
  res.perTenThousand = { confirmed: per(res.confirmed), suspected: per(res.suspected) };
  return res;
}

if (process.argv[1] && /_typos-realtext\.js$/.test(process.argv[1])) {
  const args = process.argv.slice(2);
  const opt = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dir = args.find((a, i) => !a.startsWith('--') && !(i > 0 && (args[i - 1] === '--as-of' || args[i - 1] === '--set' || args[i - 1] === '--dump')));
  if (!dir || !existsSync(dir)) {
    process.stderr.write('usage: node dist/bench/_typos-realtext.js DIR [--as-of YYYY-MM-DD] [--set text.lm.report=all]… [--json] [--quiet]\n');
    process.exit(2);
  }
  // --set a.b.c=value: an option of the typos check (numbers and true/false parsed), e.g. text.lm.report=all
  const { overrides, paths } = parseSets(args);
  let r: RealTextResult;
  try {
    const dump = opt('--dump') ? [] : undefined;
    assertSetPaths(paths, typos.meta.options.parse(overrides), 'the typos check (e.g. text.lm.report)');
    r = await evaluateRealText(dir, opt('--as-of'), overrides, dump);
    if (dump) writeFileSync(opt('--dump')!, `${dump.join('\n')}\n`);
  } catch (e) {
    process.stderr.write(`_typos-realtext: ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    if (!args.includes('--quiet')) for (const f of r.findings) process.stdout.write(`${f.tier}\t${f.rule}\t${f.category}\t${f.text} → ${f.suggestion}\t${f.reason ?? ''}\t…${(f.snippet ?? '').replace(/\s+/g, ' ')}…\t${f.page}\n`);
    process.stdout.write(
      `${r.pages} pages, ${r.chars} characters scanned: ${r.confirmed} confirmed (${r.perTenThousand.confirmed} per 10,000 characters), ${r.suspected} suspected (${r.perTenThousand.suspected} per 10,000 characters); ${r.cpuMs} ms CPU\n`,
    );
  }
}
