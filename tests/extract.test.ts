import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { detachStrings, extractPage, stringPool } from '../src/gather/extract.js';

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

describe('extractPage: references resolved like a browser', () => {
  const urlsOf = (html: string, url = pageUrl, encoding?: string) =>
    extractPage(parseDocument(html), { pageUrl: url, siteHosts: new Set(['site.example']), encoding }).links.map((l) => `${l.element}[${l.attribute}] ${l.url ?? (l.malformed ? `malformed:${l.malformed}` : `skipped:${l.skipped}`)}`);

  it.each([
    ['0;url=/a.html', 'http://site.example/a.html'],
    ['5; URL=/b.html', 'http://site.example/b.html'],
    ["0; url='c.html'", 'http://site.example/dir/c.html'],
    ['0;URL="/d.html"', 'http://site.example/d.html'],
    ['3, /e.html', 'http://site.example/e.html'],
    ['0; /f.html', 'http://site.example/f.html'],
    ['  2.5 ;url = /g.html', 'http://site.example/g.html'],
  ])('reads meta refresh content %j', (content, expected) => {
    expect(urlsOf(`<meta http-equiv="Refresh" content="${content.replace(/"/g, '&quot;')}">`)).toEqual([`meta[content] ${expected}`]);
  });

  it('ignores a meta refresh that only reloads the page, or is garbage', () => {
    expect(urlsOf('<meta http-equiv="refresh" content="30"><meta http-equiv="refresh" content="soon; url=/x.html">')).toEqual([]);
  });

  it('parses srcset as the standard does (commas inside URLs, width descriptors, no spaces)', () => {
    expect(urlsOf('<img src="a.png" srcset="a,1.png 1x,b.png 2x"><picture><source srcset="w.jpg 100w,x.jpg 200w" media="(min-width: 600px)"><img src="y.jpg"></picture>')).toEqual([
      'img[src] http://site.example/dir/a.png',
      'img[srcset] http://site.example/dir/a,1.png',
      'img[srcset] http://site.example/dir/b.png',
      'source[srcset] http://site.example/dir/w.jpg',
      'source[srcset] http://site.example/dir/x.jpg',
      'img[src] http://site.example/dir/y.jpg',
    ]);
  });

  it('finds image-map areas, Flash params, SVG links, preloads and CSS @import', () => {
    const urls = urlsOf(`<img src="map.png" usemap="#m"><map name="m"><area shape="rect" coords="0,0,10,10" href="/zwgk/" alt="政务公开"></map>
      <object data="/flash/a.swf"><param name="movie" value="/flash/a.swf"><param name="quality" value="high"></object>
      <svg><a xlink:href="/svg-link.html"><text>x</text></a><image href="/svg.png"/></svg>
      <link rel="preload" as="script" href="/p.js"><link rel="dns-prefetch" href="//cdn.example">
      <style>@import "/import.css"; @import url(/import2.css); .a{background:URL( "/bg 1.png" )}</style>`);
    expect(urls).toEqual([
      'img[src] http://site.example/dir/map.png',
      'area[href] http://site.example/zwgk/',
      'object[data] http://site.example/flash/a.swf',
      'param[value] http://site.example/flash/a.swf',
      'a[xlink:href] http://site.example/svg-link.html',
      'image[href] http://site.example/svg.png',
      'link[href] http://site.example/p.js',
      'style[url()] http://site.example/import2.css',
      'style[url()] http://site.example/bg%201.png',
      'style[url()] http://site.example/import.css',
    ]);
  });

  it.each([
    ['http://other.example/base/', 'http://other.example/base/x.html'],
    ['//cdn.example/root/', 'http://cdn.example/root/x.html'],
    ['/root', 'http://site.example/x.html'],
    ['../', 'http://site.example/x.html'],
    ['javascript:void(0)', 'http://site.example/dir/x.html'],
    ['http://[bad', 'http://site.example/dir/x.html'],
  ])('resolves against <base href="%s"> like a browser', (base, expected) => {
    expect(urlsOf(`<base href="${base}"><a href="x.html">a</a>`)).toEqual([`a[href] ${expected}`]);
  });

  it('finds a <base href> in any letter case when given the page source, and none when the source has no <base', () => {
    const withSource = (html: string) => extractPage(parseDocument(html), { pageUrl, siteHosts: new Set(['site.example']), html }).links.map((l) => l.url);
    expect(withSource('<BASE HREF="/one/"><a href="x.html">a</a>')).toEqual(['http://site.example/one/x.html']);
    expect(withSource('<Base\nhref="/two/"><a href="x.html">a</a>')).toEqual(['http://site.example/two/x.html']);
    expect(withSource('<p>basement</p><a href="x.html">a</a>')).toEqual(['http://site.example/dir/x.html']);
  });

  it('uses only the first <base href>, wherever it stands', () => {
    expect(urlsOf('<body><a href="x.html">a</a><base href="/one/"><base href="/two/"></body>')).toEqual(['a[href] http://site.example/one/x.html']);
  });

  it('reports malformed references with their reason and never throws', () => {
    const urls = urlsOf(`<a href="https;//www.gov.cn/">a</a><a href="http//www.gov.cn/">b</a><a href="http：//www.gov.cn/">c</a><a href="htp://www.gov.cn/">d</a>
      <a href="//////">e</a><a href="/a%zz.html">f</a><a href="www.gov.cn">g</a><a href="http://[::1/">h</a><a href="http://x:99999/">i</a>`);
    expect(urls).toEqual([
      'a[href] malformed:mistyped scheme',
      'a[href] malformed:missing colon after scheme',
      'a[href] malformed:mistyped scheme',
      'a[href] malformed:mistyped scheme',
      'a[href] malformed:not a valid URL',
      'a[href] malformed:bad percent-encoding',
      'a[href] malformed:missing scheme (http://)',
      'a[href] malformed:not a valid URL',
      'a[href] malformed:not a valid URL',
    ]);
  });

  it('accepts what browsers accept: extra slashes, backslashes, tabs and newlines inside, GBK-style escapes', () => {
    expect(urlsOf('<a href="http:///site.example/a.html">a</a><a href="\\\\site.example\\b.html">b</a><a href=" /c\n.html\t">c</a><a href="/d%CD%A8.html">d</a>')).toEqual([
      'a[href] http://site.example/a.html',
      'a[href] http://site.example/b.html',
      'a[href] http://site.example/c.html',
      'a[href] http://site.example/d%CD%A8.html',
    ]);
  });

  it('keeps a full-width or no-break space in the URL, as the browser requests it', () => {
    expect(urlsOf('<a href="/a.html\u3000">a</a><a href="/b.html&nbsp;">b</a>')).toEqual(['a[href] http://site.example/a.html%E3%80%80', 'a[href] http://site.example/b.html%C2%A0']);
  });

  it('encodes Chinese paths in UTF-8 and Chinese queries in the page encoding', () => {
    const html = '<a href="/搜索/结果.jsp?q=通知 公告&amp;p=1">搜</a>';
    expect(urlsOf(html)).toEqual(['a[href] http://site.example/%E6%90%9C%E7%B4%A2/%E7%BB%93%E6%9E%9C.jsp?q=%E9%80%9A%E7%9F%A5%20%E5%85%AC%E5%91%8A&p=1']);
    expect(urlsOf(html, pageUrl, 'gb18030')).toEqual(['a[href] http://site.example/%E6%90%9C%E7%B4%A2/%E7%BB%93%E6%9E%9C.jsp?q=%CD%A8%D6%AA%20%B9%AB%B8%E6&p=1']);
  });

  it('normalises IDN and full-width host names to ASCII (punycode), offline', () => {
    const { links } = extractPage(parseDocument('<a href="http://政府.中国/a.html">a</a><a href="http://ＷＷＷ.示例.政务/">b</a><a href="/c.html">c</a>'), {
      pageUrl: 'http://示例.政务/',
      siteHosts: new Set([new URL('http://示例.政务/').host]),
    });
    expect(links.map((l) => l.url)).toEqual(['http://xn--mxtq1m.xn--fiqs8s/a.html', 'http://www.xn--fsq092h.xn--zfr164b/', 'http://xn--fsq092h.xn--zfr164b/c.html']);
    expect(links.map((l) => l.internal)).toEqual([false, false, true]);
  });

  it('keeps fragments (decoded) on references and in-page anchors', () => {
    const { links } = extract('<a href="/a.html#%E7%AC%AC%E4%B8%80%E7%AB%A0">a</a><a href="#第二章">b</a><a href="#">c</a>');
    expect(links.map((l) => [l.url, l.fragment, l.skipped])).toEqual([
      ['http://site.example/a.html', '第一章', undefined],
      [null, '第二章', 'fragment'],
      [null, '', 'fragment'],
    ]);
  });
});

