/**
 * The page of issue 20's dead-host figure: a home page on 127.0.0.1 with 508 share-widget links to a host
 * name that does not resolve (pin it with `--resolve share.widget.invalid:-`) and a few working links.
 * `node dist/bench/_deadhosts-page.js [port]` serves it and prints its URL; stop it with Ctrl-C.
 */
import http from 'node:http';

const N = 508;
const links = Array.from({ length: N }, (_, i) => `<a href="http://share.widget.invalid/share?site=${i % 7}&amp;id=${i}">分享</a>`).join('\n');
const page = `<!doctype html><html><head><meta charset="utf-8"><title>某某市人民政府</title></head><body>
<h1>某某市人民政府</h1><a href="/a.html">政务公开</a><a href="/b.html">政务服务</a>
${links}
</body></html>`;
const server = http.createServer((req, res) => {
  if (req.url === '/' || req.url === '/index.html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  if (req.url === '/a.html' || req.url === '/b.html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<title>栏目</title><p>内容</p>');
  res.writeHead(404).end();
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(`http://127.0.0.1:${a.port}/\n`);
});
