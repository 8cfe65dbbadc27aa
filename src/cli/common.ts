/** Shared CLI plumbing: usage errors, exit codes, common option parsing. */
import { InvalidArgumentError } from 'commander';
import type { Lang } from '../check-api/api.js';
import type { Config } from '../config.js';

/** Exit codes: 0 pass, 1 fail, 2 error (bad arguments, unreachable database…). */
export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function intArg(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

export function dateArg(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return v;
}

export function langArg(v: string): Lang {
  if (v !== 'zh' && v !== 'en') throw new InvalidArgumentError('expected zh or en');
  return v;
}

export function listArg(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export interface CommonOptions {
  config?: string;
  allowPrivateNetwork?: boolean;
  maxPages?: number;
  maxDepth?: number;
  concurrency?: number;
  timeout?: number;
  lang?: Lang;
  resolve?: string[];
  allowNetwork?: string[];
  engine?: 'http' | 'crawlee';
}

/**
 * `--resolve host:address` (address `-` = the name does not resolve; `host:a,b` = several addresses, e.g. a
 * dual-stack name's IPv4 and IPv6), like curl's --resolve.
 */
export function parseResolve(v: string): [string, string | string[] | null] {
  const i = v.indexOf(':');
  if (i <= 0) throw new UsageError(`--resolve expects host:address, got ${v}`);
  const host = v.slice(0, i).toLowerCase();
  const addrs = v
    .slice(i + 1)
    .split(',')
    .map((a) => a.trim().replace(/^\[|\]$/g, ''));
  if (addrs.length === 1) return [host, addrs[0] === '-' ? null : addrs[0]];
  return [host, addrs];
}

/** Config from files, with command-line flags on top (the config module is loaded here, not when the CLI starts). */
export async function configFrom(o: CommonOptions): Promise<Config> {
  const { loadConfig } = await import('../config.js');
  const overrides: Record<string, unknown> = {};
  const gather: Record<string, unknown> = {};
  if (o.allowPrivateNetwork) overrides.allowPrivateNetwork = true;
  if (o.allowNetwork?.length) overrides.allowNetworks = o.allowNetwork;
  if (o.lang) overrides.lang = o.lang;
  if (o.resolve?.length) overrides.hosts = Object.fromEntries(o.resolve.map(parseResolve));
  if (o.maxPages !== undefined) gather.maxPages = o.maxPages;
  if (o.maxDepth !== undefined) gather.maxDepth = o.maxDepth;
  const http: Record<string, unknown> = {};
  // Requests to the site at once: the crawl's and the checks' probes share this per-host limit.
  if (o.concurrency !== undefined) gather.concurrency = http.perHostConcurrency = o.concurrency;
  if (o.engine !== undefined) gather.engine = o.engine;
  if (o.timeout !== undefined) gather.timeoutMs = http.timeoutMs = o.timeout * 1000;
  if (Object.keys(http).length) overrides.http = http;
  if (Object.keys(gather).length) overrides.gather = gather;
  return loadConfig(o.config, overrides);
}
