import { describe, expect, it } from 'vitest';
import { csvColumn, htmlText, sqlColumn } from '../../scripts/lm-formats.js';

// Own-written rows in the shapes of the model's sources (no third-party text).
describe('language-model source formats', () => {
  it('takes one column of a CSV file with quoted fields spanning lines, doubled quotes and a byte-order mark', () => {
    const csv = '\uFEFFprovince,year,full_text\r\n甲省,2026,"各位代表：\n现在，我代表省人民政府报告工作，""请予审议""。"\n乙省,2026,一、过去一年工作回顾\n';
    expect(csvColumn(csv, 'full_text')).toEqual(['各位代表：\n现在，我代表省人民政府报告工作，"请予审议"。', '一、过去一年工作回顾']);
    expect(csvColumn(csv, 'province')).toEqual(['甲省', '乙省']);
    expect(csvColumn(csv, 'missing')).toBeUndefined();
  });

  it('takes one column of every row of SQL insert statements (escaped and doubled quotes, null, several tuples)', () => {
    const sql = [
      "insert into policy (id, title, content, remark) values (1, '关于做好安全生产工作的通知', '<p>各单位要认真落实\\'责任\\'。</p>', null);",
      "INSERT INTO `policy` (`id`, `title`, `content`, `remark`) VALUES (2, 'it''s', '<p>第一段。</p><p>第二段。</p>', 'x'), (3, 'c', null, 'y');",
    ].join('\n');
    expect(sqlColumn(sql, 'content')).toEqual(["<p>各单位要认真落实'责任'。</p>", '<p>第一段。</p><p>第二段。</p>']);
    expect(sqlColumn(sql, 'title')).toEqual(['关于做好安全生产工作的通知', "it's", 'c']);
    expect(sqlColumn('select 1;', 'content')).toEqual([]);
  });

  it('reduces HTML fragments to text lines', () => {
    expect(htmlText('<p style="x">第一段&nbsp;文字</p><p>第二段<br>换行</p><script>var a=1;</script>')).toBe('第一段 文字\n第二段\n换行\n');
  });
});
