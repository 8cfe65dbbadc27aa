/**
 * `npm run bench`: runs every benchmark module in bench/ (each default-exports an async function that
 * returns a Markdown section) and writes BENCHMARKS.md with the machine and the commands.
 * Not part of `npm test`.
 */
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
const only = process.argv.slice(2);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const sections: BenchSection[] = [];
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { default: () => Promise<BenchSection | BenchSection[]> };
  const out = await mod.default();
  sections.push(...(Array.isArray(out) ? out : [out]));
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = `# govcheck benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}.
Every server is local (127.0.0.1). Re-run: \`npm run bench\` (or \`npm run bench -- <module prefix>\` for one module).
`;
const md = [header, ...sections.map((s) => `## ${s.title}\n\n${s.body.trim()}\n`)].join('\n');
if (only.length === 0) writeFileSync(path.join(root, 'BENCHMARKS.md'), md);
process.stdout.write(md);
