import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../src/analysis/text/engine.js';
import { assembleModel, buildModel, leakageFilter, packOffsets } from '../../src/analysis/text/lm-build.js';
import { formatPhoneticClasses, PhoneticIndex, parseUnihanPhonetic, phoneticNeighbours } from '../../src/analysis/text/lm-phonetic.js';
import {
  allPinyin,
  BOS,
  DEFAULT_MODEL,
  guarded,
  LanguageModel,
  LM_MAGIC,
  LM_MAGIC_V1,
  type LmHeader,
  lmOptionsSchema,
  lmScan,
  loadLanguageModel,
  normalizeForModel,
  sentenceLogps,
  sentenceMemoSize,
  tokenize,
} from '../../src/analysis/text/lm.js';

// Own-written sentences in the register of official notices (no third-party text).
const TEMPLATES = [
  '各单位要认真做好安全生产工作，确保责任落实到位。',
  '市政府各部门要加强协调配合，形成工作合力。',
  '各县区要认真落实工作部署，按时报送工作进展情况。',
  '有关单位要加强安全生产监督管理，切实维护群众合法权益。',
  '要持续深化政务服务改革，不断提升群众满意度。',
  '各部门要认真做好政府信息公开工作，确保信息准确及时。',
  '要统筹推进生态环境保护工作，推动经济社会持续健康发展。',
  '请各单位于本月底前报送工作总结。',
];
const SUBJECTS = ['市财政局', '市应急管理局', '市农业农村局', '市生态环境局', '各乡镇人民政府', '市市场监督管理局'];

function corpus(): string[] {
  const out: string[] = [];
  for (const s of SUBJECTS) for (const t of TEMPLATES) out.push(`${s}：${t}`);
  for (let k = 0; k < 20; k++) out.push(...TEMPLATES);
  return out;
}

const tiny = new LanguageModel(buildModel(corpus(), { prune: { 3: 0, 4: 0 }, places: ['幸福村'] }).bytes);
// a tiny model's probabilities are on another scale than the shipped one's: thresholds of its own
const opts = lmOptionsSchema.parse({ report: 'all', minGain: 4, confirmedGain: 8, surprise: -3 });

