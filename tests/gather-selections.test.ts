/**
 * The collectors' `$` (issue 20, per-page cost): `$(selector)` and `$(node)` are answered once per page, and simple
 * selectors (tag names, one required attribute) by one walk over the tree. Every answer must be what cheerio itself
 * gives, element for element and in the same order, on the fixture site's pages and on hostile markup.
 */
import * as cheerio from 'cheerio';
import * as slim from 'cheerio/slim';
import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { crawlCheerio, elementsInOrder, sharedSelections, simpleSelect } from '../src/gather/page-artifact.js';
import { generateSite } from './fixtures/site.js';

const SELECTORS = ['a[href]', 'form', 'img', 'meta', 'title', 'h1, h2', 'h1, h2, h3', 'h1, h2, textarea, form', 'iframe, frame, frameset', 'base[href]', 'input', 'script', 'a', 'li, dt', 'img[alt]'];
const OTHER = ['body *', '[id], a[name]', 'script, span#_span_jiucuo', 'div > a', 'a[href^="http"]'];

function pages(): string[] {
  const site = generateSite({ name: '示例县人民政府', seed: 3, articlesPerColumn: 2, planted: true });
  const html = [...site.routes.values()].map((r) => r.body).filter((b): b is string => typeof b === 'string' && b.includes('<'));
  html.push(
    '<html><body><H1>大写</H1><A HREF="/x">x</A><template><a href="/t">t</a></template><svg><a href="/s">s</a></svg><form><h2>表单</h2><textarea></textarea></form><a name="n">n</a><IMG SRC="/i.png" ALT=""></body></html>',
    '<div><h2>a<h1>b</h1></h2><a href>c</a><a>d</a></div>',
    '',
  );
  return html;
}

describe('collector selections', () => {
  it('simple selectors find what cheerio finds, in the same order', () => {
    const all = pages();
    expect(all.length).toBeGreaterThan(10);
    for (const html of all) {
      const dom = parseDocument(html);
      const $ = cheerio.load(dom, {}, true);
      for (const sel of SELECTORS) expect(simpleSelect(dom, sel), `${sel} on ${html.slice(0, 60)}`).toEqual($(sel).toArray());
      // The page's element list made once (what the shared $ uses): the same answers.
      const all = elementsInOrder(dom);
      for (const sel of SELECTORS) expect(simpleSelect(dom, sel, all), `${sel} on ${html.slice(0, 60)} (list)`).toEqual($(sel).toArray());
      for (const sel of OTHER) expect(simpleSelect(dom, sel)).toBeUndefined();
    }
  });

  it('the shared $ answers like cheerio and gives the same selection twice', () => {
    for (const html of pages()) {
      const dom = parseDocument(html);
      const base = cheerio.load(dom, {}, true);
      const $ = sharedSelections(cheerio.load(dom, {}, true), dom);
      for (const sel of [...SELECTORS, ...OTHER]) {
        expect($(sel).toArray()).toEqual(base(sel).toArray());
        expect($(sel)).toBe($(sel));
        expect($(sel).find('a').toArray()).toEqual(base(sel).find('a').toArray());
        expect($(sel).text()).toBe(base(sel).text());
      }
      const first = base('a').get(0);
      if (first) {
        expect($(first)).toBe($(first));
        expect($(first).attr('href')).toBe(base(first).attr('href'));
      }
      // markup always makes a new fragment
      expect($('<p>x</p>')).not.toBe($('<p>x</p>'));
      expect($.root().find('title').text()).toBe(base.root().find('title').text());
    }
  });

  it('the crawl-wide API given each page as its root answers like a load of that page, page after page', () => {
    const api = crawlCheerio();
    // Every page twice, in turn: an answer kept from the page before would show.
    for (const html of [...pages(), ...pages()]) {
      const dom = parseDocument(html);
      // What page-artifact loaded per page before: cheerio's slim entry (htmlparser2 rendering).
      const base = slim.load(dom, {}, true);
      const $ = sharedSelections(api, dom, dom);
      expect(crawlCheerio()).toBe(api);
      for (const sel of [...SELECTORS, ...OTHER, ':root', 'a:first-child']) {
        expect($(sel).toArray()).toEqual(base(sel).toArray());
        expect($(sel).find('a').toArray()).toEqual(base(sel).find('a').toArray());
        expect($(sel).parent().toArray()).toEqual(base(sel).parent().toArray());
        expect($(sel).closest('body').toArray()).toEqual(base(sel).closest('body').toArray());
        expect($(sel).add('img').toArray()).toEqual(base(sel).add('img').toArray());
        expect($(sel).filter(':root').toArray()).toEqual(base(sel).filter(':root').toArray());
        expect($(sel).text()).toBe(base(sel).text());
      }
      expect($('a', 'body').toArray()).toEqual(base('a', 'body').toArray());
      expect($.root().find('title').text()).toBe(base.root().find('title').text());
      expect($.root()[0]).toBe(dom);
      expect($.html()).toBe(base.html());
      expect($.text()).toBe(base.text());
      expect($('<p>x</p>').text()).toBe('x');
    }
  });
});
