/**
 * Bull Board under /admin/queues, only when a Redis URL is given. It sits behind the same access token as every
 * other page (the server's onRequest hook runs for its routes too), and its API calls must come from this origin.
 * Notes: docs/modules.md.
 */
import type { FastifyInstance } from 'fastify';
import { QUEUE_PREFIX, queueNames } from '../../queues/names.js';

export const QUEUES_PREFIX = '/admin/queues';

export interface QueuesOptions {
  redisUrl: string;
  /** Queue names; default: govcheck's queues and every BullMQ queue found in Redis under the prefix. */
  names?: string[];
  /** BullMQ key prefix (default 'bull'). */
  prefix?: string;
}

export interface MountedQueues {
  names: string[];
  close(): Promise<void>;
}

/** Finds BullMQ queue names in Redis (SCAN, bounded). */
async function discover(redisUrl: string, prefix: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    await redis.connect();
    const names = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 500);
      for (const k of keys) names.add(k.slice(prefix.length + 1, -':meta'.length));
      cursor = next;
    } while (cursor !== '0' && ++rounds < 1000);
    return [...names].sort();
  } finally {
    redis.disconnect();
  }
}

export async function mountQueues(app: FastifyInstance, o: QueuesOptions): Promise<MountedQueues> {
  const prefix = o.prefix ?? QUEUE_PREFIX;
  const names = o.names?.length ? o.names : [...new Set([...queueNames(), ...(await discover(o.redisUrl, prefix))])];
  const [{ Queue }, { createBullBoard }, { BullMQAdapter }, { FastifyAdapter }, { Redis }] = await Promise.all([
    import('bullmq'),
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
    import('ioredis'),
  ]);
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queues = names.map((n) => new Queue(n, { connection, prefix }));
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PREFIX);
  // @bull-board/fastify pins its own copy of @bull-board/api: the adapter types differ only by that copy.
  type BoardAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: serverAdapter as unknown as BoardAdapter, options: { uiConfig: { boardTitle: 'govcheck' } } });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PREFIX });
  return {
    names,
    close: async () => {
      await Promise.allSettled(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