describe('extractPage: in-page references under a <base href> that points elsewhere', () => {
  it('resolves #fragment and empty hrefs against the base, as a browser navigates', () => {
    const { links } = extract('<base href="/other/"><a href="#top">返回顶部</a><a href="">本页</a><img src="">');
    expect(links.map((l) => [l.element, l.url, l.fragment ?? null, l.skipped ?? null])).toEqual([
      ['a', 'http://site.example/other/', 'top', null],
      ['a', 'http://site.example/other/', null, null],
      ['img', null, null, 'fragment'],
    ]);
  });

  it('keeps them in-page when the base is the page itself', () => {
    const { links } = extract(`<base href="${pageUrl}"><a href="#top">返回顶部</a>`);
    expect(links[0]).toMatchObject({ url: null, skipped: 'fragment', fragment: 'top' });
  });
});

describe('extractPage: what it keeps across pages (issue 20) never answers for another page', () => {
  // Root-relative references are resolved once per origin and encoding, selectors made once per place: every
  // answer must still be what resolving on this page alone gives.
  const HREFS = ['/a.html', '/a.html#第一章', '//other.example/x', '/\\evil.example/y', '\\\\back.example\\z', '/\t/tab.example/', '/s.jsp?q=通知', '/a%20b.pdf', '/dl.zip', '//'];
  const alone = (href: string, base: string, encoding?: string) => {
    const u = new URL(href.replace(/[\t\n\r]/g, ''), base);
    if (encoding === 'gb18030' && u.search) u.search = '?q=%CD%A8%D6%AA';
    return u.href.replace(/#.*$/, '');
  };
  const page = (body: string) => `<html><body>${body}<ul>${HREFS.map((h) => `<li><a href="${h}">x</a></li>`).join('')}</ul></body></html>`;

  it('resolves the same root-relative href against each page’s own origin, base and encoding', () => {
    const cases: Array<{ url: string; base?: string; encoding?: string; hosts: string[] }> = [
      { url: 'http://one.example/a/b.html', hosts: ['one.example'] },
      { url: 'https://two.example:8443/c/', hosts: ['two.example:8443'] },
      { url: 'http://one.example/d.html', base: 'http://three.example/base/', hosts: ['one.example'] },
      { url: 'http://one.example/e.html', encoding: 'gb18030', hosts: ['one.example'] },
      { url: 'http://user:pw@one.example/f.html', hosts: ['one.example'] },
      { url: 'http://one.example/g.html', hosts: ['other.example'] },
      { url: 'http://one.example/a/b.html', hosts: ['one.example'] },
    ];
    for (const c of [...cases, ...cases]) {
      const html = page(c.base ? `<base href="${c.base}">` : '');
      const { links } = extractPage(parseDocument(html), { pageUrl: c.url, siteHosts: new Set(c.hosts), encoding: c.encoding });
      const base = c.base ?? c.url;
      expect(links.map((l) => l.url)).toEqual(HREFS.map((h) => (h === '//' ? null : alone(h, base, c.encoding))));
      expect(links.map((l) => l.internal)).toEqual(HREFS.map((h) => (h === '//' ? false : c.hosts.includes(new URL(alone(h, base, c.encoding)).host))));
      expect(links.map((l) => [l.fragment, l.attachment, l.kind])).toEqual(HREFS.map((h) => [h.includes('#') ? '第一章' : undefined, h === '/a%20b.pdf' || h === '/dl.zip', h === '/a%20b.pdf' || h === '/dl.zip' ? 'attachment' : 'page']));
    }
  });

  it('keeps each reference as written on its page, spaces included, once the same address is known', () => {
    const opts = { pageUrl: 'http://one.example/', siteHosts: new Set(['one.example']) };
    const raws = (html: string) => extractPage(parseDocument(html), opts).links.map((l) => [l.raw, l.url]);
    expect(raws('<a href="/same.html">x</a>')).toEqual([['/same.html', 'http://one.example/same.html']]);
    expect(raws('<a href="/same.html ">x</a><a href=" /same.html">y</a><a href="/same.html">z</a>')).toEqual([
      ['/same.html ', 'http://one.example/same.html'],
      [' /same.html', 'http://one.example/same.html'],
      ['/same.html', 'http://one.example/same.html'],
    ]);
  });

  it('gives an <a download> on one page and the same href without it on another their own attachment flag', () => {
    const opts = { pageUrl: 'http://one.example/', siteHosts: new Set(['one.example']) };
    expect(extractPage(parseDocument('<a href="/file.html" download>x</a>'), opts).links[0]).toMatchObject({ attachment: true, kind: 'attachment' });
    expect(extractPage(parseDocument('<a href="/file.html">x</a>'), opts).links[0]).toMatchObject({ attachment: false, kind: 'page' });
  });

  it('gives each page the selectors of its own structure when the template changes between pages', () => {
    const opts = { pageUrl: 'http://one.example/', siteHosts: new Set(['one.example']) };
    const sel = (html: string) => extractPage(parseDocument(html), opts).links.map((l) => l.selector);
    const first = sel('<div><ul><li><a href="/x">x</a></li><li><a href="/y">y</a></li></ul></div>');
    expect(first).toEqual(['div:nth-of-type(1) > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)', 'div:nth-of-type(1) > ul:nth-of-type(1) > li:nth-of-type(2) > a:nth-of-type(1)']);
    expect(sel('<div><p></p><ul><li><a href="/y">y</a></li></ul></div>')).toEqual(['div:nth-of-type(1) > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)']);
    expect(sel('<section><ul><li><a href="/x">x</a></li></ul></section>')).toEqual(['section:nth-of-type(1) > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)']);
    expect(sel('<div id="nav"><a href="/x">x</a></div><div><a href="/x">x</a></div>')).toEqual(['div#nav > a:nth-of-type(1)', 'div:nth-of-type(2) > a:nth-of-type(1)']);
    expect(sel('<div><ul><li><a href="/x">x</a></li><li><a href="/y">y</a></li></ul></div>')).toEqual(first);
  });
});

describe('detachStrings', () => {
  it('keeps every value of two pages’ collector outputs when their strings go through the crawl’s pool', () => {
    const pool = stringPool();
    const html = '<li><a href="/art/1.html">关于做好防汛工作的通知（二〇二四年）</a></li>';
    const page = () => ({
      items: [{ href: 'http://site.example/art/1.html', title: html.slice(html.indexOf('关'), html.indexOf('</a>')), date: '2024-06-21' }],
      sketch: [1, 2 ** 31, 3],
      nested: { deep: { text: html.slice(0, 30) } },
      kept: Object.freeze({ text: html.slice(0, 20) }),
    });
    const one = page();
    const two = page();
    detachStrings(one, new Set(), 0, pool);
    detachStrings(two, new Set(), 0, pool);
    expect(one).toEqual(page());
    expect(two).toEqual(page());
    expect(pool(page().items[0].title)).toBe('关于做好防汛工作的通知（二〇二四年）');
  });
});
