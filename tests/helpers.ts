/** Test helpers: run the built CLI, temporary folders, fixture servers. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist/src/cli/index.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm test builds first) with a time bound. */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`govcheck ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tmpDir(prefix = 'govcheck-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temporary cache folder for this test file: GOVCHECK_CACHE_DIR points to it (or to its `sub` folder) until the
 * file's tests end, then the variable is restored and the folder removed. Returns the folder.
 */
export function ownCacheDir(prefix: string, sub?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const before = process.env.GOVCHECK_CACHE_DIR;
  process.env.GOVCHECK_CACHE_DIR = sub ? path.join(dir, sub) : dir;
  afterAll(() => {
    if (before === undefined) delete process.env.GOVCHECK_CACHE_DIR;
    else process.env.GOVCHECK_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
