/**
 * Redis for distributed runs: the URL, connections, and the checks every command makes at start. Notes:
 * docs/modules.md.
 */
import { Redis, type RedisOptions } from 'ioredis';
import semver from 'semver';
import { classifyError } from '../src/net/errors.js';

/** BullMQ 6.7 needs Redis ≥ 5 and recommends ≥ 6.2; govcheck requires what BullMQ recommends. */
export const MIN_REDIS_VERSION = '6.2.0';

export class RedisCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisCheckError';
  }
}

/** The Redis URL of a command: the flag, else GOVCHECK_REDIS_URL. */
export function redisUrlFrom(flag: string | undefined): string | undefined {
  return flag ?? (process.env.GOVCHECK_REDIS_URL || undefined);
}

/** The URL without its password, for messages and logs. */
export function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Validates a Redis URL: redis://[user:password@]host[:port][/db] or rediss:// (TLS). */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisCheckError(`not a Redis URL: ${safeRedisUrl(url)} (expected redis://host:port[/db], or rediss:// for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisCheckError(`not a Redis URL: ${safeRedisUrl(url)} (the scheme must be redis:// or rediss://)`);
  }
  if (!u.hostname) throw new RedisCheckError(`Redis URL without a host: ${safeRedisUrl(url)}`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new RedisCheckError(`Redis URL ${safeRedisUrl(url)}: the path must be a database number (/0, /1…)`);
  }
  return u;
}

/**
 * A connection for BullMQ: retries forever with a capped backoff (Redis restarting delays work, it does
 * not stop it) and `maxRetriesPerRequest: null`, as BullMQ requires for workers.
 */
export function connect(url: string, opts: RedisOptions = {}): Redis {
  parseRedisUrl(url);
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 2000),
    ...opts,
  });
}

/**
 * Gives a BullMQ object (Queue, FlowProducer…) an 'error' listener: while Redis is away they emit an error
 * per failed command, and without a listener BullMQ prints each one with its stack. Reconnection is
 * automatic; `onError` (default: ignore) sees them.
 */
export function quiet<T extends { on(event: 'error', listener: (e: Error) => void): unknown }>(emitter: T, onError: (e: Error) => void = () => undefined): T {
  emitter.on('error', onError);
  return emitter;
}

export interface RedisInfo {
  version: string;
  maxmemoryPolicy: string;
  aofEnabled: boolean;
  /** Redis's own warnings worth showing (no persistence). */
  warnings: string[];
}

function infoField(info: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m?.[1].trim();
}

/**
 * Connects once with short time limits and checks the server: version ≥ MIN_REDIS_VERSION and
 * maxmemory-policy noeviction. Throws RedisCheckError with a message naming the problem and the fix.
 */
export async function checkRedis(url: string, opts: { timeoutMs?: number } = {}): Promise<RedisInfo> {
  parseRedisUrl(url);
  const shown = safeRedisUrl(url);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  // ioredis rejects connect() with "Connection is closed"; the cause (ECONNREFUSED…) comes as an 'error' event.
  let lastError: unknown;
  client.on('error', (e) => {
    lastError = e;
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisCheckError(`Redis at ${shown} did not answer within ${Math.round(timeoutMs / 1000)} s (is it a Redis server? is the port right?)`)), timeoutMs);
  });
  try {
    return await Promise.race([
      (async (): Promise<RedisInfo> => {
        try {
          await client.connect();
        } catch (e) {
          const c = classifyError(lastError ?? e);
          const why = c.kind === 'connection_refused' ? 'connection refused (no Redis listening there)' : c.kind === 'dns_error' ? 'the host name does not resolve' : c.message;
          throw new RedisCheckError(`cannot connect to Redis at ${shown}: ${why}`);
        }
        let server: string;
        let memory: string;
        let persistence: string;
        try {
          server = await client.info('server');
          memory = await client.info('memory');
          persistence = await client.info('persistence');
        } catch (e) {
          const m = String((e as Error)?.message ?? e);
          if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(m)) throw new RedisCheckError(`Redis at ${shown} refused the credentials: ${m}`);
          throw new RedisCheckError(`Redis at ${shown} did not answer INFO: ${m}`);
        }
        const version = infoField(server, 'redis_version') ?? '0.0.0';
        let policy = infoField(memory, 'maxmemory_policy');
        if (!policy) {
          const r = (await client.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
          policy = r[1];
        }
        const v = semver.coerce(version)?.version ?? '0.0.0';
        if (semver.lt(v, MIN_REDIS_VERSION)) {
          throw new RedisCheckError(`Redis at ${shown} is version ${version}; govcheck needs Redis ≥ ${MIN_REDIS_VERSION} (BullMQ 6)`);
        }
        if (policy !== 'noeviction') {
          throw new RedisCheckError(
            `Redis at ${shown} has maxmemory-policy ${policy ?? 'unknown'}; it must be noeviction, or Redis may silently drop queued jobs and results under memory pressure. Set it with: redis-cli -u URL CONFIG SET maxmemory-policy noeviction (and in redis.conf: maxmemory-policy noeviction)`,
          );
        }
        const aofEnabled = infoField(persistence, 'aof_enabled') === '1';
        const warnings: string[] = [];
        if (!aofEnabled) warnings.push(`Redis at ${shown} has no append-only file (appendonly no): a restart may lose queued jobs; enable appendonly yes`);
        return { version, maxmemoryPolicy: policy, aofEnabled, warnings };
      })(),
      deadline,
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    client.disconnect();
  }
}
