/**
 * A real-page corpus folder (`<host>/<url path>`, as in ../shared/data/real-pages) and a static server that
 * answers by Host header, byte for byte, so pages are checked under their own host names. Evaluation only
 * (`npm run realpages`), never part of the product.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface CorpusPage {
  host: string;
  /** URL path the page had on its site ('/' for a host's index.html at the root). */
  urlPath: string;
  file: string;
  /** host + urlPath: the key of the truth file. */
  key: string;
}

const PAGE_EXT = /\.(s?html?|jsp|aspx?|php)$/i;

/** The pages of one corpus folder: from its manifest.tsv when present (site, url_path columns), else every HTML file. */
export function corpusPages(dir: string): CorpusPage[] {
  const root = path.resolve(dir);
  const manifest = path.join(root, 'manifest.tsv');
  const pages: CorpusPage[] = [];
  if (existsSync(manifest)) {
    const [head, ...rows] = readFileSync(manifest, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    const cols = head.split('\t');
    const iSite = cols.indexOf('site');
    const iPath = cols.indexOf('url_path');
    if (iSite < 0 || iPath < 0) throw new Error(`${manifest}: needs the columns site and url_path`);
    for (const row of rows) {
      const c = row.split('\t');
      const host = c[iSite].toLowerCase();
      const urlPath = c[iPath];
      const file = fileFor(root, host, urlPath);
      if (file) pages.push({ host, urlPath, file, key: host + urlPath });
    }
    return pages;
  }
  for (const host of readdirSync(root)) {
    const hostDir = path.join(root, host);
    if (!statSync(hostDir).isDirectory() || !host.includes('.')) continue;
    for (const rel of walk(hostDir)) {
      if (!PAGE_EXT.test(rel)) continue;
      const urlPath = rel === 'index.html' ? '/' : '/' + rel;
      pages.push({ host: host.toLowerCase(), urlPath, file: path.join(hostDir, rel), key: host.toLowerCase() + urlPath });
    }
  }
  return pages.sort((a, b) => a.key.localeCompare(b.key));
}

function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** The file serving a URL path under one host folder ('/x/' → '/x/index.html'), or undefined. */
export function fileFor(root: string, host: string, urlPath: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(urlPath.split(/[?#]/)[0]);
  } catch {
    return undefined;
  }
  if (p.endsWith('/')) p += 'index.html';
  const hostDir = path.join(root, host);
  const file = path.resolve(hostDir, '.' + p);
  if (!file.startsWith(hostDir + path.sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/** Every host name written in the corpus pages (links, scripts), for pinning: the corpus's own hosts to the server, the rest to "does not resolve". */
export function hostsNamedIn(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    for (const m of text.matchAll(/\b(?:https?:)?\/\/([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)(?::\d+)?/gi)) {
      const h = m[1].toLowerCase();
      if (/[a-z]/.test(h.split('.').pop() ?? '')) names.add(h);
    }
  }
  return names;
}

function contentType(file: string): string {
  if (/\.(s?html?|jsp|aspx?|php)$/i.test(file) || !/\.[a-z0-9]{1,5}$/i.test(path.basename(file))) return 'text/html';
  if (/\.css$/i.test(file)) return 'text/css';
  if (/\.js$/i.test(file)) return 'application/javascript';
  return 'application/octet-stream';
}

export interface CorpusServer {
  address: string;
  httpPort: number;
  /** 0 when no HTTPS listener could be started (no openssl, or the port was taken). */
  httpsPort: number;
  /** Requests answered, by "host path" (for the crawl record). */
  served: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Serves the folders by Host header on `address`: on ports 80/443 when `ports` is 'standard' (root), else on
 * random ports. Unknown paths answer 404 with a tiny HTML body; the bytes of known files are sent unchanged
 * (no charset is added: the page's own <meta> decides, as on the original server captures).
 */
export async function serveCorpus(dirs: string[], opts: { address: string; ports: 'standard' | 'random'; tls?: boolean }): Promise<CorpusServer> {
  const roots = dirs.map((d) => path.resolve(d));
  const served = new Map<string, number>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const urlPath = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]+/i, '');
    const key = `${host} ${urlPath}`;
    served.set(key, (served.get(key) ?? 0) + 1);
    for (const root of roots) {
      const file = host && !host.includes('/') && !host.startsWith('.') ? fileFor(root, host, urlPath) : undefined;
      if (file) {
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': contentType(file), 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
    }
    const body = '<!doctype html><html><head><title>404</title></head><body>404 Not Found</body></html>';
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const plain = http.createServer(handler);
  const httpPort = await listen(plain, opts.address, opts.ports === 'standard' ? 80 : 0);
  let secure: https.Server | undefined;
  let httpsPort = 0;
  if (opts.tls !== false) {
    const cert = selfSignedCert();
    if (cert) {
      secure = https.createServer({ key: cert.key, cert: cert.cert }, handler);
      httpsPort = await listen(secure, opts.address, opts.ports === 'standard' ? 443 : 0).catch(() => 0);
    }
  }
  return {
    address: opts.address,
    httpPort,
    httpsPort,
    served,
    close: async () => {
      await Promise.all(
        [plain, secure]
          .filter((s): s is http.Server => !!s && s.listening)
          .map(
            (s) =>
              new Promise<void>((r) => {
                s.closeAllConnections?.();
                s.close(() => r());
              }),
          ),
      );
    },
  };
}

function listen(server: http.Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A throw-away self-signed certificate from openssl (the evaluation's clients do not verify it), or undefined. */
function selfSignedCert(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-realpages-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=realpages.invalid'], { stdio: 'ignore', timeout: 20_000 });
    return { key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
