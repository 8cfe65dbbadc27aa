/**
 * End to end: `govcheck check <url> --format json` on the link-case site (tests/fixtures/links.ts) lists
 * exactly the planted broken targets, each with its parents (element, attribute, selector, anchor text),
 * status or error class and redirect chain, nothing that works, and the bot wall and login as inconclusive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linksSite, withOrigin, type LinksSite, type PlantedLink } from '../fixtures/links.js';
import { externalRoutes, resolveTarget, serve, type Served } from '../fixtures/site.js';
import { runCli } from '../helpers.js';

let ext: Served;
let site: LinksSite;
let s: Served;

beforeAll(async () => {
  ext = await serve(externalRoutes());
  site = linksSite({ externalOrigin: ext.origin });
  s = await serve(site.routes);
  withOrigin(site.routes, s.origin);
});
afterAll(async () => {
  await Promise.all([ext.close(), s.close()]);
});

interface Finding {
  code: string;
  severity: string;
  tier: string;
  rule?: string;
  points?: number;
  target: string;
  url: string;
  message: string;
  evidence: {
    parents: Array<{ page: string; element: string; attribute: string; selector: string; text: string }>;
    status?: number | null;
    errorKind?: string;
    redirectChain?: Array<{ status: number }>;
    onHome?: boolean;
    softNotFound?: { reason: string; phrase?: string };
  };
}

/** Malformed links are reported by their raw value; everything else by its absolute URL. */
const targetOf = (b: PlantedLink, origin: string) => (b.code === 'malformed' ? b.target : resolveTarget(b.target, origin));

describe('govcheck check on the link-case site (real servers on 127.0.0.1)', () => {
  it('lists exactly the planted broken targets with their parents and evidence, and nothing that works', async () => {
    const r = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--no-store', '--format', 'json', '--checks', 'broken-links', '--as-of', '2024-07-01'], { timeoutMs: 90_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const check = out.checks.find((c: { id: string }) => c.id === 'broken-links');
    expect(check.status).toBe('fail');
    const findings = check.findings as Finding[];
    const reported = findings.filter((f) => f.severity !== 'info');
    const expected = site.truth.broken.map((b) => targetOf(b, s.origin));
    expect(reported.map((f) => f.target).sort()).toEqual([...expected].sort());

    for (const b of site.truth.broken) {
      const f = reported.find((x) => x.target === targetOf(b, s.origin))!;
      expect(f.code, b.target).toBe(b.code);
      expect(f.rule, b.target).toBe(b.rule);
      expect(f.tier, b.target).toBe(b.code === 'suspected' ? 'suspected' : 'confirmed');
      expect(
        f.evidence.parents.map((p) => new URL(p.page).pathname),
        b.target,
      ).toEqual(b.parents);
      expect(f.evidence.parents[0], b.target).toMatchObject({ element: b.element, attribute: b.attribute, ...(b.text ? { text: b.text } : {}) });
      expect(f.evidence.parents[0].selector, b.target).toMatch(new RegExp(`${b.element}`));
      expect(new URL(f.url).pathname).toBe(b.parents[0]);
      if (b.status !== undefined) expect(f.evidence.status, b.target).toBe(b.status);
      if (b.errorKind) expect(f.evidence.errorKind, b.target).toBe(b.errorKind);
      if (b.chain)
        expect(
          f.evidence.redirectChain?.map((h) => h.status),
          b.target,
        ).toEqual(b.chain);
      if (b.rule === 'W-D1') expect(f.evidence.onHome ?? false, b.target).toBe(b.onHome);
      if (b.code.startsWith('soft-404')) expect(f.evidence.softNotFound?.reason).toBe('phrase');
      expect(f.message).toMatch(/链接|附件/);
    }
    // Home-page links −1, other pages −0.1, attachments −0.5 (config/rules.yaml).
    const home = reported.filter((f) => f.rule === 'W-D1' && f.tier === 'confirmed' && f.evidence.onHome);
    expect(home.map((f) => f.points)).toEqual(home.map(() => 1));
    expect(reported.filter((f) => f.rule === 'W-D1' && f.tier === 'confirmed' && !f.evidence.onHome).every((f) => f.points === 0.1)).toBe(true);
    expect(reported.filter((f) => f.rule === 'W-D2').every((f) => f.points === 0.5)).toBe(true);
    const points = Object.fromEntries(out.decidedBy.map((h: { rule: string; points: number }) => [h.rule, h.points]));
    const confirmed = site.truth.broken.filter((b) => b.code !== 'suspected');
    expect(points['W-D1']).toBeCloseTo(
      confirmed.filter((b) => b.rule === 'W-D1').reduce((n, b) => n + (b.onHome ? 1 : 0.1), 0),
      5,
    );
    expect(points['W-D2']).toBeCloseTo(confirmed.filter((b) => b.rule === 'W-D2').length * 0.5, 5);

    const inconclusive = findings
      .filter((f) => f.severity === 'info')
      .map((f) => f.target)
      .sort();
    expect(inconclusive).toEqual(site.truth.inconclusive.map((t) => resolveTarget(t, s.origin)).sort());
    const all = findings.map((f) => f.target);
    for (const w of site.truth.working) expect(all, w).not.toContain(resolveTarget(w, s.origin));

    // Skipped schemes are counted, never reported.
    expect(check.summary.skipped).toMatchObject({ mailto: expect.any(Number), tel: expect.any(Number), javascript: expect.any(Number), data: 1, sms: 1, fragment: expect.any(Number) });
    // Crawl answers that may be transient were verified again (the lasting 500, the loop).
    expect(check.summary.recheckedFromCrawl).toBeGreaterThanOrEqual(2);
  });
});
