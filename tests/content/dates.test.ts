import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../src/china-time.js';
import { chineseNumber, dateFromUrl, extractDates, inferYear, parseDateValue, visiblePublishDate } from '../../src/analysis/content/dates.js';

const asOf = '2024-07-01';
const one = (s: string, partial: 'never' | 'standalone' | 'always' = 'never') => extractDates(s, { asOf, partial }).map((d) => d.date);

describe('date extraction (src/analysis/content/dates.ts)', () => {
  it('reads every written format, with times', () => {
    expect(one('发布时间：2024-07-05')).toEqual(['2024-07-05']);
    expect(one('2024/7/5')).toEqual(['2024-07-05']);
    expect(one('2024.07.05')).toEqual(['2024-07-05']);
    expect(one('2024年7月5日')).toEqual(['2024-07-05']);
    expect(one('2024 年 07 月 05 日')).toEqual(['2024-07-05']);
    expect(one('二〇二四年七月五日')).toEqual(['2024-07-05']);
    expect(one('二零二三年十二月三十一日')).toEqual(['2023-12-31']);
    expect(one('２０２４－０７－０５')).toEqual(['2024-07-05']);
    const t = extractDates('日期：2024-06-25 09:30:15 来源：办公室', { asOf })[0];
    expect(t).toMatchObject({ date: '2024-06-25', time: '09:30:15', format: 'iso' });
    expect(extractDates('2024年6月25日 14:05', { asOf })[0].time).toBe('14:05');
  });

  it('reads Traditional text and 民國 years', () => {
    expect(one('發佈日期：2024年06月30日')).toEqual(['2024-06-30']);
    expect(one('民國113年7月5日')).toEqual(['2024-07-05']);
    expect(one('中華民國一一三年七月五日')).toEqual(['2024-07-05']);
  });

  it('reads dates without a year only where asked, never into the future', () => {
    expect(one('07-05')).toEqual([]);
    expect(one('[06-25]', 'standalone')).toEqual(['2024-06-25']);
    // 07-05 would be after the inspection date in 2024: it is last year's.
    expect(one('[07-05]', 'standalone')).toEqual(['2023-07-05']);
    expect(one('（6月20日）', 'standalone')).toEqual(['2024-06-20']);
    expect(extractDates('06-25', { asOf, partial: 'standalone' })[0].yearInferred).toBe(true);
    // A standalone-only rule: inside a sentence a bare month-day is not taken.
    expect(one('第3-5条规定，10-12岁儿童', 'standalone')).toEqual([]);
    expect(inferYear(12, 28, asOf)).toBe(2023);
    expect(inferYear(6, 1, asOf, 2022)).toBe(2022);
    expect(inferYear(2, 29, asOf)).toBe(2024);
  });

  it('leaves out copyright years, ICP and police filings, phone numbers, document numbers and today-widgets', () => {
    expect(one('Copyright © 2003-2024 示例市人民政府 版权所有')).toEqual([]);
    expect(one('苏ICP备12345678号-1　苏公网安备32010202000001号　网站标识码：3201000001')).toEqual([]);
    expect(one('联系电话：0512-65221234　传真：025-1234-0705')).toEqual([]);
    expect(one('苏政发〔2024〕12号　国办秘函[2019]19号')).toEqual([]);
    expect(one('今天是2024年7月1日 星期一')).toEqual([]);
    expect(one('2024-2025学年　2024.5万元　v2024.1')).toEqual([]);
    expect(one('2024-02-30　2024-13-01')).toEqual([]);
  });

  it('parses metadata values: PubDate, ISO 8601 with offset (Shanghai calendar), compact, epoch', () => {
    expect(parseDateValue('2024-06-25 09:30', { asOf })).toMatchObject({ date: '2024-06-25', time: '09:30' });
    expect(parseDateValue('2024-07-04T18:00:00Z', { asOf })).toMatchObject({ date: '2024-07-05', time: '02:00' });
    expect(parseDateValue('2024-07-05T09:00:00+08:00', { asOf })).toMatchObject({ date: '2024-07-05', time: '09:00' });
    expect(parseDateValue('20240705', { asOf })?.date).toBe('2024-07-05');
    expect(parseDateValue('1719792000000', { asOf })?.date).toBe('2024-07-01');
    expect(parseDateValue('not a date', { asOf })).toBeUndefined();
  });

  it('reads the date a CMS writes into URLs', () => {
    expect(dateFromUrl('http://x/ywdt/202406/t20240625_1.html', asOf)).toMatchObject({ date: '2024-06-25', pattern: 'trs' });
    expect(dateFromUrl('http://x/art/2024/7/5/art_12_345.html', asOf)).toMatchObject({ date: '2024-07-05', pattern: 'hanweb' });
    expect(dateFromUrl('http://x/content/2024-07/05/content_1.htm', asOf)?.date).toBe('2024-07-05');
    expect(dateFromUrl('http://x/col/col123/index.html', asOf)).toBeUndefined();
  });

  it('picks the labelled publication date over written, effective and expiry dates', () => {
    const d = visiblePublishDate('索引号：001　成文日期：2024-05-01　发布日期：2024-05-10　有效期至：2029-12-31', { asOf });
    expect(d).toMatchObject({ date: '2024-05-10', labelled: true });
    expect(visiblePublishDate('发表于 2024年6月3日', { asOf })?.date).toBe('2024-06-03');
    expect(visiblePublishDate('有效期至2029-12-31　正文……2024-03-02', { asOf })).toMatchObject({ date: '2024-03-02', labelled: false });
    // Documented order: 发布日期-type labels, then 成文日期-type labels, then a loose date.
    expect(visiblePublishDate('Date: 2024/6/10　【发布日期】2024年06月02日', { asOf })).toMatchObject({ date: '2024-06-02', labelled: true, label: 'publish' });
    expect(visiblePublishDate('会议于2024年6月20日召开　成文日期：2024-06-01', { asOf })).toMatchObject({ date: '2024-06-01', labelled: true, label: 'written' });
    expect(visiblePublishDate('发文日期：2024-06-01　发布时间：2024-06-03', { asOf })).toMatchObject({ date: '2024-06-03', label: 'publish' });
    expect(visiblePublishDate('索引号：0001/2023-1　发文日期：2023-03-31　公开方式：主动公开', { asOf })).toMatchObject({ date: '2023-03-31', label: 'written' });
  });

  it('counts days and Chinese numerals', () => {
    expect(daysBetween('2024-06-17', '2024-07-01')).toBe(14);
    expect(chineseNumber('三十一')).toBe(31);
    expect(chineseNumber('十二')).toBe(12);
    expect(chineseNumber('二〇二四')).toBe(2024);
  });
  it('skips the scan only where no date can be: no digit and no 年, or no year and no month-day reading asked for', () => {
    expect(one('政务公开（123）')).toEqual([]);
    expect(one('通知公告')).toEqual([]);
    expect(one('２０２４－０７－０５')).toEqual(['2024-07-05']);
    expect(one('民國113年7月5日')).toEqual(['2024-07-05']);
    expect(one('二〇二四年七月五日')).toEqual(['2024-07-05']);
    // Month-day readings are never put after as-of (2024-07-01): 07-05 is last year's.
    expect(one('[07-05]', 'standalone')).toEqual(['2023-07-05']);
    expect(one('7月5日', 'always')).toEqual(['2023-07-05']);
    expect(one('07-05')).toEqual([]);
  });
});
