/**
 * The CLI's help (issue 20, cold start): `govcheck --help` lists every command, `govcheck CMD --help` (and each
 * subcommand's) answers with its usage, and the help loads only the command-line modules — none of the crawler,
 * the store, the queue or the typo engine.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tmpDir } from './helpers.js';

const COMMANDS = readdirSync(path.join(ROOT, 'dist/src/cli/commands'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.replace(/\.js$/, ''))
  .sort();

/** Subcommands named in a help text's "Commands:" list (without commander's own `help`). */
function subcommands(help: string): string[] {
  const at = help.indexOf('\nCommands:\n');
  if (at < 0) return [];
  return [...help.slice(at).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
}

describe('govcheck --help', () => {
  const tmp = tmpDir();
  afterAll(() => tmp.cleanup());

  it('lists every command', async () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(12);
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: govcheck /);
    expect(subcommands(r.stdout).sort()).toEqual(COMMANDS);
  });

  it('answers CMD --help for each command and subcommand', async () => {
    for (const cmd of COMMANDS) {
      const r = await runCli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stderr, cmd).toBe('');
      expect(r.stdout, cmd).toMatch(new RegExp(`^Usage: govcheck ${cmd} `));
      for (const sub of subcommands(r.stdout)) {
        const s = await runCli([cmd, sub, '--help']);
        expect(s.code, `${cmd} ${sub}`).toBe(0);
        expect(s.stdout, `${cmd} ${sub}`).toMatch(new RegExp(`^Usage: govcheck ${cmd} ${sub} `));
      }
    }
  }, 120_000);

  it('loads only the command-line modules', async () => {
    // A module resolve hook that writes every resolved URL to a file (the help's own output stays clean).
    const log = path.join(tmp.dir, 'loaded.txt');
    const hook = path.join(tmp.dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
        `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, n) { const r = await n(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`,
      )}));\n`,
    );
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, CLI, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const loaded = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
    const local = loaded.filter((u) => u.startsWith('file:') && !u.includes('/node_modules/')).map((u) => path.relative(path.join(ROOT, 'dist'), new URL(u).pathname));
    const packages = loaded.filter((u) => u.includes('/node_modules/')).map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)![1]);
    expect(new Set(packages)).toEqual(new Set(['commander']));
    for (const f of local) expect(f, f).toMatch(/^(src\/cli\/|src\/run\/defaults\.js$|queues\/worker-defaults\.js$|src\/analysis\/text\/cache-dir\.js$)/);
  });
});
