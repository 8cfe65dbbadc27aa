/**
 * `npm run bench`: runs every benchmark module in bench/ (each default-exports an async function that
 * returns a Markdown section) and writes BENCHMARKS.md with the machine and the commands.
 * Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchSection {
  title: string;
  /** Markdown body: what was measured, the command, the table. */
  body: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MARK = '\n@@govcheck-bench-sections@@\n';

// A child run of one module: print its sections after a marker (modules may print to stdout themselves).
const child = process.env.GOVCHECK_BENCH_MODULE;
if (child) {
  const mod = (await import(pathToFileURL(path.join(here, child)).href)) as { default: () => Promise<BenchSection | BenchSection[]> };
  const out = await mod.default();
  process.stdout.write(MARK + JSON.stringify(Array.isArray(out) ? out : [out]));
  process.exit(0);
}

/** Each module runs in its own process, so no module's loaded dictionaries or heap colour another's figures. */
function runModule(file: string): Promise<BenchSection[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, GOVCHECK_BENCH_MODULE: file }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const at = out.lastIndexOf(MARK);
      if (code !== 0 || at < 0) reject(new Error(`bench module ${file} failed (exit ${code})`));
      else resolve(JSON.parse(out.slice(at + MARK.length)) as BenchSection[]);
    });
  });
}

const only = process.argv.slice(2);

// The figures must not depend on what other runs left in the user's cache folder: it keeps only the newest few
// builds of each kind, and a test run's variants push the default's out (a crawl then rebuilds the lexicon and
// dictionaries: ≈ 1.2 s CPU and ≈ 90 MB more). The bench has its own folder, filled once here by a small scan.
if (!process.env.GOVCHECK_CACHE_DIR) {
  process.env.GOVCHECK_CACHE_DIR = path.join(os.tmpdir(), 'govcheck-bench-cache');
  const cli = path.join(root, 'dist/src/cli/index.js');
  await new Promise<void>((resolve) => {
    const p = spawn(process.execPath, [cli, 'scan-text', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('close', () => resolve());
    p.on('error', () => resolve());
    p.stdin!.end('国务院办公厅关于印发政府工作报告的通知。\n');
  });
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const sections: BenchSection[] = [];
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  sections.push(...(await runModule(f)));
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = `# govcheck benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}.
Every server is local (127.0.0.1); the cache folder is the bench's own (GOVCHECK_CACHE_DIR, default ${path.join(os.tmpdir(), 'govcheck-bench-cache')}, filled before the modules run). Re-run: \`npm run bench\` (or \`npm run bench -- <module prefix>\` for one module).
`;
const md = [header, ...sections.map((s) => `## ${s.title}\n\n${s.body.trim()}\n`)].join('\n');
if (only.length === 0) writeFileSync(path.join(root, 'BENCHMARKS.md'), md);
process.stdout.write(md);
