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
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
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
});
