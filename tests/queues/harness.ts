/**
 * Test harness of the distributed runs: a real redis-server per test file (tests/fixtures/redis.ts), worker processes
 * spawned from the built CLI, and cleanup that kills Redis and every forked process when the file ends, a test fails
 * or the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { importRegistryFile } from '../../src/registry/index.js';
import { loadGroups } from '../../src/registry/groups.js';
import type { DB } from '../../src/store/db.js';
import { startRedis, trackChild, type RedisServer, type RedisServerOptions } from '../fixtures/redis.js';
import { CLI } from '../helpers.js';

export { startRedis, trackChild };

const forked = new Set<ChildProcess>();

/** A redis-server for this test file, killed (and its folder removed) after the file. */
export async function redisForFile(o: RedisServerOptions = {}): Promise<RedisServer> {
  const r = await startRedis(o);
  afterAll(async () => {
    for (const c of forked) c.kill('SIGKILL');
    await r.cleanup();
  });
  return r;
}

export interface SpawnedWorker {
  name: string;
  child: ChildProcess;
  /** stderr so far. */
  log(): string;
  /** Resolves when the worker printed "ready". */
  ready: Promise<void>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `govcheck worker --redis URL …` from dist/ (killed after the file in any case). */
export function spawnWorker(redisUrl: string, name: string, extra: string[] = []): SpawnedWorker {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl, '--name', name, '--allow-private-network', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  forked.add(child);
  let err = '';
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('govcheck worker: ready')) markReady();
  });
  child.stdout!.on('data', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      forked.delete(child);
      failReady(new Error(`worker ${name} exited (${code ?? signal}) before it was ready:\n${err}`));
      resolve({ code, signal });
    });
  });
  ready.catch(() => undefined);
  return { name, child, log: () => err, ready, exited };
}

/** Writes the registry CSV and imports it into the database. */
export async function importRegistry(db: DB, dir: string, csv: Buffer): Promise<void> {
  const file = path.join(dir, 'registry.csv');
  writeFileSync(file, csv);
  const r = await importRegistryFile(db, file, { groups: loadGroups() });
  if (!r.ok) throw new Error(`registry import failed: ${JSON.stringify(r.errors.slice(0, 3))}`);
}

/** Waits until `cond` holds (polling), or throws after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
