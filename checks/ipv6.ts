/**
 * ipv6 — W-D5 功能设计: the site's host has an AAAA record (resolver, or the run's host overrides) and its home page
 * answers over IPv6 (a GET pinned to the AAAA address, with the run's network policy). Which answers confirm and
 * which are only suspected: docs/checks.md "W-D5".
 */
import dns from 'node:dns';
import net from 'node:net';
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { isRefused, pinnedAddresses, type HostOverrides } from '../src/net/guard.js';
import { HttpClient } from '../src/net/http.js';

const ID = 'ipv6';
const severity = z.enum(['veto', 'deduction', 'warning', 'info']);

/** Resolver answers that say the name has no AAAA record. */
const NO_RECORD = new Set(['ENODATA']);
/** Connection failures that point at the inspecting machine's own IPv6 route rather than the site. */
const LOCAL_ROUTE = /ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL|EAFNOSUPPORT/;

type Aaaa = { kind: 'found'; addresses: string[]; source: 'override' | 'dns' | 'literal' } | { kind: 'none'; source: 'override' | 'dns'; answer: string } | { kind: 'unknown'; answer: string };

async function resolveAaaa(host: string, hosts: HostOverrides | undefined, timeoutMs: number, servers: string[], signal?: AbortSignal): Promise<Aaaa> {
  const key = host.toLowerCase().replace(/\.$/, '');
  const pinned = pinnedAddresses(hosts, key);
  if (pinned !== undefined) {
    const v6 = pinned.filter((a) => net.isIPv6(a));
    if (v6.length) return { kind: 'found', addresses: v6, source: 'override' };
    if (pinned.length) return { kind: 'none', source: 'override', answer: `pinned to ${pinned.join(', ')} only (host override)` };
    return { kind: 'unknown', answer: 'the host override says the name does not resolve' };
  }
  const resolver = new dns.promises.Resolver({ timeout: Math.max(500, Math.floor(timeoutMs / 2)), tries: 2 });
  if (servers.length) resolver.setServers(servers);
  const onAbort = () => resolver.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const addresses = await resolver.resolve6(key);
    return addresses.length ? { kind: 'found', addresses, source: 'dns' } : { kind: 'none', source: 'dns', answer: 'empty AAAA answer' };
  } catch (e) {
    const code = String((e as { code?: string }).code ?? (e as Error).message);
    if (NO_RECORD.has(code)) return { kind: 'none', source: 'dns', answer: `${code} (the name has no AAAA record)` };
    return { kind: 'unknown', answer: code };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-D5'],
    options: z.object({
      noAaaaSeverity: severity.default('deduction'),
      unreachableSeverity: severity.default('deduction'),
      /** Time limit of the IPv6 request (ms); the rule's limit for a page to open is 15 s. */
      timeoutMs: z.number().int().positive().default(15_000),
      /** Time limit of the AAAA query (ms, shared by its tries). */
      dnsTimeoutMs: z.number().int().positive().default(5_000),
      /** DNS servers asked for the AAAA record ("address" or "address:port"); empty = the system's resolvers. */
      dnsServers: z.array(z.string().min(1)).default([]),
      /** Retries of the IPv6 request after a transient failure (reset, 5xx). */
      retries: z.number().int().nonnegative().default(1),
      /** AAAA addresses tried at most (the first that answers is enough). */
      maxAddresses: z.number().int().positive().default(2),
      /** Tier of a time-out or no route over IPv6: suspected unless the inspecting machine's IPv6 is known to work. */
      timeoutTier: z.enum(['confirmed', 'suspected']).default('suspected'),
    }),
  },
  async run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    if (!home || home.error || home.status === null) return { findings: [], notApplicable: 'home page not available (see availability)' };
    let url: URL;
    try {
      url = new URL(home.finalUrl);
    } catch {
      return { findings: [], notApplicable: 'invalid URL' };
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (net.isIPv4(host)) return { findings: [], notApplicable: `the site is reached by the IPv4 address ${host}: no name to ask for an AAAA record` };
    if (host === 'localhost' || host.endsWith('.localhost')) return { findings: [], notApplicable: 'local name' };
    const findings: FindingInput[] = [];
    const hosts = ctx.http.options.hosts;
    const policy = ctx.http.options.networkPolicy;
    const aaaa: Aaaa = net.isIPv6(host) ? { kind: 'found', addresses: [host], source: 'literal' } : await resolveAaaa(host, hosts, o.dnsTimeoutMs, o.dnsServers, ctx.signal);

    if (aaaa.kind !== 'found') {
      findings.push({
        code: 'no-aaaa',
        params: { host },
        severity: o.noAaaaSeverity,
        tier: aaaa.kind === 'none' ? 'confirmed' : 'suspected',
        rule: 'W-D5',
        url: home.finalUrl,
        target: host,
        evidence: {
          location: 'DNS AAAA',
          expected: 'an AAAA record',
          actual: aaaa.answer,
          ...(aaaa.kind === 'none' ? { source: aaaa.source } : { reason: `the resolver gave no answer that tells: ${aaaa.answer}` }),
        },
      });
      return { findings, summary: { host, aaaa: [], answer: aaaa.answer, source: aaaa.kind === 'none' ? aaaa.source : null, reachable: null } };
    }

    const tried: Array<{ address: string; status: number | null; error?: string; code?: string; ms: number }> = [];
    let works: (typeof tried)[number] | undefined;
    for (const address of aaaa.addresses.slice(0, o.maxAddresses)) {
      if (policy !== true && isRefused(address, policy)) {
        tried.push({ address, status: null, error: 'private_address_blocked', ms: 0 });
        continue;
      }
      // The home page pinned to this IPv6 address, through the run's client settings and private-address policy.
      const pinned = new HttpClient({
        ...ctx.http.options,
        hosts: { ...hosts, ...(net.isIPv6(host) ? {} : { [host]: address }) },
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        deadHostAfterTimeouts: 0,
      });
      try {
        const r = await pinned.probe(home.finalUrl, { method: 'GET' });
        const t = { address, status: r.status, ms: r.durationMs, ...(r.error ? { error: r.error.kind, code: r.error.code ?? /\b(E[A-Z]{4,})\b/.exec(r.error.message)?.[1] } : {}) };
        tried.push(t);
        if (!r.error && r.status !== null && r.status < 400) {
          works = t;
          break;
        }
      } finally {
        await pinned.close();
      }
    }
    const summary = { host, aaaa: aaaa.addresses, source: aaaa.source, reachable: Boolean(works), tried };
    if (works) return { findings, summary };

    // Judge by the most telling answer: a refusal or an HTTP error from the address says more than a time-out.
    const sure = (t: (typeof tried)[number]) =>
      t.error === 'connection_refused' || (!t.error && t.status !== null && (t.status === 404 || t.status === 410 || t.status >= 500)) || (o.timeoutTier === 'confirmed' && (t.error === 'timeout' || LOCAL_ROUTE.test(t.code ?? '')));
    const telling = tried.find(sure) ?? tried[0];
    const why = telling.error ? `${telling.error}${telling.code && !telling.error.includes(telling.code) ? ` ${telling.code}` : ''}` : `HTTP ${telling.status}`;
    const confirmed = tried.every(sure);
    const reason = !confirmed
      ? tried.some((t) => t.error === 'private_address_blocked')
        ? 'the AAAA address is private or loopback and the network policy refuses it'
        : tried.some((t) => t.error === 'timeout' || LOCAL_ROUTE.test(t.code ?? ''))
          ? 'a time-out or no route: the inspecting machine’s own IPv6 route may be at fault'
          : 'the answer does not show the site unreachable over IPv6'
      : undefined;
    findings.push({
      code: 'aaaa-unreachable',
      params: { host, address: telling.address, why },
      severity: o.unreachableSeverity,
      tier: confirmed ? 'confirmed' : 'suspected',
      rule: 'W-D5',
      url: home.finalUrl,
      target: `[${telling.address}]`,
      evidence: {
        location: 'home page over IPv6',
        expected: `an answer within ${o.timeoutMs / 1000} s over IPv6`,
        actual: tried.map((t) => `[${t.address}]: ${t.error ? `${t.error}${t.code ? ` ${t.code}` : ''}` : `HTTP ${t.status}`}`).join('; '),
        source: aaaa.source,
        ...(reason ? { reason } : {}),
      },
    });
    return { findings, summary };
  },
});
