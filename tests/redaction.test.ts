import { describe, expect, it } from 'vitest';
import brokenLinks from '../checks/broken-links.js';
import { materialize } from '../src/check-api/api.js';
import { idCheckChar } from '../src/analysis/privacy/detect.js';

const first17 = '11010519491231002';
const id = first17 + idCheckChar(first17);
const mobile = '13912345678';

describe('every finding is masked before it leaves the check', () => {
  it('masks resident IDs and mobiles in anchor texts, URLs, targets and nested evidence of any check', () => {
    const f = materialize(
      brokenLinks.meta,
      {
        code: 'broken',
        params: { target: `http://a.gov.cn/list?id=${id}`, reason: 'HTTP 404', count: 1 },
        severity: 'deduction',
        url: `http://a.gov.cn/page?tel=${mobile}`,
        target: `http://a.gov.cn/list?id=${id}`,
        evidence: { snippet: `张三（身份证${id}，电话${mobile}）`, parents: [{ text: `联系人 ${mobile}` }] },
      },
      '2024-07-01',
    );
    const all = JSON.stringify(f);
    expect(all).not.toContain(id);
    expect(all).not.toContain(mobile);
    expect(f.message).toContain('链接不可用：');
    expect(String(f.evidence.snippet)).toMatch(/^张三（身份证/);
  });

  it('leaves text without personal data untouched, full-width punctuation included', () => {
    const f = materialize(
      brokenLinks.meta,
      { code: 'broken', params: { target: 'http://a.gov.cn/2024/0705.html', reason: 'HTTP 404', count: 2 }, severity: 'deduction', url: 'http://a.gov.cn/', evidence: { snippet: '关于（2024）年第12345号文件的通知' } },
      '2024-07-01',
    );
    expect(f.evidence.snippet).toBe('关于（2024）年第12345号文件的通知');
    expect(f.target).toBeUndefined();
    expect(f.message).toContain('http://a.gov.cn/2024/0705.html');
    expect(f.params.target).toBe('http://a.gov.cn/2024/0705.html');
  });
});
