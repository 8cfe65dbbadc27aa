/**
 * The page of issue 20's dead-host figure: a home page on 127.0.0.1 with 508 share-widget links to a host
 * name that does not resolve (pin it with `--resolve share.widget.invalid:-`) and a few working links.
 * `node dist/bench/_deadhosts-page.js [port]` serves it and prints its URL; stop it with Ctrl-C.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const DEAD_HOST = 'share.widget.invalid';
export const DEAD_LINKS = 508;

export function serveDeadHostPage(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const links = Array.from({ length: DEAD_LINKS }, (_, i) => `<a href="http://${DEAD_HOST}/share?site=${i % 7}&amp;id=${i}">分享</a>`).join('\n');
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>某某市人民政府</title></head><body>
<h1>某某市人民政府</h1><a href="/a.html">政务公开</a><a href="/b.html">政务服务</a>
${links}
</body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    if (req.url === '/a.html' || req.url === '/b.html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<title>栏目</title><p>内容</p>');
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => {
      const a = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${a.port}/`, close: () => new Promise<void>((done) => server.close(() => done())) });
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await serveDeadHostPage(Number(process.argv[2] ?? 0));
  process.stdout.write(`${url}\n`);
}
