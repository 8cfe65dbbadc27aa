import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { configFrom, intArg, langArg, listArg, UsageError, type CommonOptions } from '../common.js';

interface ServeOptions extends CommonOptions {
  db: string;
  host: string;
  port: number;
  token?: string;
  groups?: string;
  redis?: string;
  queue?: string[];
  evidenceDir?: string;
  trustProxy?: boolean;
  publicHost?: string[];
  log?: boolean;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('在浏览器中复核检查结果 / review results in the browser: runs, tables, evidence, disputes')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .option('--host <address>', 'address to listen on (non-loopback needs --token)', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', intArg('--port', 0), 8080)
    .option('--token <token>', 'access token for every page (default: env GOVCHECK_SERVE_TOKEN); required off loopback')
    .option('--lang <lang>', 'default language of the pages: zh or en', langArg)
    .option('--config <file>', 'YAML config file (rules used when reviews recompute verdicts; re-check settings)')
    .option('--groups <file>', 'table groups file (default config/groups.yaml)')
    .option('--evidence-dir <dir>', 'folder of evidence screenshots (re-checks write theirs here)')
    .option('--redis <url>', 'Redis URL: mount Bull Board under /admin/queues (env GOVCHECK_REDIS_URL)')
    .option('--queue <names>', 'queue names shown in Bull Board (default: the BullMQ queues found in Redis)', listArg)
    .option('--trust-proxy', 'behind a TLS-terminating proxy: trust X-Forwarded-Proto/For')
    .option('--public-host <name>', 'a host name users reach the server by (NAME or NAME:PORT; repeatable; env GOVCHECK_SERVE_PUBLIC_HOSTS, config serve.publicHosts); other names get 421', (v: string, prev: string[] = []) => [...prev, v])
    .option('--allow-private-network', 're-checks may fetch loopback/private addresses (tests, intranet)')
    .option('--resolve <host:address>', 'pin a host name to an address for re-checks (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--log', 'log requests (pino, JSON on stdout)')
    .action(async (o: ServeOptions) => {
      const { loadGroups } = await import('../../registry/groups.js');
      // Reviewing needs results: a mistyped path is an error, not a new empty database.
      if (!existsSync(o.db)) throw new UsageError(`database not found: ${o.db} (give the --db of govcheck run or govcheck check)`);
      const token = o.token ?? process.env.GOVCHECK_SERVE_TOKEN ?? undefined;
      // --public-host, else env GOVCHECK_SERVE_PUBLIC_HOSTS (comma-separated); config serve.publicHosts adds to them.
      const extraHosts =
        o.publicHost ??
        (process.env.GOVCHECK_SERVE_PUBLIC_HOSTS ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean);
      const config = await configFrom(o);
      const groups = loadGroups({ groupsFile: o.groups, configFile: o.config });
      // The server (Fastify, its plugins, the pages) is loaded only for this command.
      const [{ buildApp }, { isLoopbackHost, ServeConfigError }] = await Promise.all([import('../../server/app.js'), import('../../server/security.js')]);
      let app;
      try {
        app = await buildApp({
          db: o.db,
          host: o.host,
          token: token || undefined,
          config,
          groups,
          lang: o.lang,
          evidenceDir: o.evidenceDir,
          redisUrl: o.redis ?? process.env.GOVCHECK_REDIS_URL ?? undefined,
          queueNames: o.queue,
          trustProxy: o.trustProxy,
          publicHosts: extraHosts,
          logger: o.log,
        });
      } catch (e) {
        if (e instanceof ServeConfigError) throw new UsageError(e.message);
        throw e;
      }
      let address: string;
      try {
        address = await app.listen({ host: o.host, port: o.port });
      } catch (e) {
        await app.close();
        throw new UsageError(`cannot listen on ${o.host}:${o.port}: ${(e as Error).message}`);
      }
      process.stderr.write(`govcheck serve: listening on ${address}  database ${o.db}${token ? '  (access token required)' : isLoopbackHost(o.host) ? '  (loopback only)' : ''}\n`);
      const publicHosts = [...config.serve.publicHosts, ...extraHosts];
      if (publicHosts.length) process.stderr.write(`govcheck serve: also answering for ${publicHosts.join(', ')}\n`);
      else if (!isLoopbackHost(o.host)) process.stderr.write(`govcheck serve: 未配置 --public-host：只响应本机名称和 ${o.host}；经域名或代理访问请加 --public-host NAME / no --public-host: only loopback names and ${o.host} are answered\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void app.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
