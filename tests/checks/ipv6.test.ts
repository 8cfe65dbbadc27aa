import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ipv6 from '../../checks/ipv6.js';
import type { HostOverrides, NetworkPolicy } from '../../src/net/guard.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { html } from '../content/run.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

// Everything stays on loopback: the site answers on [::1] (this machine has ::1; checked in beforeAll), host names
// are pinned by the run's overrides, and the DNS answers come from a resolver of ours on 127.0.0.1.
const LOOPBACK: NetworkPolicy = ['127.0.0.0/8', '::1/128'];
let v6Port: number;
let slowPort: number;
let errPort: number;
let freePort: number;
const closers: Array<() => Promise<void>> = [];

async function listen(handler: http.RequestListener): Promise<number> {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '::1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  );
  return (s.address() as AddressInfo).port;
}

/** A DNS server on 127.0.0.1 answering AAAA queries by name: an address, NODATA, SERVFAIL or nothing. */
async function dnsServer(answers: Record<string, string | 'nodata' | 'servfail' | 'drop'>): Promise<string> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let i = 12;
    const labels: string[] = [];
    while (msg[i]) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
      i += msg[i] + 1;
    }
    const qEnd = i + 5;
    const answer = answers[labels.join('.').toLowerCase()] ?? 'servfail';
    if (answer === 'drop') return;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    const rcode = answer === 'servfail' ? 2 : 0;
    header.writeUInt16BE(0x8180 | rcode, 2);
    header.writeUInt16BE(1, 4);
    const rr: Buffer[] = [];
    if (answer !== 'servfail' && answer !== 'nodata') {
      const b = Buffer.alloc(28);
      b.writeUInt16BE(0xc00c, 0);
      b.writeUInt16BE(28, 2);
      b.writeUInt16BE(1, 4);
      b.writeUInt32BE(60, 6);
      b.writeUInt16BE(16, 10);
      const groups = answer.split('::');
      const head = groups[0] ? groups[0].split(':') : [];
      const tail = groups[1] ? groups[1].split(':') : [];
      const all = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
      all.forEach((g, k) => b.writeUInt16BE(parseInt(g, 16), 12 + 2 * k));
      rr.push(b);
    }
    header.writeUInt16BE(rr.length, 6);
    sock.send(Buffer.concat([header, msg.subarray(12, qEnd), ...rr]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  return `127.0.0.1:${sock.address().port}`;
}

const HOME = html('首页', '<p>示例市人民政府门户网站</p>');

async function run(url: string, hosts: HostOverrides, options: Record<string, unknown> = {}, policy: NetworkPolicy = LOOPBACK) {
  const checks = withOptions(ipv6, options);
  const artifacts = artifactsFromHtml([{ url, html: HOME }], { asOf: '2024-07-01', collectors: checks });
  const client = new HttpClient({ networkPolicy: policy, hosts, retries: 0, timeoutMs: 5000 });
  try {
    const [r] = await runChecks(artifacts, checks, { config, http: client });
    return r;
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  // ::1 must be usable here: the test says so instead of silently sending anywhere else.
  v6Port = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(HOME);
  });
  slowPort = await listen((_req, res) => {
    setTimeout(() => res.end('late'), 2000).unref();
  });
  errPort = await listen((_req, res) => {
    res.writeHead(503);
    res.end('maintenance');
  });
  const spare = http.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '::1', resolve));
  freePort = (spare.address() as AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

describe('ipv6 (W-D5)', () => {
  it('a host with an AAAA address that answers the home page over IPv6 passes', async () => {
    const r = await run(`http://www.v6.test:${v6Port}/`, { 'www.v6.test': '::1' });
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ host: 'www.v6.test', aaaa: ['::1'], source: 'override', reachable: true, tried: [{ address: '::1', status: 200 }] });
  });

  it('a host pinned to an IPv4 address only has no AAAA: a confirmed deduction', async () => {
    const r = await run(`http://www.v4only.test:${v6Port}/`, { 'www.v4only.test': '127.0.0.1' });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'no-aaaa', severity: 'deduction', tier: 'confirmed', rule: 'W-D5', target: 'www.v4only.test', message: '网站域名 www.v4only.test 无 IPv6 地址（AAAA 记录）' });
    expect(r.findings[0].evidence).toMatchObject({ source: 'override', actual: 'pinned to 127.0.0.1 only (host override)' });
  });

  it('an AAAA address that refuses or answers 503 is unreachable (confirmed); a time-out is only suspected', async () => {
    const refused = await run(`http://www.v6dead.test:${freePort}/`, { 'www.v6dead.test': '::1' });
    expect(refused.findings.map((f) => [f.code, f.tier])).toEqual([['aaaa-unreachable', 'confirmed']]);
    expect(refused.findings[0].params).toMatchObject({ host: 'www.v6dead.test', address: '::1', why: 'connection_refused ECONNREFUSED' });
    expect(refused.findings[0].messageEn).toBe('Host www.v6dead.test has the IPv6 address ::1 but the home page does not answer over IPv6 (connection_refused ECONNREFUSED)');

    const down = await run(`http://www.v6err.test:${errPort}/`, { 'www.v6err.test': '::1' }, { retries: 0 });
    expect(down.findings.map((f) => [f.code, f.tier, f.params.why])).toEqual([['aaaa-unreachable', 'confirmed', 'HTTP 503']]);

    const slow = await run(`http://www.v6slow.test:${slowPort}/`, { 'www.v6slow.test': '::1' }, { timeoutMs: 300, retries: 0 });
    expect(slow.findings.map((f) => [f.code, f.tier])).toEqual([['aaaa-unreachable', 'suspected']]);
    expect(slow.findings[0].evidence.reason).toMatch(/own IPv6 route/);
    // An inspector whose IPv6 is known to work may count time-outs.
    const strict = await run(`http://www.v6slow.test:${slowPort}/`, { 'www.v6slow.test': '::1' }, { timeoutMs: 300, retries: 0, timeoutTier: 'confirmed' });
    expect(strict.findings.map((f) => f.tier)).toEqual(['confirmed']);
  });

  it('a dual-stack name (IPv4 and IPv6 pinned): the crawl reaches it, the check judges its IPv6 side alone', async () => {
    // A server on 127.0.0.1 only; nothing listens on [::1] at its port.
    const v4 = http.createServer((_req, res) => res.end(HOME));
    await new Promise<void>((resolve) => v4.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => v4.close(() => resolve())));
    const port = (v4.address() as AddressInfo).port;
    const hosts = { 'www.dual.test': ['127.0.0.1', '::1'] };
    const client = new HttpClient({ networkPolicy: LOOPBACK, hosts, retries: 0, timeoutMs: 3000 });
    try {
      // The pinned IPv4 address comes first: the site answers the crawl's client.
      expect((await client.probe(`http://www.dual.test:${port}/`, { method: 'GET' })).status).toBe(200);
    } finally {
      await client.close();
    }
    const broken = await run(`http://www.dual.test:${port}/`, hosts);
    expect(broken.findings.map((f) => [f.code, f.tier, f.params.why])).toEqual([['aaaa-unreachable', 'confirmed', 'connection_refused ECONNREFUSED']]);
    // The same name with its IPv6 side answering (the server on [::1]) passes.
    const ok = await run(`http://www.dual.test:${v6Port}/`, { 'www.dual.test': ['127.0.0.1', '::1'] });
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatchObject({ aaaa: ['::1'], source: 'override', reachable: true });
  });

  it('an AAAA address the network policy refuses is never connected to: suspected', async () => {
    const r = await run(`http://www.v6.test:${v6Port}/`, { 'www.v6.test': '::1' }, {}, ['127.0.0.0/8']);
    expect(r.findings.map((f) => [f.code, f.tier])).toEqual([['aaaa-unreachable', 'suspected']]);
    expect(r.findings[0].evidence.reason).toMatch(/policy refuses/);
    expect(r.summary).toMatchObject({ tried: [{ address: '::1', error: 'private_address_blocked' }] });
  });

  it('asks a DNS resolver: an AAAA answer is tried, NODATA is a confirmed no-aaaa, SERVFAIL and silence are suspected', async () => {
    const server = await dnsServer({ 'www.dns6.test': '::1', 'www.dns4.test': 'nodata', 'www.broken.test': 'servfail', 'www.silent.test': 'drop' });
    const opts = { dnsServers: [server], dnsTimeoutMs: 600 };
    // The crawl's own address of the site is irrelevant here: the check asks the resolver, not the override.
    const found = await run(`http://www.dns6.test:${v6Port}/`, {}, opts);
    expect(found.findings).toEqual([]);
    expect(found.summary).toMatchObject({ aaaa: ['::1'], source: 'dns', reachable: true });

    const none = await run(`http://www.dns4.test:${v6Port}/`, {}, opts);
    expect(none.findings.map((f) => [f.code, f.tier, f.evidence.source])).toEqual([['no-aaaa', 'confirmed', 'dns']]);
    expect(none.findings[0].evidence.actual).toMatch(/ENODATA/);

    for (const host of ['www.broken.test', 'www.silent.test']) {
      const r = await run(`http://${host}:${v6Port}/`, {}, opts);
      expect(
        r.findings.map((f) => [f.code, f.tier]),
        host,
      ).toEqual([['no-aaaa', 'suspected']]);
      expect(r.findings[0].evidence.reason, host).toMatch(host === 'www.broken.test' ? /ESERVFAIL/ : /ETIMEOUT/);
    }
  });

  it('a site reached by an IPv4 address or by localhost has no name to ask', async () => {
    const byIp = await run(`http://127.0.0.1:${v6Port}/`, {});
    expect(byIp.status).toBe('not_applicable');
    expect(byIp.findings).toEqual([]);
    const local = await run(`http://localhost:${v6Port}/`, {});
    expect(local.findings).toEqual([]);
    // A bracketed IPv6 literal is reached over IPv6 by construction, and is still fetched.
    const literal = await run(`http://[::1]:${v6Port}/`, {});
    expect(literal.findings).toEqual([]);
    expect(literal.summary).toMatchObject({ source: 'literal', reachable: true });
  });
});
