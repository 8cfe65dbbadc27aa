import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../src/analysis/text/aho.js';
import { DictionaryError, loadDictionaries, DICTIONARY_DIR } from '../../src/analysis/text/dictionaries.js';
import { getEngine, scanText, TextEngine, type TextFinding } from '../../src/analysis/text/engine.js';
import { tmpDir } from '../helpers.js';

const engine = getEngine();
const scan = (t: string, o: Parameters<TextEngine['scan']>[1] = {}) => engine.scan(t, o).findings;
const pairs = (fs: TextFinding[]) => fs.map((f) => `${f.text}→${f.suggestion}`);

describe('Aho–Corasick matcher', () => {
  it('finds every occurrence, overlapping ones included, with UTF-16 offsets', () => {
    const ac = new AhoCorasick<string>();
    for (const p of ['人民', '人民政府', '政府', '民政']) ac.add(p, p);
    const hits: string[] = [];
    ac.scan('市人民政府和民政局', (s, e, d) => hits.push(`${d}@${s}-${e}`));
    expect(hits.sort()).toEqual(['人民@1-3', '人民政府@1-5', '政府@3-5', '民政@2-4', '民政@6-8'].sort());
  });

  it('finds what a naive search finds, with code units that share their low five bits (its per-state child bits)', () => {
    // 一 丠 乀 丁 両 a A: pairs alike in (code & 31), so a set bit does not prove a transition
    const alphabet = [0x4e00, 0x4e20, 0x4e40, 0x4e01, 0x4e21, 0x61, 0x41].map((c) => String.fromCharCode(c));
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
    for (let round = 0; round < 20; round++) {
      const patterns = [...new Set(Array.from({ length: 40 }, () => word(1 + rand(5))))];
      const ac = new AhoCorasick<string>();
      for (const p of patterns) ac.add(p, p);
      const text = word(400);
      const hits: string[] = [];
      ac.scan(text, (s, e, d) => hits.push(`${d}@${s}-${e}`));
      const want: string[] = [];
      for (const p of patterns) for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1)) want.push(`${p}@${i}-${i + p.length}`);
      expect(hits.sort()).toEqual(want.sort());
      expect(want.length).toBeGreaterThan(100);
    }
  });
});

describe('dictionary rules (confusion pairs, W-D3)', () => {
  it('reports a wrong form with its correction, rule, category and offsets', () => {
    const [f] = scan('各单位要认真做好工作布署。');
    expect(f).toMatchObject({ text: '布署', suggestion: '部署', rule: 'W-D3', severity: 'deduction', tier: 'confirmed', category: 'typo', offset: 10, length: 2, source: 'dictionary' });
    expect(f.snippet).toContain('工作布署');
    expect(pairs(scan('请核对银行帐户信息'))).toEqual(['帐户→账户']);
    expect(scan('请核对银行帐户信息')[0].category).toBe('word');
  });

  it('applies context conditions: 截止 before a time point is 截至, 截止 as "ends" is right', () => {
    expect(pairs(scan('截止2024年6月底，全市完成投资120亿元。'))).toEqual(['截止→截至']);
    expect(pairs(scan('截止目前，已受理申请300件。'))).toEqual(['截止→截至']);
    expect(scan('报名于6月30日截止，逾期不予受理。')).toEqual([]);
    expect(scan('申报截止日期为2024年7月1日。')).toEqual([]);
  });

  it('applies exceptions and negative contexts: 登陆 is right for typhoons and landings', () => {
    expect(pairs(scan('用户须登陆网上办事大厅提交材料。'))).toEqual(['登陆→登录']);
    expect(scan('受台风登陆影响，全市中小学停课一天。')).toEqual([]);
    expect(scan('部队成功登陆后迅速展开。')).toEqual([]);
  });

  it('never fires inside a longer correct word (boundary traps)', () => {
    expect(scan('商场新到一批蚊帐户外用品。')).toEqual([]); // 蚊帐/户外, not 帐户
    expect(scan('坚持以经济建设为中心。')).toEqual([]);
    expect(scan('他做事情不能自已。')).toEqual([]); // 不能自已 is an exception of 自已
    expect(pairs(scan('要相信自已的判断。'))).toEqual(['自已→自己']);
  });

  it('finds wrong idioms and 既…又…', () => {
    expect(pairs(scan('全体干部再接再励，迫不急待地投入工作。'))).toEqual(['再接再励→再接再厉', '迫不急待→迫不及待']);
    expect(pairs(scan('即要抓好发展，又要保障安全。'))).toEqual(['即要→既要']);
    expect(scan('收到通知后即要求各单位落实。')).toEqual([]);
  });
});

