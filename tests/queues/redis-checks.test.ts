/**
 * Start-up checks against real redis-servers: a good one passes (version, policy), a Redis that may evict
 * keys is refused, one without AOF gets a warning, and bad URLs / refused ports / a port that never
 * answers give a clear error within a few seconds — in the library and through the CLI.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRedis, parseRedisUrl, RedisCheckError, safeRedisUrl } from '../../queues/redis.js';
import { freePort } from '../fixtures/redis.js';
import { runCli } from '../helpers.js';
import { redisForFile } from './harness.js';

const good = await redisForFile();
const lru = await redisForFile({ maxmemoryPolicy: 'allkeys-lru' });
const noAof = await redisForFile({ appendonly: false });

// A TCP server that accepts connections and never says anything (not Redis, or a hung one).
const silentSockets = new Set<net.Socket>();
const silent = net.createServer((s) => {
  silentSockets.add(s);
  s.on('error', () => undefined);
  s.on('close', () => silentSockets.delete(s));
});
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
const silentPort = (silent.address() as net.AddressInfo).port;
afterAll(() => {
  for (const s of silentSockets) s.destroy();
  return new Promise<void>((r) => silent.close(() => r()));
});

async function failure(p: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t = Date.now();
  try {
    await p;
  } catch (e) {
    return { error: e as Error, ms: Date.now() - t };
  }
  throw new Error('expected a failure');
}

describe('Redis start-up checks', () => {
  it('accepts a Redis with noeviction and AOF, and reports its version', async () => {
    const info = await checkRedis(good.url);
    expect(info.maxmemoryPolicy).toBe('noeviction');
    expect(info.aofEnabled).toBe(true);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.warnings).toEqual([]);
  });

  it('refuses a Redis whose eviction policy may drop jobs, naming the fix', async () => {
    const { error } = await failure(checkRedis(lru.url));
    expect(error).toBeInstanceOf(RedisCheckError);
    expect(error.message).toContain('maxmemory-policy allkeys-lru');
    expect(error.message).toContain('must be noeviction');
    expect(error.message).toContain('CONFIG SET maxmemory-policy noeviction');
  });

  it('warns when Redis does not persist with an append-only file', async () => {
    const info = await checkRedis(noAof.url);
    expect(info.aofEnabled).toBe(false);
    expect(info.warnings.join(' ')).toContain('appendonly yes');
  });

  it('gives clear errors for bad URLs, refused ports and a port that never answers, within seconds', async () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/scheme must be redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('127.0.0.1:6379')).toThrow(/not a Redis URL|scheme must be/);
    expect(() => parseRedisUrl('redis://127.0.0.1:6379/queue')).toThrow(/database number/);
    expect(safeRedisUrl('redis://user:secret@127.0.0.1:6379/0')).toBe('redis://user:***@127.0.0.1:6379/0');

    const port = await freePort();
    const refused = await failure(checkRedis(`redis://127.0.0.1:${port}`));
    expect(refused.error.message).toBe(`cannot connect to Redis at redis://127.0.0.1:${port}: connection refused (no Redis listening there)`);
    expect(refused.ms).toBeLessThan(5000);

    const hung = await failure(checkRedis(`redis://127.0.0.1:${silentPort}`, { timeoutMs: 1500 }));
    expect(hung.error.message).toContain(`Redis at redis://127.0.0.1:${silentPort} did not answer within 2 s`);
    expect(hung.ms).toBeLessThan(4000);
  });

  it('the worker command exits 2 with the reason, never hangs', async () => {
    const policy = await runCli(['worker', '--redis', lru.url], { timeoutMs: 60_000 });
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('must be noeviction');

    const bad = await runCli(['worker', '--redis', 'localhost:6379'], { timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a Redis URL');

    const t = Date.now();
    const port = await freePort();
    const refused = await runCli(['run', '--quarter', '2024Q2', '--as-of', '2024-07-01', '--redis', `redis://127.0.0.1:${port}`, '--db', ':memory:'], { timeoutMs: 60_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot connect to Redis at redis://127.0.0.1:${port}`);
    // Process start-up dominates on a busy machine; the check itself has a 5 s limit.
    expect(Date.now() - t).toBeLessThan(45_000);

    const none = await runCli(['worker'], { timeoutMs: 60_000, env: { GOVCHECK_REDIS_URL: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --redis');
  });
});
