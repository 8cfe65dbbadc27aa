/**
 * `govcheck scan-text [FILE|-]`: the typo and wrong-expression engine on plain text (a file, or standard input), so
 * it can be used and measured on its own. JSON format: one object per finding per line. Notes: docs/modules.md.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TextFinding, TextScope } from '../../analysis/text/engine.js';
import { dateArg, EXIT, intArg, langArg, listArg, UsageError } from '../common.js';

const CATEGORY_ZH: Record<string, string> = {
  typo: '错别字',
  word: '不规范用词',
  idiom: '成语错用',
  formulation: '重要提法',
  organ: '机构名称',
  'organ-outdated': '机构旧称',
  title: '职务名称',
  leader: '领导人姓名',
  naming: '涉台港澳用语',
  place: '地名',
  'near-miss': '疑似错别字',
  wording: '表述不规范',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Doc {
  /** Line number (JSON lines) or undefined for a plain text. */
  line?: number;
  id?: string;
  text: string;
  date?: string;
}

/** JSON lines: one {"text", "date"?, "id"?} per line; a bad line is a one-line error naming it. */
export function parseJsonLines(input: string): Doc[] {
  const docs: Doc[] = [];
  const lines = input.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new UsageError(`--jsonl line ${i + 1}: not valid JSON`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v) || typeof (v as { text?: unknown }).text !== 'string') throw new UsageError(`--jsonl line ${i + 1}: expected an object with a "text" string`);
    const o = v as { text: string; date?: unknown; id?: unknown };
    if (o.date !== undefined && o.date !== null && (typeof o.date !== 'string' || !DATE.test(o.date.slice(0, 10)))) throw new UsageError(`--jsonl line ${i + 1}: "date" must be YYYY-MM-DD`);
    docs.push({ line: i + 1, id: o.id === undefined || o.id === null ? undefined : String(o.id), text: o.text, date: typeof o.date === 'string' ? o.date.slice(0, 10) : undefined });
  }
  return docs;
}

interface Opts {
  format: 'text' | 'json';
  lang: 'zh' | 'en';
  scope: TextScope;
  config?: string;
  dict: string[];
  allow: string[];
  site?: string;
  group?: string;
  confirmedOnly?: boolean;
  maxBytes: number;
  asOf?: string;
  date?: string;
  jsonl?: boolean;
}

/** UTF-8 (with or without BOM), else GB18030 (GBK files from government offices). */
async function decode(buf: Buffer): Promise<string> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/^\uFEFF/, '');
  } catch {
    const { default: iconv } = await import('iconv-lite');
    return iconv.decode(buf, 'gb18030');
  }
}

