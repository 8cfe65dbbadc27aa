/**
 * The real-page evaluator (`npm run realpages`) on an own-written two-page corpus: the truth-file schema, the
 * scoring rules, and one end-to-end run (served by Host header on 127.0.0.1, checks run, counts asserted).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corpusPages } from '../eval/corpus.js';
import { evaluate, readingOf, reportText, score, tally } from '../eval/evaluate.js';
import { loadTruth, parseTruth, TruthError } from '../eval/truth.js';
import type { Finding } from '../src/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.join(here, 'fixtures/realpages');

function finding(over: Partial<Finding>): Finding {
  return { checkId: 'dark-links', rule: 'W-V4', severity: 'veto', tier: 'confirmed', url: 'http://a.test/', code: 'x', params: {}, message: 'm', messageEn: 'm', evidence: {} as Finding['evidence'], ...over };
}

describe('truth file', () => {
  it('loads the fixture truth and lists the corpus pages under their URL paths', () => {
    const t = loadTruth(path.join(corpus, 'truth.yaml'));
    expect(t.pages.map((p) => p.key)).toEqual(['www.fixture-gov.test/', 'www.fixture-gov.test/art/2024/3/5/art_1_1.html']);
    expect(corpusPages(corpus).map((p) => p.key)).toEqual(t.pages.map((p) => p.key));
  });

  it('rejects bad files with one clear line', () => {
    const bad = [
      ['version: 1\npages:\n  - {key: a.test/, asOf: 2024-13-99x, kind: home}\n', /asOf/],
      ['version: 1\npages:\n  - {key: a.test/, asOf: 2024-01-01, kind: home}\n  - {key: a.test/, asOf: 2024-01-01, kind: home}\n', /duplicate page a\.test\//],
      ['version: 1\npages:\n  - {key: a.test/, asOf: 2024-01-01, kind: home, expect: [{check: typos, match: "("}]}\n', /regular expression/],
      ['version: 1\npages:\n  - {key: a.test/, asOf: 2024-01-01, kind: palace}\n', /kind/],
      ['version: [1\n', /not valid YAML/],
    ] as const;
    for (const [text, msg] of bad) {
      let err: unknown;
      try {
        parseTruth(text, 't.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TruthError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('scoring', () => {
  const t = parseTruth(`version: 1
serverChecks: [https]
pages:
  - key: a.test/
    asOf: 2024-01-01
    kind: home
    expect:
      - {check: typos, rule: W-D3, match: 截止}
      - {check: interaction, rule: W-V5}
    forbid:
      - {check: dark-links, match: jiucuo}
    unsure:
      - {check: stale-content, rule: W-D4}
`).pages[0];
  const findings = [
    finding({ checkId: 'typos', rule: 'W-D3', severity: 'deduction', target: '截止', message: '错别字：“截止”应为“截至”' }),
    finding({ checkId: 'dark-links', target: 'http://pucha.test/exposure/jiucuo.html' }),
    finding({ checkId: 'blank-columns', rule: 'W-V3' }),
    finding({ checkId: 'interaction', rule: 'W-V5', tier: 'suspected' }),
    finding({ checkId: 'stale-content', rule: 'W-D4', severity: 'deduction' }),
    finding({ checkId: 'broken-links', rule: 'W-D1', severity: 'deduction', target: 'http://a.test/missing.html' }),
    finding({ checkId: 'broken-links', rule: 'W-D1', severity: 'deduction', target: 'http://a.test/in-corpus.html' }),
    finding({ checkId: 'https', rule: 'W-D6', severity: 'deduction' }),
    finding({ checkId: 'stale-content', rule: 'W-V2', url: 'http://a.test/other.html' }),
    finding({ checkId: 'typos', rule: null as never, severity: 'info' }),
    finding({ checkId: 'privacy-policy', rule: 'W-D6', severity: 'deduction', code: 'policy-broken', target: 'http://a.test/yssm/index.html' }),
  ];
  const scored = score(
    'a.test/',
    t,
    findings,
    new Set(t ? ['https'] : []),
    (u) => u === 'http://a.test/in-corpus.html',
    (u) => u === 'http://a.test/other.html',
  );

  it('judges each confirmed veto/deduction finding and lists misses', () => {
    expect(scored.findings.map((f) => `${f.checkId}:${f.judgement}${f.forbidden ? '!' : ''}`)).toEqual([
      'typos:true',
      'dark-links:false!',
      'blank-columns:false',
      'interaction:suspected',
      'stale-content:unsure',
      'broken-links:artefact',
      'broken-links:false',
      'https:server',
      'stale-content:elsewhere',
      'privacy-policy:artefact',
    ]);
    expect(scored.misses).toEqual([{ page: 'a.test/', pattern: expect.objectContaining({ check: 'interaction' }), asSuspected: true }]);
  });

  it('tallies precision and recall per check and in total', () => {
    const checks = tally([{ key: 'a.test/', url: 'http://a.test/', asOf: '2024-01-01', verdict: 'fail', error: null, checkErrors: [], ...scored }]);
    const by = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(by.typos).toMatchObject({ truePositives: 1, falseAlarms: 0, precision: 1, recall: 1 });
    expect(by['dark-links']).toMatchObject({ truePositives: 0, falseAlarms: 1, forbidden: 1, precision: 0 });
    expect(by.interaction).toMatchObject({ misses: 1, missedAsSuspected: 1, suspected: 1, recall: 0, precision: null });
    expect(by['broken-links']).toMatchObject({ artefacts: 1, falseAlarms: 1 });
    expect(by['privacy-policy']).toMatchObject({ artefacts: 1, falseAlarms: 0 });
    expect(by.https).toMatchObject({ server: 1, falseAlarms: 0 });
    expect(by['stale-content']).toMatchObject({ unsure: 1, falseAlarms: 0 });
  });

  it('compares the message items a reader sees with those the interaction check read', () => {
    const t = parseTruth(
      `version: 1
pages:
  - key: a.test/
    asOf: 2024-07-01
    kind: home
    messages:
      - {title: 停车问题, status: unknown, asked: 2024-06-01}
      - {title: 供暖问题, status: answered, asked: 2024-01-10, answered: 2024-01-20}
      - {title: 旧问题, status: answered, asked: 2023-03-01}
      - {title: 无日期, status: unknown, asked: unknown}
  - {key: b.test/, asOf: 2024-07-01, kind: home}
  - {key: c.test/, asOf: 2024-07-01, kind: home, messages: []}
`,
      't.yaml',
    );
    // Only dated items of the year before as-of are expected: the interaction check judges those.
    expect(readingOf('a.test/', t.pages[0], { status: 'pass', summary: { messages: 1 } })).toEqual({ page: 'a.test/', expected: 2, read: 1 });
    expect(readingOf('a.test/', t.pages[0], { status: 'error' })).toEqual({ page: 'a.test/', expected: 2, read: null });
    expect(readingOf('b.test/', t.pages[1], { status: 'pass', summary: { messages: 3 } })).toBeUndefined();
    expect(readingOf('c.test/', t.pages[2], { status: 'pass', summary: { messages: 0 } })).toEqual({ page: 'c.test/', expected: 0, read: 0 });
  });
});

describe('evaluate (served fixture corpus)', () => {
  it('serves the pages under their host name, runs the checks and scores them against the truth', async () => {
    const truth = loadTruth(path.join(corpus, 'truth.yaml'));
    const report = await evaluate({ dirs: [corpus], truth, address: '127.0.0.1', ports: 'random', maxPages: 5, checks: ['dark-links', 'broken-links', 'publish-dates'], timeoutMs: 3000 });
    expect(report.pages.map((p) => p.key)).toEqual(truth.pages.map((p) => p.key));
    expect(report.pages.every((p) => p.error === null && p.checkErrors.length === 0)).toBe(true);
    expect(report.unjudged).toEqual([]);
    expect(report.missingPages).toEqual([]);
    const by = Object.fromEntries(report.checks.map((c) => [c.check, c]));
    // The off-screen gambling link on the home page is found once; in the article's run (its crawl reaches the home
    // page) it is the home page's finding, scored there.
    expect(by['dark-links']).toMatchObject({ truePositives: 1, falseAlarms: 0, misses: 0 });
    expect(report.pages[1].findings.some((f) => f.checkId === 'dark-links' && f.judgement === 'elsewhere')).toBe(true);
    // The link to a page missing from the corpus answers 404 here: an artefact, not scored.
    expect(by['broken-links'].artefacts).toBeGreaterThanOrEqual(1);
    expect(by['broken-links'].falseAlarms).toBe(0);
    expect(report.total).toMatchObject({ truePositives: 1, falseAlarms: 0, misses: 0, precision: 1, recall: 1 });
    expect(reportText(report)).toMatch(/total: 1 confirmed right, 0 confirmed false alarm\(s\), 0 miss\(es\)/);
    expect(report.asOfOverride).toBeUndefined();
  });

  it('judges every page at one date with asOf (--as-of), and says the scores are an exploration', async () => {
    const truth = loadTruth(path.join(corpus, 'truth.yaml'));
    const report = await evaluate({ dirs: [corpus], truth, address: '127.0.0.1', ports: 'random', maxPages: 2, checks: ['dark-links'], timeoutMs: 3000, asOf: '2030-01-01', only: ['www.fixture-gov.test/art/'] });
    expect(report.pages.map((p) => `${p.key} ${p.asOf}`)).toEqual(['www.fixture-gov.test/art/2024/3/5/art_1_1.html 2030-01-01']);
    expect(report.asOfOverride).toBe('2030-01-01');
    expect(reportText(report)).toContain('as-of 2030-01-01 for every page (--as-of)');
  });
});
