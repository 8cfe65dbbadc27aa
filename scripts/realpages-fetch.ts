/**
 * Rebuilds the extra real-page corpus (realpages/manifest.tsv) from local git snapshots of the repositories it
 * names: reads each blob with `git show COMMIT:PATH`, checks its sha256 and writes it to <out>/<host>/<url path>
 * ('/' → index.html), plus a copy of the manifest. Notes: docs/modules.md.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const mirrors = opt('--mirrors');
const out = path.resolve(opt('--out', path.join(root, '.scratch/real-pages-extra'))!);
const manifest = path.resolve(opt('--manifest', path.join(root, 'realpages/manifest.tsv'))!);
if (!mirrors) {
  process.stderr.write('usage: npx tsx scripts/realpages-fetch.ts --mirrors DIR [--out DIR] [--manifest FILE]\n');
  process.exit(2);
}

function gitDir(repo: string): string | undefined {
  const [owner, name] = repo.split('/');
  for (const c of [path.join(mirrors!, `${owner}+${name}`, 'repo'), path.join(mirrors!, `${owner}+${name}`), path.join(mirrors!, owner, name), path.join(mirrors!, name)]) {
    if (!existsSync(c)) continue;
    try {
      return execFileSync('git', ['-C', c, 'rev-parse', '--git-dir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .replace(/^(?!\/)/, c + '/');
    } catch {
      /* not a git directory */
    }
  }
  return undefined;
}

const [head, ...rows] = readFileSync(manifest, 'utf8')
  .split('\n')
  .filter((l) => l.trim());
const cols = head.split('\t');
const col = (r: string[], n: string) => r[cols.indexOf(n)];
let ok = 0;
let failed = 0;
for (const line of rows) {
  const r = line.split('\t');
  const [site, urlPath, repo, commit, repoPath, sha] = [col(r, 'site'), col(r, 'url_path'), col(r, 'repo'), col(r, 'commit'), col(r, 'repo_path'), col(r, 'sha256')];
  const where = `${site}${urlPath}`;
  const dir = gitDir(repo);
  if (!dir) {
    process.stderr.write(`missing snapshot of ${repo} under ${mirrors} (for ${where})\n`);
    failed++;
    continue;
  }
  let blob: Buffer;
  try {
    blob = execFileSync('git', ['--git-dir', dir, 'show', `${commit}:${repoPath}`], { maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    process.stderr.write(
      `${repo}@${commit.slice(0, 10)}:${repoPath}: ${
        String((e as { stderr?: Buffer }).stderr ?? e)
          .trim()
          .split('\n')[0]
      }\n`,
    );
    failed++;
    continue;
  }
  const got = createHash('sha256').update(blob).digest('hex');
  if (got !== sha) {
    process.stderr.write(`${where}: sha256 ${got} ≠ manifest ${sha}\n`);
    failed++;
    continue;
  }
  const extract = cols.includes('extract') ? (col(r, 'extract') ?? '').trim() : '';
  if (extract === 'js-template-literal') {
    const text = blob.toString('utf8');
    const ticks = [...text.matchAll(/`/g)].map((m) => m.index);
    if (ticks.length !== 2 || text.slice(ticks[0], ticks[1]).includes('${')) {
      process.stderr.write(`${where}: ${repoPath} does not hold exactly one plain template literal\n`);
      failed++;
      continue;
    }
    blob = Buffer.from(text.slice(ticks[0] + 1, ticks[1]), 'utf8');
  } else if (extract) {
    process.stderr.write(`${where}: unknown extract ${extract}\n`);
    failed++;
    continue;
  }
  const rel = (urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath).replace(/^\/+/, '');
  const file = path.join(out, site, rel);
  if (!file.startsWith(path.join(out, site) + path.sep)) throw new Error(`${where}: path leaves the folder`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, blob);
  ok++;
}
mkdirSync(out, { recursive: true });
copyFileSync(manifest, path.join(out, 'manifest.tsv'));
process.stdout.write(`${ok} page(s) written to ${out}${failed ? `, ${failed} failed` : ''}\n`);
process.exitCode = failed ? 1 : 0;
