/**
 * `npm run realpages [-- DIR ...] [--json]`: the real-page evaluation (not a unit test). Notes: docs/modules.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { evaluate, reportText } from './evaluate.js';
import { loadTruth, TruthError } from './truth.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/eval → repo root, or eval → repo root when run from sources. */
const root = path.resolve(here, existsSync(path.join(here, '../package.json')) ? '..' : '../..');

function defaultDirs(): string[] {
  const shared = [path.resolve(root, '../shared/data/real-pages'), path.resolve(root, '../../shared/data/real-pages')].find((d) => existsSync(d));
  const extra = path.resolve(root, '.scratch/real-pages-extra');
  return [shared, existsSync(extra) ? extra : undefined].filter((d): d is string => !!d);
}

const program = new Command('realpages')
  .description('score every check against the judged truth of the real-page corpus')
  .argument('[dirs...]', 'corpus folders (<host>/<path>); default ../shared/data/real-pages and .scratch/real-pages-extra')
  .option('--truth <file>', 'truth file', path.join(root, 'realpages/truth.yaml'))
  .option('--json', 'machine-readable output')
  .option('--address <ip>', 'loopback address to serve on (port 80/443 when root, else random ports)', '127.0.0.1')
  .option(
    '--max-pages <n>',
    'pages crawled per checked page',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--max-pages must be a whole number ≥ 1');
      return n;
    },
    20,
  )
  .option('--only <key>', 'only pages whose host+path starts with this (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--checks <ids>', 'only these checks (comma-separated)', (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .option('--config <file>', 'YAML config file on top of the defaults')
  .option('--as-of <date>', "judge every page at this date (YYYY-MM-DD) instead of its truth's as-of: an exploration, not a score", (v: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new InvalidArgumentError('--as-of must be a date YYYY-MM-DD');
    return v;
  })
  .action(async (dirsArg: string[], o: { truth: string; json?: boolean; address: string; maxPages: number; only?: string[]; checks?: string[]; config?: string; asOf?: string }) => {
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.address)) throw new InvalidArgumentError('--address must be a loopback IPv4 address (127.x.y.z)');
    const dirs = dirsArg.length ? dirsArg : defaultDirs();
    if (!dirs.length) throw new InvalidArgumentError('no corpus folder: give one, or place ../shared/data/real-pages beside the checkout');
    for (const d of dirs) if (!existsSync(d)) throw new InvalidArgumentError(`no such folder: ${d}`);
    const truth = loadTruth(o.truth);
    const ports = process.getuid?.() === 0 ? 'standard' : 'random';
    const run = (p: 'standard' | 'random') =>
      evaluate({
        dirs,
        truth,
        address: o.address,
        ports: p,
        maxPages: o.maxPages,
        only: o.only,
        checks: o.checks,
        configFile: o.config,
        asOf: o.asOf,
        onPage: o.json ? undefined : (key, i, n) => process.stderr.write(`[${i}/${n}] ${key}\n`),
      });
    let report;
    try {
      report = await run(ports);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (ports !== 'standard' || (code !== 'EADDRINUSE' && code !== 'EACCES')) throw e;
      process.stderr.write(`realpages: port 80 on ${o.address} is taken (${code}); serving on random ports (absolute links to :80/:443 will not reach the corpus)\n`);
      report = await run('random');
    }
    process.stdout.write((o.json ? JSON.stringify(report, null, 2) : reportText(report)) + '\n');
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const msg = e instanceof TruthError || e instanceof InvalidArgumentError ? e.message : String((e as Error)?.message ?? e);
  process.stderr.write(`realpages: ${msg}\n`);
  process.exitCode = 2;
}
