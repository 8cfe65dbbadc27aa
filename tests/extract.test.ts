import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { extractPage } from '../src/gather/extract.js';

const pageUrl = 'http://site.example/dir/page.html';
const extract = (html: string, url = pageUrl) => extractPage(parseDocument(html), { pageUrl: url, siteHosts: new Set(['site.example']) });

describe('extractPage', () => {
  it('finds every kind of reference with element, attribute and text', () => {
    const { links } = extract(`<html><head><link rel="stylesheet" href="/a.css"><script src="b.js"></script>
      <meta http-equiv="refresh" content="5; URL=/next.html"></head><body>
      <a href="x.html">第一篇</a><img src="i.png" alt="图" srcset="i-2x.png 2x, i-3x.png 3x">
      <picture><source srcset="p.webp"></picture><video src="v.mp4" poster="v.jpg"><source src="v.webm"></video>
      <iframe src="/frame.html"></iframe><embed src="e.swf"><object data="o.pdf"></object>
      <map><area href="/area.html"></map><div style="background:url('/bg.png')"></div>
      <style>.x{background:url(/css-bg.png)}</style></body></html>`);
    const urls = links.map((l) => `${l.element}[${l.attribute}] ${l.url}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        'link[href] http://site.example/a.css',
        'script[src] http://site.example/dir/b.js',
        'meta[content] http://site.example/next.html',
        'a[href] http://site.example/dir/x.html',
        'img[src] http://site.example/dir/i.png',
        'img[srcset] http://site.example/dir/i-2x.png',
        'img[srcset] http://site.example/dir/i-3x.png',
        'source[srcset] http://site.example/dir/p.webp',
        'video[src] http://site.example/dir/v.mp4',
        'video[poster] http://site.example/dir/v.jpg',
        'source[src] http://site.example/dir/v.webm',
        'iframe[src] http://site.example/frame.html',
        'embed[src] http://site.example/dir/e.swf',
        'object[data] http://site.example/dir/o.pdf',
        'area[href] http://site.example/area.html',
        'div[style url()] http://site.example/bg.png',
        'style[url()] http://site.example/css-bg.png',
      ]),
    );
    const a = links.find((l) => l.element === 'a')!;
    expect(a.text).toBe('第一篇');
    expect(a.internal).toBe(true);
    expect(links.find((l) => l.element === 'object')!.attachment).toBe(true);
  });

  it.each([
    ['http://other.example/base/', 'x.html', 'http://other.example/base/x.html'],
    ['/root/', 'x.html', 'http://site.example/root/x.html'],
    ['sub/', 'x.html', 'http://site.example/dir/sub/x.html'],
    ['', 'x.html', 'http://site.example/dir/x.html'],
  ])('resolves against <base href="%s">', (base, href, expected) => {
    const { links } = extract(`<html><head><base href="${base}"></head><body><a href="${href}">a</a></body></html>`);
    expect(links[0].url).toBe(expected);
  });

  it('skips mailto, tel, javascript, data and in-page fragments, and reports them as skipped', () => {
    const { links } = extract(`<a href="mailto:a@b.cn">m</a><a href="tel:123">t</a><a href="javascript:void(0)">j</a><img src="data:image/png;base64,AA"><a href="#top">top</a>`);
    expect(links.map((l) => l.skipped)).toEqual(['mailto', 'tel', 'javascript', 'data', 'fragment']);
    expect(links.every((l) => l.url === null)).toBe(true);
  });

  it('marks malformed URLs instead of throwing', () => {
    const { links } = extract(`<a href="https;//www.gov.cn">a</a><a href="//////">b</a><a href="/a%zz.html">c</a>`);
    expect(links.map((l) => Boolean(l.malformed))).toEqual([true, true, true]);
  });

  it('resolves Chinese paths and spaces like a browser', () => {
    const { links } = extract(`<a href="/文件/通知 1.pdf">通知</a>`);
    expect(links[0].url).toBe('http://site.example/%E6%96%87%E4%BB%B6/%E9%80%9A%E7%9F%A5%201.pdf');
    expect(links[0].attachment).toBe(true);
  });

  it('reads title, standard meta tags and visible text only', () => {
    const r = extract(`<html><head><title> 首页 </title><meta name="PubDate" content="2024-07-05 09:30"><script>var hidden = "脚本文字";</script></head>
      <body><p>可见文字</p><style>.a{}</style><noscript>不可见</noscript></body></html>`);
    expect(r.title).toBe('首页');
    expect(r.meta.pubdate).toBe('2024-07-05 09:30');
    expect(r.text).toContain('可见文字');
    expect(r.text).not.toContain('脚本文字');
    expect(r.text).not.toContain('不可见');
  });
});