async function readInput(file: string | undefined, maxBytes: number): Promise<Buffer> {
  if (file && file !== '-') {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (buf.length > maxBytes) throw new UsageError(`${file} is ${buf.length} bytes, over --max-bytes ${maxBytes}`);
    return buf;
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    n += (c as Buffer).length;
    if (n > maxBytes) throw new UsageError(`standard input is over --max-bytes ${maxBytes}`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Line and column (1-based) of each offset, computed in one pass over sorted offsets. */
function lineCols(text: string, offsets: number[]): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  let line = 1;
  let lineStart = 0;
  let p = 0;
  for (const off of sorted) {
    for (; p < off; p++) {
      if (text.charCodeAt(p) === 10) {
        line++;
        lineStart = p + 1;
      }
    }
    out.set(off, [line, off - lineStart + 1]);
  }
  return out;
}

/** Scans the text in blocks cut at line ends (so each block's findings stay under the engine's cap). */
export function scanLongText(text: string, scan: (t: string) => TextFinding[], block = 100_000): TextFinding[] {
  const out: TextFinding[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + block);
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      if (nl > start) end = nl + 1;
    }
    for (const f of scan(text.slice(start, end))) out.push({ ...f, offset: f.offset + start });
    start = end;
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('scan-text')
    .argument('[file]', 'text file (UTF-8 or GBK); - or nothing for standard input')
    .description('检查文本中的错别字与严重表述错误 / scan plain text for typos and wrong official expressions')
    .option(
      '-f, --format <format>',
      'text or json (one JSON object per finding per line)',
      (v: string) => {
        if (v !== 'text' && v !== 'json') throw new UsageError('--format expects text or json');
        return v;
      },
      'text',
    )
    .option('--lang <lang>', 'zh or en', langArg, 'zh' as const)
    .option(
      '--scope <scope>',
      'website (W-V4/W-D3) or newmedia (M-V1/M-D3)',
      (v: string) => {
        if (v !== 'website' && v !== 'newmedia') throw new UsageError('--scope expects website or newmedia');
        return v;
      },
      'website',
    )
    .option('--config <file>', 'YAML config (the typos check options under checks.typos.text are used)')
    .option('--dict <dir>', 'extra dictionary folder (repeatable)', listArg, [])
    .option('--allow <text>', 'text never reported (repeatable)', listArg, [])
    .option('--site <id>', "apply the dictionaries' allow-list of this site (id or host)")
    .option('--group <group>', "apply the dictionaries' allow-list of this group or province")
    .option('--confirmed-only', 'leave out suspected findings')
    .option('--as-of <date>', 'inspection date YYYY-MM-DD for texts without a date of their own (default: today, Asia/Shanghai)', dateArg)
    .option('--date <date>', "the text's publication date YYYY-MM-DD (renamed organs are judged against it)", dateArg)
    .option('--jsonl', 'input is JSON lines: {"text": "…", "date": "YYYY-MM-DD", "id": "…"} per line, each judged against its own date')
    .option('--max-bytes <n>', 'largest input accepted', intArg('--max-bytes', 1), 50 * 1024 * 1024)
    .action(async (file: string | undefined, o: Opts) => {
      const { loadConfig } = await import('../../config.js');
      const { DictionaryError } = await import('../../analysis/text/dictionaries.js');
      const { getEngine, textOptionsSchema } = await import('../../analysis/text/engine.js');
      const { todayInShanghai } = await import('../../china-time.js');
      const config = loadConfig(o.config);
      const fromConfig = ((config.checks.typos ?? {}) as { text?: Record<string, unknown> }).text ?? {};
      const parsed = textOptionsSchema.safeParse({ ...fromConfig, dictionaryDirs: [...((fromConfig.dictionaryDirs as string[] | undefined) ?? []), ...o.dict] });
      if (!parsed.success) throw new UsageError(`typos options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      let engine;
      try {
        engine = getEngine(parsed.data);
      } catch (e) {
        if (e instanceof DictionaryError) throw new UsageError(e.message);
        throw e;
      }
      const input = await decode(await readInput(file, o.maxBytes));
      if (o.jsonl && o.date) throw new UsageError('--date applies to a single text; with --jsonl give each line a "date"');
      const asOf = o.asOf ?? todayInShanghai();
      const docs: Doc[] = o.jsonl ? parseJsonLines(input) : [{ text: input, date: o.date }];
      const findings: TextFinding[] = [];
      const out: string[] = [];
      for (const doc of docs) {
        const text = doc.text;
        const fs = scanLongText(text, (t) => engine.scan(t, { scope: o.scope, allow: o.allow, site: o.site, group: o.group, date: doc.date, asOf }).findings).filter((f) => !o.confirmedOnly || f.tier === 'confirmed');
        findings.push(...fs);
        const pos = lineCols(
          text,
          fs.map((f) => f.offset),
        );
        const where = doc.line === undefined ? '' : `${doc.id ?? `#${doc.line}`} `;
        for (const f of fs) {
          const [line, column] = pos.get(f.offset) ?? [0, 0];
          if (o.format === 'json') {
            out.push(
              JSON.stringify({
                ...(doc.line === undefined ? {} : { doc: doc.id ?? doc.line, docLine: doc.line }),
                text: f.text,
                suggestion: f.suggestion,
                rule: f.rule,
                category: f.category,
                severity: f.severity,
                tier: f.tier,
                offset: f.offset,
                length: f.length,
                line,
                column,
                source: f.source,
                entry: f.entry,
                relation: f.relation,
                score: f.score,
                note: f.note,
                reason: f.reason,
                date: doc.date ?? asOf,
                script: f.script,
                snippet: f.snippet,
              }),
            );
          } else if (o.lang === 'zh') {
            const kind = f.tier === 'suspected' ? '疑似' : f.severity === 'veto' ? '严重' : '错误';
            out.push(`${where}${line}:${column}  [${kind}] “${f.text}” → “${f.suggestion}”（${CATEGORY_ZH[f.category] ?? f.category}，${f.rule}）  …${f.snippet.replace(/\s+/g, ' ')}…${f.note ? `  ${f.note}` : ''}`);
          } else {
            const kind = f.tier === 'suspected' ? 'suspected' : f.severity === 'veto' ? 'serious' : 'typo';
            out.push(`${where}${line}:${column}  [${kind}] "${f.text}" → "${f.suggestion}" (${f.category}, ${f.rule})  …${f.snippet.replace(/\s+/g, ' ')}…${f.note ? `  ${f.note}` : ''}${f.reason ? `  (${f.reason})` : ''}`);
          }
        }
      }
      const chars = docs.reduce((n, d) => n + d.text.length, 0);
      const serious = findings.filter((f) => f.tier === 'confirmed' && f.severity === 'veto').length;
      const typos = findings.filter((f) => f.tier === 'confirmed' && f.severity === 'deduction').length;
      const suspected = findings.filter((f) => f.tier === 'suspected').length;
      if (o.format === 'text') {
        out.push(
          o.lang === 'zh'
            ? `共 ${findings.length} 处：严重表述错误 ${serious}，错别字 ${typos}，疑似 ${suspected}（${chars} 字）`
            : `${findings.length} finding(s): ${serious} serious, ${typos} typos, ${suspected} suspected (${chars} characters)`,
        );
      }
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
      process.exitCode = serious + typos > 0 ? EXIT.fail : EXIT.pass;
    });
}
