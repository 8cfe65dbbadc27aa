import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import display from '../../checks/newmedia-display.js';
import { loadConfig } from '../../src/config.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { AccountPost, SiteArtifacts } from '../../src/types.js';
import { PNG_1X1 } from '../fixtures/newmedia.js';
import { serve, type Route, type Served } from '../fixtures/site.js';

let s: Served;
beforeAll(async () => {
  const html = (body: string) => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>文章</title></head><body>${body}</body></html>` });
  s = await serve(
    new Map<string, Route>([
      ['/p/ok.html', html('<article><h1>正常文章</h1><p>正文</p></article>')],
      ['/p/deleted.html', html('<div class="weui-msg"><p>该内容已被发布者删除</p></div><script>var msg = "ignored";</script>')],
      ['/p/flaky.html', { status: 503 }],
      ['/img/ok.png', { headers: { 'content-type': 'image/png' }, body: PNG_1X1 }],
      ['/img/notice.png', html('<p>此图片来自微信公众平台，未经允许不可引用</p>')],
      ['/v/ok.mp4', { headers: { 'content-type': 'video/mp4' }, body: Buffer.alloc(64, 1) }],
      ['/v/gone.mp4', { status: 410 }],
      ['/link/ok.html', html('<p>相关链接</p>')],
    ]),
  );
});
afterAll(() => s.close());

const config = loadConfig();

function post(n: number, extra: Partial<AccountPost> = {}): AccountPost {
  return {
    title: `第${n}条 政务信息`,
    url: `${s.origin}/p/ok.html`,
    publishedAt: `2024-06-${String(30 - n).padStart(2, '0')}T02:00:00.000Z`,
    text: '会议强调，要深入贯彻落实决策部署。',
    media: [{ url: `${s.origin}/img/ok.png`, kind: 'image' }],
    links: [`${s.origin}/link/ok.html`],
    ...extra,
  };
}

function artifacts(posts: AccountPost[]): SiteArtifacts {
  const source = `${s.origin}/feed.xml`;
  return {
    site: { id: 'acct', url: source, kind: 'newmedia', platform: 'wechat', source },
    startUrl: source,
    pages: [],
    stats: { pages: 0, links: 0, durationMs: 0, skippedByLimit: 0, errors: 0 },
    asOf: '2024-07-01',
    siteHosts: [new URL(source).host],
    account: { platform: 'wechat', sourceKind: 'feed', sourceUrl: source, fetchedAt: '2024-07-01T00:00:00Z', posts, menus: [] },
  };
}

async function run(posts: AccountPost[], options: Record<string, unknown> = {}) {
  const http = new HttpClient({ networkPolicy: true, retries: 0 });
  try {
    const [r] = await runChecks(artifacts(posts), [{ module: display, options: display.meta.options.parse(options) }], { config, http });
    return r;
  } finally {
    await http.close();
  }
}

describe('newmedia-display (M-D2)', () => {
  it('passes posts whose page, images, video and links all work', async () => {
    const r = await run([post(1), post(2, { media: [{ url: `${s.origin}/v/ok.mp4`, kind: 'video' }] })]);
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatchObject({ posts: 2, placeholder: 0, mediaBroken: 0 });
  });

  it('finds placeholders in the post text (Simplified and Traditional) and on the post page, with title, date and URL', async () => {
    const r = await run([post(1, { text: '此内容因违规无法查看', media: [] }), post(2, { text: '此內容因違規無法查看', media: [] }), post(3, { url: `${s.origin}/p/deleted.html` })]);
    const hits = r.findings.filter((f) => f.code === 'placeholder');
    expect(hits).toHaveLength(3);
    const onPage = hits.find((f) => f.target === `${s.origin}/p/deleted.html`)!;
    expect(onPage).toMatchObject({ severity: 'deduction', rule: 'M-D2', points: config.rules.indicators['M-D2'].points!.each, params: { phrase: '该内容已被发布者删除' } });
    expect(onPage.evidence).toMatchObject({ title: '第3条 政务信息', date: '2024-06-27', url: `${s.origin}/p/deleted.html`, seenIn: 'post page', screenshotUrl: `${s.origin}/p/deleted.html` });
    expect(hits.find((f) => f.params.title === '第1条 政务信息')!.evidence.seenIn).toBe('post text');
    expect(onPage.message).toBe('内容无法正常展示：“第3条 政务信息”显示“该内容已被发布者删除”');
  });

  it('reports an empty body, but not a post that is only a picture or a video', async () => {
    const r = await run([post(1, { text: ' ', media: [] }), post(2, { text: '', media: [{ url: `${s.origin}/v/ok.mp4`, kind: 'video' }] })]);
    expect(r.findings.map((f) => [f.code, f.params.title])).toEqual([['empty', '第1条 政务信息']]);
  });

  it('reports media that do not load: a 404 image, an image answered by an HTML page, a removed video', async () => {
    const r = await run([
      post(1, {
        media: [
          { url: `${s.origin}/img/ok.png`, kind: 'image' },
          { url: `${s.origin}/img/missing.jpg`, kind: 'image' },
          { url: `${s.origin}/img/notice.png`, kind: 'image' },
        ],
      }),
      post(2, { media: [{ url: `${s.origin}/v/gone.mp4`, kind: 'video' }] }),
    ]);
    const media = r.findings.filter((f) => f.code === 'media-broken');
    expect(media).toHaveLength(2); // one finding per post
    const first = media.find((f) => f.params.title === '第1条 政务信息')!;
    expect(first.params.count).toBe(2);
    expect((first.evidence.broken as Array<{ target: string; reason: string }>).map((b) => [b.target.replace(s.origin, ''), b.reason])).toEqual([
      ['/img/missing.jpg', 'HTTP 404'],
      ['/img/notice.png', 'text/html instead of image'],
    ]);
    expect(media.find((f) => f.params.title === '第2条 政务信息')).toMatchObject({ target: `${s.origin}/v/gone.mp4`, tier: 'confirmed', params: { reason: 'HTTP 410' } });
  });

  it('reports broken links in a post and a post page that does not open; server errors only as suspected', async () => {
    const r = await run([post(1, { links: [`${s.origin}/link/ok.html`, `${s.origin}/link/gone.html`] }), post(2, { url: `${s.origin}/p/missing.html` }), post(3, { url: `${s.origin}/p/flaky.html` })]);
    expect(r.findings.find((f) => f.code === 'link-broken')).toMatchObject({ target: `${s.origin}/link/gone.html`, tier: 'confirmed', params: { count: 1 } });
    expect(r.findings.find((f) => f.target === `${s.origin}/p/missing.html`)).toMatchObject({ code: 'post-unreachable', tier: 'confirmed', params: { reason: 'HTTP 404' } });
    expect(r.findings.find((f) => f.target === `${s.origin}/p/flaky.html`)).toMatchObject({ code: 'post-unreachable', tier: 'suspected' });
  });

  it('checks only the newest N posts and stays within its request budget', async () => {
    const posts = Array.from({ length: 6 }, (_, i) => post(i + 1, { media: [{ url: `${s.origin}/img/missing-${i}.jpg`, kind: 'image' }] }));
    const r = await run(posts, { latestPosts: 3 });
    expect(r.findings.filter((f) => f.code === 'media-broken').map((f) => f.params.title)).toEqual(['第1条 政务信息', '第2条 政务信息', '第3条 政务信息']);
    const capped = await run(posts, { maxProbes: 4 });
    expect(capped.summary?.probes).toBe(4);
  });

  it('is not applicable when the account has no posts', async () => {
    expect((await run([])).status).toBe('not_applicable');
  });
});