describe('serious wrong expressions (W-V4, M-V1)', () => {
  it('reports Taiwan, Hong Kong and Macao naming violations with the correct form', () => {
    const [f] = scan('台湾总统发表讲话');
    expect(f).toMatchObject({ text: '台湾总统', suggestion: '台湾地区领导人', category: 'naming', severity: 'veto', rule: 'W-V4', tier: 'confirmed' });
    expect(pairs(scan('来自美国、日本、香港、台湾等国家的客商参会。'))).toEqual(['国家→国家和地区']);
    expect(scan('来自美国、日本、香港、台湾等国家和地区的客商参会。')).toEqual([]);
    expect(pairs(scan('促进两岸三地交流'))).toEqual(['两岸三地→两岸四地 / 内地与港澳台']);
    expect(pairs(scan('深化大陆与香港的合作'))).toEqual(['大陆与香港→内地与港澳']);
    expect(scan('中华民国时期的档案资料')).toEqual([]);
  });

  it('reports garbled formulations: explicit variants and regular expressions', () => {
    expect(pairs(scan('深入学习习近平新时代特色社会主义思想'))).toEqual(['习近平新时代特色社会主义思想→习近平新时代中国特色社会主义思想']);
    expect(pairs(scan('学习贯彻党的二十次三中全会精神'))).toEqual(['党的二十次三中全会→党的二十届三中全会']);
    expect(pairs(scan('中国共产党第二十届全国代表大会'))).toEqual(['第二十届全国代表大会→第二十次全国代表大会']);
    expect(scan('学习贯彻党的二十届三中全会精神和中国共产党第二十次全国代表大会精神')).toEqual([]);
  });

  it('reports near misses of leaders, organs and formulations (same sound or look-alike), in the new-media rule too', () => {
    const [leader] = scan('习进平总书记强调');
    expect(leader).toMatchObject({ text: '进', suggestion: '近', category: 'leader', severity: 'veto', source: 'name', tier: 'confirmed' });
    expect(leader.note).toBe('习进平总书记 → 习近平总书记');
    const [organ] = scan('国务园办公厅关于印发通知');
    expect(organ).toMatchObject({ text: '园', suggestion: '院', category: 'organ', relation: 'tone' });
    expect(pairs(scan('深入学习贯彻习近平新时代中国特色社会主义思相'))).toEqual(['相→想']);
    expect(scan('习近乎同志', { scope: 'newmedia' })[0]).toMatchObject({ suggestion: '平', rule: 'M-V1', relation: 'shape' });
    expect(pairs(scan('江苏省人民正府办公厅'))).toEqual(['正→政']);
  });

  it('leaves correct names and formulations alone', () => {
    expect(scan('国务院办公厅、国家发展和改革委员会、人力资源和社会保障部联合印发通知。')).toEqual([]);
    expect(scan('以习近平同志为核心的党中央坚强领导。')).toEqual([]);
  });
});

describe('near-miss words (suspected tier)', () => {
  it('suggests a frequent word for a character that is part of no word', () => {
    const [f] = scan('全面提高行政效律和服务水平');
    expect(f).toMatchObject({ text: '律', suggestion: '率', tier: 'suspected', source: 'lexicon', category: 'near-miss', severity: 'deduction' });
    expect(f.score).toBeGreaterThan(0);
  });

  it('can be switched off and tuned through options', () => {
    const strict = new TextEngine(engine.dicts, { lexicon: { enabled: false }, lm: { enabled: false } });
    expect(strict.scan('全面提高行政效律和服务水平').findings).toEqual([]);
    expect(strict.scan('各单位要认真做好工作布署').findings).toHaveLength(1);
  });
});

describe('Traditional input', () => {
  it('is scanned through a Simplified copy and reported in its own script', () => {
    const r = engine.scan('國務園辦公廳關於加強政府網站建設的通知，截止2024年底');
    expect(r.script).toBe('traditional');
    expect(r.findings.map((f) => `${f.text}→${f.suggestion}@${f.offset}`)).toEqual(['園→院@2', '截止→截至@20']);
    expect(r.findings[0].script).toBe('traditional');
    const [f] = scan('請各單位做好這項工作的布署');
    expect(f).toMatchObject({ text: '布署', suggestion: '部署' });
    expect(scan('臺灣總統發表講話')[0]).toMatchObject({ text: '臺灣總統', suggestion: '臺灣地區領導人' });
  });

  it('keeps Simplified paragraphs of a mixed text as they are', () => {
    const r = engine.scan('政府网站建设要加强。\n國務院辦公廳關於加強政府網站建設的通知');
    expect(r.findings).toEqual([]);
  });
});

