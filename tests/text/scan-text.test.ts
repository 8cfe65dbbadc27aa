import { writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

describe('govcheck scan-text', () => {
  it('prints one JSON object per finding per line, with offsets into the input, and exits 1 on confirmed findings', async () => {
    const file = path.join(tmp.dir, 'a.txt');
    writeFileSync(file, '关于做好工作布署的通知\n台湾总统发表讲话。\n全面提高行政效律。\n');
    const r = await runCli(['scan-text', file, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.text, x.suggestion, x.rule, x.category, x.severity, x.tier, x.offset, x.length, x.line, x.column])).toEqual([
      ['布署', '部署', 'W-D3', 'typo', 'deduction', 'confirmed', 6, 2, 1, 7],
      ['台湾总统', '台湾地区领导人', 'W-V4', 'naming', 'veto', 'confirmed', 12, 4, 2, 1],
      ['律', '率', 'W-D3', 'near-miss', 'deduction', 'suspected', 29, 1, 3, 8],
    ]);
  });

  it('reads standard input, GBK files, the new-media rules, and prints Chinese text by default', async () => {
    const r = await runCli(['scan-text', '-', '--scope', 'newmedia'], { input: '习进平总书记强调' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1:2  [严重] “进” → “近”（领导人姓名，M-V1）');
    expect(r.stdout).toContain('共 1 处：严重表述错误 1，错别字 0，疑似 0');
    const gbk = path.join(tmp.dir, 'gbk.txt');
    writeFileSync(gbk, iconv.encode('各单位要认真做好工作布署。', 'gbk'));
    const g = await runCli(['scan-text', gbk, '--format', 'json', '--confirmed-only']);
    expect(JSON.parse(g.stdout.trim())).toMatchObject({ text: '布署', offset: 10 });
  });

  it('exits 0 on correct text and when findings are allowed; 2 with a clear message on a missing file', async () => {
    const ok = await runCli(['scan-text', '--format', 'json'], { input: '截至2024年6月30日，全市累计办理行政许可事项12万件。' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    const allowed = await runCli(['scan-text', '--allow', '工作布署'], { input: '做好工作布署' });
    expect(allowed.code).toBe(0);
    const missing = await runCli(['scan-text', path.join(tmp.dir, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.txt: ENOENT/);
  });
  it('judges renamed organs against --date, else --as-of, and each JSON line against its own date', async () => {
    const text = '中国银行保险监督管理委员会发布公告。';
    const old = await runCli(['scan-text', '--format', 'json', '--date', '2019-09-18'], { input: text });
    expect(old.code).toBe(0);
    expect(old.stdout).toBe('');
    const recent = await runCli(['scan-text', '--format', 'json', '--as-of', '2024-07-01'], { input: text });
    expect(recent.code).toBe(0); // suspected only
    const row = JSON.parse(recent.stdout.trim()) as Record<string, unknown>;
    expect(row).toMatchObject({ suggestion: '国家金融监督管理总局', tier: 'suspected', category: 'organ-outdated', date: '2024-07-01' });
    expect(String(row.reason)).toMatch(/until 2023-05-18/);
    const lines = [JSON.stringify({ id: 'a', text, date: '2020-01-02' }), JSON.stringify({ id: 'b', text, date: '2024-01-02' }), JSON.stringify({ text: '牧业产值8.9亿元，增长-3.2%。' })].join('\n');
    const j = await runCli(['scan-text', '--jsonl', '--format', 'json', '--as-of', '2024-07-01'], { input: lines });
    expect(j.code).toBe(1);
    const rows = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.doc, x.text, x.suggestion, x.offset])).toEqual([
      ['b', '中国银行保险监督管理委员会', '国家金融监督管理总局', 0],
      [3, '增长-3.2%', '下降3.2%', 10],
    ]);
    const zh = await runCli(['scan-text', '--jsonl', '--as-of', '2024-07-01'], { input: lines });
    expect(zh.stdout).toContain('b 1:1  [疑似]');
    expect(zh.stdout).toContain('#3 1:11  [错误] “增长-3.2%” → “下降3.2%”（表述不规范，W-D3）');
  });

  it('rejects a bad date or a bad JSON line with a one-line error (exit 2)', async () => {
    const bad = await runCli(['scan-text', '--as-of', '2024-13-01'], { input: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/YYYY-MM-DD/);
    const line = await runCli(['scan-text', '--jsonl'], { input: '{"text": "好"}\n{"txt": 1}\n' });
    expect(line.code).toBe(2);
    expect(line.stderr.trim()).toMatch(/^.*--jsonl line 2: expected an object with a "text" string$/);
    expect(line.stderr.trim().split('\n')).toHaveLength(1);
    const both = await runCli(['scan-text', '--jsonl', '--date', '2024-01-01'], { input: '{"text": "好"}' });
    expect(both.code).toBe(2);
  });
});
