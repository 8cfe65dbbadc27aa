/**
 * Property-based tests (fast-check) of the parsers that take hostile input: dates in page text and metadata,
 * registry files and rows, references on a page, and byte decoding with any declared charset. Notes:
 * docs/modules.md.
 */
import fc from 'fast-check';
import { parseDocument } from 'htmlparser2';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractDates, parseDateValue } from '../src/analysis/content/dates.js';
import { decodeHtml } from '../src/gather/decode.js';
import { extractPage } from '../src/gather/extract.js';
import { loadGroups, readRegistryFile, RegistryFileError, validateRegistry, type RawTable } from '../src/registry/index.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir('govcheck-prop-');
afterAll(() => tmp.cleanup());

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const realDate = (d: string) => ISO.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

/** Strings made of the pieces dates are made of, and of everything else. */
const DATE_TOKENS = [
  '2024',
  '1999',
  '2055',
  '1911',
  '0000',
  '9999',
  '07',
  '7',
  '13',
  '31',
  '29',
  '02',
  '00',
  '-',
  '/',
  '.',
  ' ',
  '年',
  '月',
  '日',
  '号',
  '民国',
  '一',
  '二',
  '十',
  '〇',
  '三十一',
  '：',
  ':',
  'T',
  '12:30',
  '25:61',
  '２０２４',
  '（',
  '）',
  '[',
  ']',
  '发布日期',
  '版权',
  '电话',
  'abc',
  '\n',
  '\u0000',
  '\uffff',
  '𠀀',
];
const dateText = fc.oneof(
  fc.array(fc.constantFrom(...DATE_TOKENS), { maxLength: 24 }).map((a) => a.join('')),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const asOfArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

describe('dates (src/analysis/content/dates.ts)', () => {
  it('any text: no throw, every date real and in range, the written text found in the input, normalisation idempotent', () => {
    fc.assert(
      fc.property(dateText, asOfArb, fc.constantFrom('never', 'standalone', 'always') as fc.Arbitrary<'never' | 'standalone' | 'always'>, (text, asOf, partial) => {
        const t0 = performance.now();
        const found = extractDates(text, { asOf, partial });
        expect(performance.now() - t0).toBeLessThan(200);
        const maxYear = Number(asOf.slice(0, 4)) + 30;
        for (const f of found) {
          expect(realDate(f.date), f.date).toBe(true);
          const y = Number(f.date.slice(0, 4));
          expect(y).toBeGreaterThanOrEqual(1980);
          expect(y).toBeLessThanOrEqual(maxYear);
          if (f.yearInferred) expect(f.date <= asOf).toBe(true);
          expect(f.index).toBeGreaterThanOrEqual(0);
          expect(text.includes(f.raw)).toBe(true);
          if (f.time !== undefined) expect(f.time).toMatch(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/);
          // The normalised form reads back as itself.
          expect(parseDateValue(f.date, { asOf })?.date).toBe(f.date);
          expect(extractDates(f.date, { asOf }).map((x) => x.date)).toEqual([f.date]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('an empty CMS timestamp (the epoch) or a year outside the range is no publication date (found by the property below)', () => {
    for (const v of ['1970-01-01T00:00:00Z', '1970-01-01T08:00:00+08:00', '19500101', '000000000000']) expect(parseDateValue(v, { asOf: '2024-07-01' }), v).toBeUndefined();
    expect(parseDateValue('2024-07-05T10:00:00+08:00', { asOf: '2024-07-10' })?.date).toBe('2024-07-05');
  });

  it('any metadata value: no throw, a real date or none, idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          dateText,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.bigInt({ min: 0n, max: 10n ** 14n }).map(String),
        ),
        asOfArb,
        (v, asOf) => {
          const d = parseDateValue(v, { asOf });
          if (!d) return;
          expect(realDate(d.date), `${v} → ${d.date}`).toBe(true);
          expect(parseDateValue(d.date, { asOf })?.date).toBe(d.date);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('registry rows (src/registry/read.ts, validate.ts)', () => {
  const groups = loadGroups();
  const URLS = ['http://127.0.0.1:7001/', 'https://www.example.gov.cn/a', 'www.example.gov.cn', 'ht!tp://x', 'ftp://a', 'javascript:alert(1)', '://', 'http://', 'http://a b', '政府.中国', 'http://[::1]/', '%zz', ''];
  const cell = fc.oneof(fc.constantFrom(...URLS, '甲市', '省直部门', '网站', '新媒体', '微信', '微博', '运作', '关停', '1234567890', 'bm12345678', 'browser', '=A1', '#REF!'), fc.string({ maxLength: 20 }));
  const header = fc.shuffledSubarray(['序号', '名称', '网址', '网站标识码', '类型', '平台', '来源', '主办单位', '部门/地区', '状态', '渲染方式', '备注'], { minLength: 1 });

  it('any CSV file: the reader gives a table or a RegistryFileError; validation gives entries or line-numbered one-line errors, one per row at least', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(header, fc.array(fc.array(cell, { maxLength: 12 }), { maxLength: 10 }), fc.constantFrom(',', '\t', ';'), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), async (cols, rows, sep, junk) => {
        const quote = (c: string) => `"${c.replace(/"/g, '""')}"`;
        const text = [cols, ...rows].map((r) => r.map(quote).join(sep)).join('\n');
        const file = path.join(tmp.dir, `r${k++}.csv`);
        writeFileSync(file, junk ? Buffer.concat([Buffer.from(text), Buffer.from(junk)]) : text);
        let table: RawTable;
        try {
          table = await readRegistryFile(file);
        } catch (e) {
          expect(e).toBeInstanceOf(RegistryFileError);
          expect((e as Error).message).not.toContain('\n');
          return;
        }
        const v = validateRegistry(table, groups);
        for (const e of v.errors) {
          expect(Number.isInteger(e.line) && e.line >= 0).toBe(true);
          expect(e.reason.zh).not.toMatch(/[\r\n]/);
          expect(e.reason.en).not.toMatch(/[\r\n]/);
          expect(e.reason.en).not.toContain('[object Object]');
        }
        if (v.errors.some((e) => e.line === (table.headerLine ?? 0))) return; // a file-level problem (missing columns)
        const entryLines = new Set(v.entries.map((e) => e.line));
        const errorLines = new Set(v.errors.map((e) => e.line));
        for (const r of table.rows) expect(entryLines.has(r.line) !== errorLines.has(r.line), `line ${r.line}`).toBe(true);
        for (const e of v.entries) {
          const u = new URL(e.url);
          expect(['http:', 'https:']).toContain(u.protocol);
          expect(e.url).toBe(u.href);
        }
      }),
      { numRuns: 250 },
    );
  });
});

describe('references on a page (src/gather/extract.ts)', () => {
  const HREF_TOKENS = [
    'http://',
    'https://',
    'HTTP://',
    'ht!tp://',
    'https;//',
    'http//',
    'http：//',
    '//',
    '/',
    '\\',
    '..',
    '.',
    'x.gov.cn',
    'site.example',
    '127.0.0.1',
    '[::1]',
    ':8080',
    ':99999',
    '?',
    '#',
    '&',
    '=',
    '%',
    '%2',
    '%41',
    ' ',
    '\t',
    '\n',
    '通知',
    'ａｂｃ',
    'javascript:',
    'mailto:',
    'data:',
    'tel:',
    'file:',
    'www.',
    '@',
    'user:pw@',
    '\u0000',
    '\u200b',
    '"',
    "'",
    '<',
    '>',
  ];
  const href = fc.oneof(
    fc.array(fc.constantFrom(...HREF_TOKENS), { maxLength: 10 }).map((a) => a.join('')),
    fc.string({ maxLength: 40 }),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
  );
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

  it('any href, src, srcset, refresh or base: no throw; every URL absolute http(s) and normalised, else marked malformed or skipped', () => {
    fc.assert(
      fc.property(fc.array(href, { minLength: 1, maxLength: 8 }), fc.option(href, { nil: undefined }), fc.constantFrom('utf-8', 'gb18030', 'big5', 'shift_jis'), (hrefs, base, encoding) => {
        const body = hrefs
          .map((h, i) => [`<a href="${esc(h)}">链接${i}</a>`, `<img src="${esc(h)}" srcset="${esc(h)} 2x, ${esc(h)}">`, `<meta http-equiv="refresh" content="0; url=${esc(h)}">`, `<div style="background:url('${esc(h)}')"></div>`][i % 4])
          .join('');
        const html = `<html><head>${base !== undefined ? `<base href="${esc(base)}">` : ''}</head><body>${body}</body></html>`;
        const t0 = performance.now();
        const { links } = extractPage(parseDocument(html), { pageUrl: 'http://site.example/dir/page.html', siteHosts: new Set(['site.example']), encoding });
        expect(performance.now() - t0).toBeLessThan(500);
        for (const l of links) {
          if (l.url === null) {
            expect(l.malformed !== undefined || l.skipped !== undefined, JSON.stringify(l)).toBe(true);
            continue;
          }
          const u = new URL(l.url);
          expect(['http:', 'https:'], l.url).toContain(u.protocol);
          expect(u.hash).toBe('');
          expect(l.url).toBe(u.href);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('decoding (src/gather/decode.ts)', () => {
  const LABELS = [
    'utf-8',
    'UTF8',
    'gbk',
    'gb2312',
    'GB18030',
    'big5',
    'shift_jis',
    'euc-kr',
    'iso-8859-1',
    'windows-1252',
    'utf-16',
    'utf-16le',
    'utf-16be',
    'UTF-7',
    'iso-2022-jp',
    'x-user-defined',
    'replacement',
    'hz-gb-2312',
    'koi8-r',
    'bogus',
    '',
    ' ',
    'utf-8;',
    '"gbk"',
  ];
  const label = fc.oneof(fc.constantFrom(...LABELS), fc.string({ maxLength: 12 }));
  const prefixes = ['', '\ufeff', '<meta charset="{L}">', '<meta http-equiv="Content-Type" content="text/html; charset={L}">', '<?xml version="1.0" encoding="{L}"?>'];

  it('any bytes with any declared charset: a string, no throw, a known encoding, in bounded time', () => {
    let slowest = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), fc.option(label, { nil: undefined }), fc.constantFrom(...prefixes), label, (bytes, header, prefix, metaLabel) => {
        const buf = Buffer.concat([Buffer.from(prefix.replace('{L}', metaLabel)), Buffer.from(bytes)]);
        const t0 = performance.now();
        const d = decodeHtml(buf, header);
        slowest = Math.max(slowest, performance.now() - t0);
        expect(typeof d.text).toBe('string');
        expect(typeof d.encoding).toBe('string');
        expect(d.encoding.length).toBeGreaterThan(0);
        expect(d.replacementRatio).toBeGreaterThanOrEqual(0);
        expect(d.replacementRatio).toBeLessThanOrEqual(1);
        expect(d.text.length).toBeLessThanOrEqual(buf.length + 1);
      }),
      { numRuns: 400 },
    );
    expect(slowest).toBeLessThan(500);
  });
});