describe('allow-lists', () => {
  const tmp = tmpDir();
  afterAll(() => tmp.cleanup());

  it('drops findings inside allowed text: per call, per site and per group', () => {
    expect(scan('各单位要认真做好工作布署', { allow: ['工作布署'] })).toEqual([]);
    writeFileSync(path.join(tmp.dir, 'allow-office.yaml'), 'sites:\n  www.example.gov.cn: [布署]\ngroups:\n  江苏省: ["截止2024"]\n');
    const e = getEngine({ dictionaryDirs: [tmp.dir] });
    expect(e.scan('工作布署', { site: 'www.example.gov.cn' }).findings).toEqual([]);
    expect(e.scan('工作布署', { site: ['other.gov.cn'] }).findings).toHaveLength(1);
    expect(e.scan('截止2024年底', { group: '江苏省' }).findings).toEqual([]);
    expect(e.scan('截止2024年底', { group: '浙江省' }).findings).toHaveLength(1);
  });

  it('lets an office add rules and words in its own folder; a bad entry is a clear error', () => {
    const dir = path.join(tmp.dir, 'office');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'local.yaml'), 'entries:\n  - { wrong: 某某县人民正府, right: 某某县人民政府, category: organ, severity: serious }\n');
    const e = getEngine({ dictionaryDirs: [dir] });
    expect(e.scan('某某县人民正府发布公告').findings[0]).toMatchObject({ suggestion: '某某县人民政府', severity: 'veto', source: 'dictionary' });
    const bad = path.join(tmp.dir, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'x.yaml'), 'entries:\n  - { wrong: 布署 }\n');
    expect(() => loadDictionaries([DICTIONARY_DIR, bad])).toThrow(DictionaryError);
    expect(() => loadDictionaries([DICTIONARY_DIR, bad])).toThrow(/x\.yaml.*right/);
  });
});

describe('correct official text produces no finding', () => {
  const clean = [
    '为深入贯彻落实党中央、国务院关于优化营商环境的决策部署，进一步提升政务服务水平，现将有关事项通知如下。',
    '各地区各部门要坚持以人民为中心的发展思想，完整、准确、全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展。',
    '截至2024年6月30日，全市累计办理行政许可事项12万件，按时办结率达到100%。',
    '本办法自发布之日起施行，由市人民政府办公室负责解释。',
    '请于每月10日前登录省政务服务网报送上月数据，逾期不再受理。',
    '申报材料一式两份，报名截止时间为2024年8月15日17时。',
    '各县（市、区）人民政府，市政府各部门、各直属机构：',
    '加强公共法律服务体系建设，推进严格规范公正文明执法，提高依法行政水平。',
    '持续深化“放管服”改革，推行“一网通办”“跨省通办”，让企业和群众办事少跑腿。',
    '全面落实河长制、湖长制，扎实开展农村人居环境整治，建设宜居宜业和美乡村。',
    '联系电话：0571-87654321；联系人：王建华；邮箱：office@example.gov.cn。',
  ];
  it.each(clean)('%s', (s) => {
    expect(scan(s)).toEqual([]);
  });

  it('gives no finding, confirmed or suspected, on own-written correct sentences with rare words', () => {
    const own = ['本通知印发后，各乡镇（街道）要于每季度末将工作台账报送县农业农村局备案。', '经审核，全县共有12家企业获得省级专精特新中小企业认定。', '县卫生健康局组织开展基层医疗卫生机构服务能力提升行动。'];
    for (const s of own) expect(scan(s), s).toEqual([]);
  });
});

describe('robustness', () => {
  it('handles empty, binary-looking and very long input in bounded time', () => {
    expect(scanText('').findings).toEqual([]);
    expect(scanText('\u0000\uFFFD\uD800abc').findings).toEqual([]);
    const long = '各单位要认真做好工作布署。'.repeat(20_000);
    const t = Date.now();
    const r = engine.scan(long);
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(r.findings).toHaveLength(500); // capped by maxFindings
    expect(r.dropped).toBe(20_000 - 500);
  });
});
