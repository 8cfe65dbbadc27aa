import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeHtml } from '../src/gather/decode.js';

const title = '关于做好2024年政务公开工作的通知';
const doc = (charsetTag: string) => `<!DOCTYPE html><html><head>${charsetTag}<title>${title}</title></head><body><p>${title}，请各单位认真贯彻执行。</p></body></html>`;

describe('decodeHtml', () => {
  it('decodes GBK declared only in <meta charset>', () => {
    const d = decodeHtml(iconv.encode(doc('<meta charset="gbk">'), 'gbk'));
    expect(d.text).toContain(title);
    expect(d.encoding).toBe('gb18030');
    expect(d.source).toBe('meta');
    expect(d.mismatch).toBeUndefined();
  });

  it('decodes GB2312 declared only in http-equiv', () => {
    const d = decodeHtml(iconv.encode(doc('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'), 'gbk'));
    expect(d.text).toContain(title);
    expect(d.source).toBe('meta');
  });

  it('decodes GBK declared only in the Content-Type header', () => {
    const d = decodeHtml(iconv.encode(doc(''), 'gbk'), 'GBK');
    expect(d.text).toContain(title);
    expect(d.source).toBe('header');
  });

  it('keeps UTF-8 pages intact (no meta, no header)', () => {
    const d = decodeHtml(Buffer.from(doc(''), 'utf8'));
    expect(d.text).toContain(title);
    expect(d.encoding).toBe('utf-8');
  });

  it('honours a UTF-8 BOM over a wrong header', () => {
    const d = decodeHtml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc(''), 'utf8')]), 'gbk');
    expect(d.text).toContain(title);
    expect(d.source).toBe('bom');
  });

  it('trusts a header charset that decodes the page cleanly, whatever <meta> says (the document is then not sniffed)', () => {
    const d = decodeHtml(Buffer.from(doc('<meta charset="gbk">')), 'utf-8');
    expect(d).toMatchObject({ encoding: 'utf-8', source: 'header', replacementRatio: 0 });
    expect(d.text).toContain(title);
    expect(d.mismatch).toBeUndefined();
    // The same bytes without the header: <meta> is tried first, then the clean UTF-8 wins and the mismatch is told.
    expect(decodeHtml(Buffer.from(doc('<meta charset="gbk">'))).mismatch).toEqual({ declared: 'gb18030', declaredBy: 'meta', used: 'utf-8' });
  });

  it('repairs a wrong header charset and reports the mismatch', () => {
    // Header says UTF-8, the bytes are GBK and the page says so in <meta>.
    const d = decodeHtml(iconv.encode(doc('<meta charset="gb2312">'), 'gbk'), 'utf-8');
    expect(d.text).toContain(title);
    expect(d.mismatch).toEqual({ declared: 'utf-8', declaredBy: 'header', used: 'gb18030' });
  });

  it('decodes undeclared GBK by verification instead of producing mojibake', () => {
    const d = decodeHtml(iconv.encode(doc(''), 'gbk'));
    expect(d.text).toContain(title);
    expect(d.replacementRatio).toBe(0);
  });

  it('decodes Big5 (Traditional) declared in meta', () => {
    const trad = '政府資訊公開';
    const d = decodeHtml(iconv.encode(`<html><head><meta charset="big5"><title>${trad}</title></head></html>`, 'big5'));
    expect(d.text).toContain(trad);
  });
});
