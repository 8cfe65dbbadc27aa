/**
 * Runs a command as a child process and measures wall time, peak RSS (VmHWM from /proc) and, for node, the CPU time
 * the process used (user + system, reported at its exit through `--import ./_cpu-report.js`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cpuReport = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '_cpu-report.js')).href;

export interface Measured {
  ms: number;
  peakRssMb: number;
  /** CPU time of the process (user + system), ms; NaN when it was not a node process or did not report. */
  cpuMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function measure(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Measured> {
  const node = cmd === process.execPath;
  const dir = node ? mkdtempSync(path.join(os.tmpdir(), 'govcheck-bench-cpu-')) : undefined;
  const cpuFile = dir ? path.join(dir, 'cpu') : undefined;
  const readCpu = (): number => {
    if (!cpuFile) return Number.NaN;
    try {
      return Number(readFileSync(cpuFile, 'utf8')) / 1000;
    } catch {
      return Number.NaN;
    } finally {
      rmSync(dir!, { recursive: true, force: true });
    }
  };
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, node ? ['--import', cpuReport, ...args] : args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: node ? { ...process.env, BENCH_CPU_FILE: cpuFile, BENCH_CPU_PARENT: String(process.pid) } : process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let peak = 0;
    const poll = setInterval(() => {
      peak = Math.max(peak, vmHwmKb(child.pid!));
    }, 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
    child.on('error', reject);
    child.on('exit', () => {
      peak = Math.max(peak, vmHwmKb(child.pid!));
    });
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, peakRssMb: peak / 1024, cpuMs: readCpu(), code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak RSS (VmHWM) of a live process, in MB. */
export function peakMb(pid: number | undefined): number {
  return pid === undefined ? 0 : vmHwmKb(pid) / 1024;
}

/** Starts `govcheck worker` (the compiled CLI) and resolves once it says it is ready. */
export function startWorker(cli: string, url: string, name: string, concurrency: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'worker', '--redis', url, '--name', name, '--concurrency', String(concurrency), '--allow-private-network'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('govcheck worker: ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${err.slice(-500)}`)));
  });
}