describe('language model (src/analysis/text/lm.ts, lm-build.ts)', () => {
  it('loads a built model and answers known n-grams better than unseen ones', () => {
    expect(tiny.vocab).toBeGreaterThan(50);
    const ids = new Uint16Array(['安', '全', '生', '产'].map((c) => tiny.idOf[c.charCodeAt(0)]));
    expect(ids.every((x) => x > 0)).toBe(true);
    expect(tiny.find(ids, 0, 4)).toBeGreaterThanOrEqual(0);
    const rev = Uint16Array.from([...ids].reverse());
    expect(tiny.find(rev, 0, 4)).toBe(-1);
    expect(tiny.score('认真做好安全生产工作')).toBeGreaterThan(tiny.score('认真做好安全生铲工作'));
    expect(tiny.isPlace('幸福村', 0, 3)).toBe(true);
    expect(tiny.isPlace('幸福乡', 0, 3)).toBe(false);
  });

  it('flags a planted same-sound substitution and not the clean sentence', () => {
    const clean = lmScan(tiny, '各单位要认真做好安全生产工作，确保责任落实到位。', opts);
    expect(clean.findings).toEqual([]);
    const typo = lmScan(tiny, '各单位要认真做好安全生产工作，确保责任落实到为。', opts);
    expect(typo.findings).toHaveLength(1);
    expect(typo.findings[0]).toMatchObject({ offset: 22, written: '为', right: '位', relation: 'sound' });
    expect(typo.findings[0].gain).toBeGreaterThanOrEqual(4);
    // the issuing organ's abbreviation before a document number is a code, not prose (冀政呈〔2019〕6号)
    const doc = '请示》（冀政呈〔2019〕6号）';
    expect(guarded(doc, doc.indexOf('冀'))).toBe(true);
    expect(guarded('冀政呈报的材料', 0)).toBe(false);
  });

  it('tries characters of every reading with allReadings (或 written as 和 through huo)', () => {
    expect(allPinyin('和')).toEqual(expect.arrayContaining(['he', 'huo']));
    const sentences = ['公民、法人或者其他组织可以依法申请行政复议。', '单位或者个人应当遵守本条例。', '个人和单位都要遵守本条例。'];
    const own = new LanguageModel(buildModel(Array.from({ length: 30 }, () => sentences).flat(), { prune: { 3: 0, 4: 0 } }).bytes);
    const typo = '公民、法人和者其他组织可以依法申请行政复议。';
    const primaryOnly = lmScan(own, typo, lmOptionsSchema.parse({ report: 'all', minGain: 4, surprise: -3, allReadings: false }));
    expect(primaryOnly.findings.some((f) => f.right === '或')).toBe(false);
    const every = lmScan(own, typo, lmOptionsSchema.parse({ report: 'all', minGain: 4, surprise: -3, allReadings: true }));
    expect(every.findings).toHaveLength(1);
    expect(every.findings[0]).toMatchObject({ offset: 5, written: '和', right: '或', relation: 'sound' });
  });

  it('reads Unihan phonetic classes and tries their characters as shape candidates (培 for 部)', () => {
    // lines in the layout of Unihan_DictionaryLikeData.txt, written here (培 U+57F9, 部 U+90E8, 倍 U+500D, 剖 U+5256)
    const unihan = ['U+57F9\tkPhonetic\t1028', 'U+90E8\tkPhonetic\t1028 1070', 'U+500D\tkPhonetic\t1028*', 'U+5256\tkPhonetic\t1028', 'U+20000\tkPhonetic\t1', 'U+4E00\tkFenn\t1A'].join('\n');
    const classes = parseUnihanPhonetic(unihan);
    expect([...classes]).toEqual([
      ['1028', '培部倍剖'],
      ['1070', '部'],
    ]);
    const text = formatPhoneticClasses(classes, ['own test classes']);
    expect(text).toBe('# own test classes\n1028\t培部倍剖\n');
    const near = phoneticNeighbours(text, (_a, ns) => ns.slice(0, 2));
    expect([...(near.get('培'.charCodeAt(0)) ?? [])].map((c) => String.fromCharCode(c))).toEqual(['部', '倍']);
    const sentences = ['各部门要加强协调配合。', '市政府各部门要认真落实。', '有关部门要加强监督管理。'];
    const own = new LanguageModel(buildModel(Array.from({ length: 30 }, () => sentences).flat(), { prune: { 3: 0, 4: 0 } }).bytes);
    const dir = mkdtempSync(path.join(tmpdir(), 'lm-phonetic-'));
    const file = path.join(dir, 'classes.txt');
    writeFileSync(file, text);
    const typo = '市政府各培门要认真落实。';
    const base = { report: 'all' as const, minGain: 4, surprise: -3, phoneticFile: file };
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...base, phonetic: false })).findings).toEqual([]);
    const found = lmScan(own, typo, lmOptionsSchema.parse(base)).findings;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ offset: 4, written: '培', right: '部', relation: 'shape' });
  });

  it('loads a model file without its places section, which is read at the first place question', () => {
    const built = buildModel(corpus(), { prune: { 3: 0, 4: 0 }, places: ['幸福村', '和平街道'] });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lm-file-')), 'own.bin');
    writeFileSync(file, built.bytes);
    const m = loadLanguageModel(file)!;
    expect(m.bytes).toBe(built.bytes.byteLength);
    expect(m.isPlace('幸福村', 0, 3)).toBe(true);
    expect(m.isPlace('和平街道', 0, 4)).toBe(true);
    expect(m.isPlace('幸福乡', 0, 3)).toBe(false);
    const whole = new LanguageModel(built.bytes);
    expect([...m.places]).toEqual([...whole.places]);
    const text = '市财政局：各单位要认真做好安全生产工做，确保责任落实到位。幸福村要认真落实工作部署。';
    expect(lmScan(m, text, opts)).toEqual(lmScan(whole, text, opts));
    expect(m.score(text)).toBe(whole.score(text));
  });

  it('indexes phonetic classes without per-pair sets: neighbours in file order, each once, across classes', () => {
    const text = '# own test classes\n1\t培部倍\n2\t部剖培\n3\t甲乙\nbad line\n';
    const index = new PhoneticIndex(text);
    const str = (cs: number[]) => cs.map((c) => String.fromCharCode(c)).join('');
    expect(str(index.neighbours('培'.charCodeAt(0)))).toBe('部倍剖');
    expect(str(index.neighbours('部'.charCodeAt(0)))).toBe('培倍剖');
    expect(str(index.neighbours('乙'.charCodeAt(0)))).toBe('甲');
    expect(index.neighbours('丙'.charCodeAt(0))).toEqual([]);
    expect(str([...index.codes()])).toBe(str(['乙', '倍', '剖', '培', '甲', '部'].map((c) => c.charCodeAt(0))));
  });

  it('corrects two adjacent characters written as another word of the same sound (桂花 for 规划)', () => {
    const sentences = ['各地要认真编制发展规划。', '市政府要加强规划管理。', '各单位要落实规划要求。', '公园里种了很多桂花树。'];
    const own = new LanguageModel(buildModel(Array.from({ length: 30 }, () => sentences).flat(), { prune: { 3: 0, 4: 0 } }).bytes);
    const typo = '市政府要加强桂花管理。';
    const base = { report: 'all' as const, minGain: 4, surprise: -3, pairSurprise: -3, pairExtraGain: 2, phonetic: false };
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...base, pairs: false })).findings).toEqual([]);
    const found = lmScan(own, typo, lmOptionsSchema.parse({ ...base, pairs: true })).findings;
    expect(found.map((f) => [f.offset, f.written, f.right, f.relation])).toEqual([
      [6, '桂', '规', 'sound'],
      [7, '花', '划', 'sound'],
    ]);
    expect(lmScan(own, '市政府要加强规划管理。', lmOptionsSchema.parse({ ...base, pairs: true })).findings).toEqual([]);
    // pairs stop being scored below the bound a finding needs: just under the pair's gain it is still found, just over not
    const gain = found[0].gain;
    const at = (extra: number) => lmScan(own, typo, lmOptionsSchema.parse({ ...base, pairs: true, pairExtraGain: gain - base.minGain + extra })).findings.map((f) => f.right);
    expect(at(-0.01)).toEqual(['规', '划']);
    expect(at(0.01)).toEqual([]);
  });

  it('normalises full-width forms and digit runs the same way at build and query time', () => {
    expect(normalizeForModel('２０２４年 ABC，增长3.2%')).toBe('0年a,增长0.0%');
  });

  it('is bounded on hostile input: runs of one character, 1 MB without punctuation', () => {
    const t0 = Date.now();
    expect(lmScan(tiny, '啊'.repeat(200_000), opts).findings).toEqual([]);
    const noise = Array.from({ length: 1_000_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
    const r = lmScan(tiny, noise, opts);
    expect(r.surprising).toBeLessThanOrEqual(20 + 0.3 * noise.length);
    // report: confident weighs every finding: 30,000 findings in one text, linear (no per-finding pass over the text)
    const many = '各单位要认真做好安全生产工作，确保责任落实到为。'.repeat(30_000);
    const t1 = Date.now();
    const confident = lmScan(tiny, many, lmOptionsSchema.parse({ report: 'confident', confirmedGain: 30, surprise: -3, confidence: { minGain: 4, threshold: 0 } }), { wordFreqIn: (s, a, b) => (s.slice(a, b) === '到位' ? 5 : 0) });
    expect(confident.findings.length).toBeGreaterThanOrEqual(30_000);
    expect(Date.now() - t1).toBeLessThan(15_000);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('leakage filter drops sentences sharing a 15-character window with evaluation text', () => {
    const evaluation = ['甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉'];
    const { kept, removed } = leakageFilter(['前言甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳后记', '完全无关的一句话，不应删除。'], evaluation);
    expect(removed).toBe(1);
    expect(kept).toEqual(['完全无关的一句话，不应删除。']);
  });

  it('rejects a file that is not a model with a clear error', () => {
    expect(() => new LanguageModel(new Uint8Array(64))).toThrow(/not a govcheck language model/);
  });

  it('packs bucket offsets in blocks small enough that every block spans < 2^16 entries', () => {
    const off = new Uint32Array(2 ** 10 + 1);
    for (let bk = 1; bk < off.length; bk++) off[bk] = off[bk - 1] + (bk === 300 ? 70000 : bk % 7);
    const small = packOffsets(off.map((x, i) => (i < 300 ? x : x - 70000)));
    expect(small.block).toBe(8);
    const p = packOffsets(off);
    expect(p.block).toBeLessThan(8);
    expect(p.base.length).toBe(2 ** (10 - p.block) + 1);
    for (let bk = 0; bk < off.length; bk++) expect(p.base[bk >>> p.block] + p.o16[bk]).toBe(off[bk]);
  });

  it('writes 16-bit bucket offsets from a base a block; refuses the old 32-bit format, which lm-reencode converts back byte for byte', () => {
    const built = buildModel(corpus(), { prune: { 3: 0, 4: 0 }, places: ['幸福村'] }).bytes;
    const hlen = new DataView(built.buffer, built.byteOffset).getUint32(8, true);
    const header = JSON.parse(Buffer.from(built.subarray(12, 12 + hlen)).toString('utf8')) as LmHeader;
    expect(header.magic).toBe(LM_MAGIC);
    const names = header.sections.map((s) => s.name);
    expect(names.filter((n) => /^off/.test(n))).toEqual([]);
    const sec = (h: LmHeader, b: Uint8Array, name: string) => {
      const s = h.sections.find((x) => x.name === name)!;
      return b.slice(s.offset, s.offset + s.bytes);
    };
    // the old layout of the same model: cumulative 32-bit offsets in place of base + o16
    const old = JSON.parse(JSON.stringify(header)) as LmHeader;
    old.magic = LM_MAGIC_V1;
    const sections: Array<{ name: string; data: Uint8Array }> = [];
    for (const name of names) {
      if (name.startsWith('o16')) continue;
      if (!name.startsWith('base')) {
        sections.push({ name, data: sec(header, built, name) });
        continue;
      }
      const n = Number(name.slice(4));
      const t = header.tables.find((x) => x.order === n)!;
      const base = new Uint32Array(sec(header, built, name).buffer);
      const o16 = new Uint16Array(sec(header, built, `o16${n}`).buffer);
      expect(o16.length).toBe(2 ** t.bits + 1);
      const off = new Uint32Array(o16.length);
      for (let bk = 0; bk < off.length; bk++) off[bk] = base[bk >>> t.block] + o16[bk];
      expect(off[off.length - 1]).toBe(t.entries);
      for (let bk = 1; bk < off.length; bk++) expect(off[bk] >= off[bk - 1]).toBe(true);
      sections.push({ name: `off${n}`, data: new Uint8Array(off.buffer) });
    }
    for (const t of old.tables) delete (t as Partial<LmHeader['tables'][number]>).block;
    const v1 = assembleModel(old, sections);
    expect(() => new LanguageModel(v1)).toThrow(/old format GCLM0001 .*lm-reencode/);
    const dir = mkdtempSync(path.join(tmpdir(), 'lm-v1-'));
    writeFileSync(path.join(dir, 'v1.bin'), v1);
    expect(() => loadLanguageModel(path.join(dir, 'v1.bin'))).toThrow(/old format GCLM0001/);
    const log = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/lm-reencode.ts', path.join(dir, 'v1.bin'), path.join(dir, 'v2.bin')], { encoding: 'utf8' });
    expect(log).toMatch(/4-grams: \d+ buckets, block 2\^\d, every \[start, end\) equal/);
    const v2 = new Uint8Array(readFileSync(path.join(dir, 'v2.bin')));
    expect(Buffer.from(v2).equals(Buffer.from(built))).toBe(true);
    const m = loadLanguageModel(path.join(dir, 'v2.bin'))!;
    const text = '市财政局：各单位要认真做好安全生产工做，确保责任落实到位。';
    expect(m.score(text)).toBe(tiny.score(text));
  });

  it('the engine reports findings of the shipped model with rule, gain and reason', () => {
    expect(existsSync(DEFAULT_MODEL)).toBe(true);
    expect(loadLanguageModel()).not.toBeNull();
    // on by default, reporting only what reaches the confirmation gain
    expect(getEngine().options.lm).toMatchObject({ enabled: true, report: 'confirmed' });
    const engine = getEngine();
    const fs = engine.scan('各地要加强安全生产监督管理，坚决遏制重特大事故发生，切实保障人民群众生命财产安全。').findings;
    expect(fs.filter((f) => f.source === 'lm')).toEqual([]);
    const typo = engine.scan('切实保障人民群众生命财产按全和身体健康。').findings.filter((f) => f.source === 'lm');
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatchObject({ text: '按', suggestion: '安', rule: 'W-D3', category: 'near-miss', tier: 'confirmed' });
    expect(typo[0].note).toContain('语言模型');
    expect(typo[0].score).toBeGreaterThanOrEqual(engine.options.lm.confirmedGain);
    // below the confirmation gain: nothing by default, a suspected finding with report: all
    const weak = '各地要加强安全生产监督管理，坚决遏制重特大事故发生，切实保障人民群众生命财产按全。';
    expect(engine.scan(weak).findings.filter((f) => f.source === 'lm')).toEqual([]);
    const listed = getEngine({ lm: { report: 'all' } })
      .scan(weak)
      .findings.filter((f) => f.source === 'lm');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ text: '按', suggestion: '安', tier: 'suspected' });
    expect(listed[0].reason).toContain('under the confirmation gain');
    // switched off
    expect(
      getEngine({ lm: { enabled: false } })
        .scan('切实保障人民群众生命财产按全和身体健康。')
        .findings.filter((f) => f.source === 'lm'),
    ).toEqual([]);
  });

  it('report: confident keeps the suspected findings the fitted confidence trusts, and none on short lines', () => {
    const engine = getEngine({ lm: { report: 'confident' } });
    expect(engine.options.lm.confidence).toMatchObject({ minGain: 4, threshold: 0.65, shortLine: 30 });
    const lm = (t: string) => engine.scan(t).findings.filter((f) => f.source === 'lm');
    const weak = lm('各地要加强安全生产监督管理，坚决遏制重特大事故发生，切实保障人民群众生命财产按全。');
    expect(weak).toHaveLength(1);
    expect(weak[0]).toMatchObject({ text: '按', suggestion: '安', tier: 'suspected' });
    expect(weak[0].reason).toMatch(/confidence 0\.\d+/);
    // confirmed findings stay confirmed; a clean sentence and a heading (short line, no sentence punctuation) give none
    expect(lm('切实保障人民群众生命财产按全和身体健康。')[0]).toMatchObject({ suggestion: '安', tier: 'confirmed' });
    expect(lm('各地要加强安全生产监督管理，坚决遏制重特大事故发生，切实保障人民群众生命财产安全。')).toEqual([]);
    expect(lm('保障人民群众生命财产按全')).toEqual([]);
    // the threshold decides: above every confidence, only confirmed findings are left
    const strict = getEngine({ lm: { report: 'confident', confidence: { threshold: 1.01 } } });
    expect(strict.scan('各地要加强安全生产监督管理，坚决遏制重特大事故发生，切实保障人民群众生命财产按全。').findings.filter((f) => f.source === 'lm')).toEqual([]);
  });

  it('leaves the names and terms of issue 16 alone (programmes, companies, people, ordinary terms)', () => {
    const engine = getEngine({ lm: { report: 'all' } });
    const lines = [
      '该企业产品首次登陆巴西市场。',
      '全市推广科贷通业务，惠及科技型企业。',
      '博视眼科、泰康等企业参加了招聘会。',
      '帛士数码公司和广仁骨科医院获得表彰。',
      '加强失能老人照护服务。',
      '全员劳动生产率持续提高。',
      '专利获批数居全市第一。',
      '组建科技特派团深入基层。',
      '图为活动现场。（刘通摄）',
      '王泽平同志主持会议。',
    ];
    for (const l of lines)
      expect(
        engine.scan(l).findings.filter((f) => f.source === 'lm'),
        l,
      ).toEqual([]);
  });

  it('keeps the suspected tier off text that is not prose, known words and names (each guard alone)', () => {
    // with report: all; each line is a false alarm of the pass without the named guard (issue 16's real pages)
    const cases: Array<[string, Record<string, unknown>]> = [
      ['部分数据因四舍五入的原因，存在总项与分项合计不等的情况。', { wordFreq: 0, adjacent: false }], // a lexicon word; side by side
      ['星空浩瀚无比，探索永无止境。', { wordFreq: 0 }],
      ['山西代表团团长、省贸促会会长陈河才介绍，近年来，山西与巴西交流密切。', { titleNames: false }],
      ['出版物\n网站寄语\n留言精选', { shortLine: 0, wordFreq: 0 }], // menu items (寄语 is also a lexicon word)
      ['年末家禽存笼188.7万羽，家禽出笼336.5万羽。', { digitSpan: 0 }], // figures
      ['数据来自县教体局；科技数据来自县科技局。', { levelChars: '' }],
    ];
    const guarded = getEngine({ lm: { report: 'all' } });
    for (const [line, off] of cases) {
      expect(
        guarded.scan(line).findings.filter((f) => f.source === 'lm'),
        line,
      ).toEqual([]);
      const without = getEngine({ lm: { report: 'all', suspect: off } })
        .scan(line)
        .findings.filter((f) => f.source === 'lm');
      expect(without.length, `${line} without ${JSON.stringify(off)}`).toBeGreaterThan(0);
      expect(without.every((f) => f.tier === 'suspected')).toBe(true);
    }
    // list items and parenthesised names (an option, off by default: it costs recall on the train split)
    const list = '重点发展电子信息、有机（富硒）食品四大重点产业。';
    expect(guarded.scan(list).findings.filter((f) => f.source === 'lm').length).toBeGreaterThan(0);
    expect(
      getEngine({ lm: { report: 'all', suspect: { listItem: 3 } } })
        .scan(list)
        .findings.filter((f) => f.source === 'lm'),
    ).toEqual([]);
    // a typo in prose still comes through
    expect(guarded.scan('切实保障人民群众生命财产按全。').findings.filter((f) => f.source === 'lm')).toMatchObject([{ text: '按', suggestion: '安', tier: 'suspected' }]);
  });

  it('scores a sentence met again from its memo with exactly the values of scoring it afresh', () => {
    const model = new LanguageModel(buildModel(corpus(), { prune: { 3: 0, 4: 0 } }).bytes);
    const direct = (text: string) => {
      const buf = tokenize(text, model.idOf, { ids: new Uint16Array(8), offs: new Int32Array(8), length: 0 });
      return Array.from(buf.ids.subarray(0, buf.length), (id, i) => (id === BOS ? 0 : Math.fround(model.logp(buf.ids, i))));
    };
    const memo = (text: string) => {
      const buf = tokenize(text, model.idOf, { ids: new Uint16Array(8), offs: new Int32Array(8), length: 0 });
      const lp = new Float32Array(buf.length);
      sentenceLogps(model, buf.ids, buf.length, lp);
      return Array.from(lp);
    };
    const footer = '主办单位：市人民政府办公室\n网站标识码1301000001\n';
    const pages = [
      `${footer}各单位要认真做好安全生产工作，确保责任落实到位。短句。`,
      `市财政局：要持续深化政务服务改革，不断提升群众满意度。\n${footer}`,
      // the same sentences again (remembered on the second sighting, read back on the third), a long one, an
      // unknown character, digits and Latin letters, a text without a final mark
      `${footer}各单位要认真做好安全生产工作，确保责任落实到位。${'要统筹推进生态环境保护工作'.repeat(40)}。𠀀字2024年ABC\n${footer}`,
      `${footer}${footer}请各单位于本月底前报送工作总结`,
    ];
    for (let round = 0; round < 3; round++) for (const p of pages) expect(memo(p)).toEqual(direct(p));
    // the footer's and the repeated sentences' values came from the memo
    expect(sentenceMemoSize(model).values).toBeGreaterThanOrEqual(4);
    // bounded: 60,000 distinct sentences, twice, leave at most 50,000 hashes and 5,000 sentences' values
    const chars = [...'各单位要认真做好安全生产工作确保责任落实到位市政府部门加强协调配合形成合力'];
    const many = Array.from({ length: 60_000 }, (_, k) => Array.from({ length: 8 }, (_, d) => chars[Math.floor(k / chars.length ** d) % chars.length]).join('')).join('。');
    const buf = tokenize(many, model.idOf, { ids: new Uint16Array(8), offs: new Int32Array(8), length: 0 });
    const lp = new Float32Array(buf.length);
    sentenceLogps(model, buf.ids, buf.length, lp);
    sentenceLogps(model, buf.ids, buf.length, lp);
    const size = sentenceMemoSize(model);
    expect(size.seen).toBeLessThanOrEqual(50_000);
    expect(size.values).toBeLessThanOrEqual(5_000);
    expect(size.values).toBeGreaterThan(0);
    // and the scan over such pages finds the same with the memo warm as with it cold
    const typo = `${footer}各单位要认真做好安全生产工作，确保责任落实到味。`;
    const cold = lmScan(model, typo, opts).findings;
    expect(cold.map((f) => `${f.written}→${f.right}`)).toContain('味→位');
    expect(cold.map((f) => `${f.written}→${f.right}`)).toContain('味→位');
    for (let k = 0; k < 3; k++) expect(lmScan(model, typo, opts).findings).toEqual(cold);
    // the search's bounds: just under the finding's gain it is still found, just over it not (nor anything else)
    const gain = cold.find((f) => f.written === '味')!.gain;
    const withMin = (minGain: number) => lmScan(model, typo, { ...opts, minGain, confirmedGain: Math.max(opts.confirmedGain, minGain) }).findings.map((f) => `${f.written}→${f.right}`);
    expect(withMin(gain - 0.01)).toContain('味→位');
    expect(withMin(gain + 0.01)).not.toContain('味→位');
  });
});
