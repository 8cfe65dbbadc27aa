/**
 * What the typo engine and the content analysis read at every start is kept on disk (issue 20): read back it is the
 * same as built; an edited dictionary is read again, a damaged cache is read around, a bad dictionary is an error.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDictionariesCached } from '../../src/analysis/text/dict-cache.js';
import { DICTIONARY_DIR, DictionaryError, loadDictionaries } from '../../src/analysis/text/dictionaries.js';
import { convertShort, KEEP, openccChangeTest, openccConverter } from '../../src/analysis/text/opencc.js';
import { AhoCorasick } from '../../src/analysis/text/aho.js';
import { pushFirstUnits } from '../../src/analysis/text/lm-phonetic.js';
import * as OpenCC from 'opencc-js';
import { pinyin as pinyinPro } from 'pinyin-pro';
import { ownCacheDir } from '../helpers.js';

const dir = ownCacheDir('govcheck-startup-cache-', 'cache');

const cached = () => readdirSync(path.join(dir, 'cache')).filter((f) => f.startsWith('dictionaries-'));

describe('dictionary cache', () => {
  it('reads back the dictionaries as loaded, regular expressions included', () => {
    const fresh = loadDictionaries([DICTIONARY_DIR]);
    const first = loadDictionariesCached([DICTIONARY_DIR]);
    expect(cached()).toHaveLength(1);
    const again = loadDictionariesCached([DICTIONARY_DIR]);
    // JSON drops properties whose value is undefined: compare what they hold
    const plain = (d: unknown) => JSON.parse(JSON.stringify(d, (_k, v) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v)));
    expect(plain(first)).toEqual(plain(fresh));
    expect(plain(again)).toEqual(plain(fresh));
    const withRe = again.entries.find((e) => e.before || e.regex);
    expect(withRe).toBeDefined();
    expect((withRe!.before ?? withRe!.regex) instanceof RegExp).toBe(true);
    expect(again.gazetteer.length).toBe(fresh.gazetteer.length);
  });

  it('reads an edited folder again, reads around a damaged file, and a bad dictionary is still an error', () => {
    const own = path.join(dir, 'own');
    cpSync(DICTIONARY_DIR, own, { recursive: true });
    const a = loadDictionariesCached([own]);
    const n = cached().length;
    appendFileSync(path.join(own, 'words.txt'), '\n测试专用词语\n');
    const b = loadDictionariesCached([own]);
    expect(cached().length).toBe(n + 1);
    expect(a.words).not.toContain('测试专用词语');
    expect(b.words).toContain('测试专用词语');
    for (const f of cached()) writeFileSync(path.join(dir, 'cache', f), '{"not":');
    expect(loadDictionariesCached([own]).words).toContain('测试专用词语');
    writeFileSync(path.join(own, 'bad.yaml'), 'entries:\n  - wrong: 错\n');
    expect(() => loadDictionariesCached([own])).toThrow(DictionaryError);
    expect(() => loadDictionariesCached([path.join(dir, 'absent')])).toThrow(/dictionary folder not found/);
  });
});

describe('OpenCC kept conversions and quick tests', () => {
  it('converts keywords as the converter does and the quick test answers as built', () => {
    for (const w of ['网站', '政务公开', '发展和改革委员会', 'abc']) expect(convertShort('cn', 't', w)).toBe(openccConverter('cn', 't')(w));
    expect(convertShort('cn', 't', '网站')).toBe(openccConverter('cn', 't')('网站'));
    const t1 = openccChangeTest(['tw2s', 'hk2s']);
    const t2 = openccChangeTest(['tw2s', 'hk2s']);
    for (const s of ['政府信息公开', '政府資訊公開', '回覆', 'plain ascii', '']) {
      const changes = openccConverter('tw', 'cn')(s) !== s || openccConverter('hk', 'cn')(s) !== s;
      expect(t1(s)).toBe(t2(s));
      if (changes) expect(t1(s)).toBe(true);
    }
    expect(t1('政府資訊公開')).toBe(true);
  });

  it('a full file of kept conversions still learns: the oldest one makes way (another process, its own cache folder)', () => {
    const own = path.join(dir, 'opencc-full');
    mkdirSync(own, { recursive: true });
    const version = (JSON.parse(readFileSync(path.join('node_modules', 'opencc-js', 'package.json'), 'utf8')) as { version: string }).version;
    const file = path.join(own, `opencc-${version}-1.json`);
    const conv: Record<string, string> = {};
    for (let i = 0; i < KEEP; i++) conv[`cn\u0000t\u0000旧词${i}`] = `舊詞${i}（存）`;
    writeFileSync(file, JSON.stringify({ conv, tests: {} }));
    const script = path.join(own, 'child.ts');
    writeFileSync(script, `import { convertShort } from ${JSON.stringify(path.resolve('src/analysis/text/opencc.ts'))};\nconsole.log(convertShort('cn', 't', '旧词7') + ' ' + convertShort('cn', 't', '网站'));\n`);
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env: { ...process.env, GOVCHECK_CACHE_DIR: own } });
    // 旧词7 is answered from the file (no converter writes （存）), 网站 by OpenCC and kept although the file was full
    expect(out.trim()).toBe('舊詞7（存） 網站');
    const after = JSON.parse(readFileSync(file, 'utf8')) as { conv: Record<string, string> };
    const keys = Object.keys(after.conv);
    expect(keys).toHaveLength(KEEP);
    expect(after.conv['cn\u0000t\u0000网站']).toBe('網站');
    expect(keys).not.toContain('cn\u0000t\u0000旧词0');
    expect(keys[0]).toBe('cn\u0000t\u0000旧词1');
  });

  it("answers short and long strings as opencc-js's own converters do", () => {
    for (const [from, to] of [
      ['tw', 'cn'],
      ['hk', 'cn'],
      ['t', 'cn'],
      ['cn', 't'],
    ] as const) {
      const own = OpenCC.Converter({ from, to });
      for (const s of ['繁體', '簡體', '政府資訊公開', '回覆', '网站', '', 'abc', '臺灣地區政府資訊公開與數據開放平臺說明']) {
        expect(openccConverter(from, to)(s)).toBe(own(s));
        expect(openccConverter(from, to)(s)).toBe(own(s));
      }
    }
  });
});

describe('Aho–Corasick automaton kept on disk', () => {
  const patterns = ['人民', '人民政府', '政府', '民政', '政务公开', '公开', '开'];
  const text = '市人民政府和民政局推进政务公开，公开透明。';
  const matches = (ac: AhoCorasick<string>) => {
    const hits: string[] = [];
    ac.scan(text, (s, e, d) => hits.push(`${d}@${s}-${e}`));
    return hits;
  };
  const make = (ps = patterns) => {
    const ac = new AhoCorasick<string>();
    for (const p of ps) ac.add(p, p);
    return ac;
  };
  const files = () => readdirSync(path.join(dir, 'cache')).filter((f) => f.startsWith('aho-test-'));

  it('answers from the cache file exactly as built, in the same order; other patterns get a file of their own', () => {
    const want = matches(make().build());
    expect(want).toContain('人民政府@1-5');
    expect(matches(make().buildCached('test'))).toEqual(want);
    expect(files()).toHaveLength(1);
    const fromFile = make().buildCached('test');
    expect(matches(fromFile)).toEqual(want);
    expect(fromFile.states).toBe(make().build().states);
    expect(matches(make([...patterns, '透明']).buildCached('test'))).toEqual(matches(make([...patterns, '透明']).build()));
    expect(files()).toHaveLength(2);
  });

  it('builds again over a damaged file', () => {
    for (const f of files()) writeFileSync(path.join(dir, 'cache', f), 'not an automaton');
    expect(matches(make().buildCached('test'))).toEqual(matches(make().build()));
  });
});

describe("characters' readings kept on disk", () => {
  const sample = [...'和行长重乐中国政务公开〇豈䶵'];
  const readings = async () => (await import('../../src/analysis/text/pinyin.js')).pinyin;

  it('answers as pinyin-pro does (the table is built once and written to the cache folder)', async () => {
    const pinyin = await readings();
    for (const toneType of ['none', 'num'] as const) {
      for (const ch of sample) expect(pinyin(ch, { toneType, multiple: true, type: 'array' })).toEqual(pinyinPro(ch, { toneType, multiple: true, type: 'array' }));
      // not one character of the table: pinyin-pro itself
      expect(pinyin('政务', { toneType, type: 'array' })).toEqual(pinyinPro('政务', { toneType, type: 'array' }));
      expect(pinyin('行', { toneType, type: 'array' })).toEqual(pinyinPro('行', { toneType, type: 'array' }));
    }
    expect(readdirSync(path.join(dir, 'cache')).filter((f) => /^pinyin-.*\.txt$/.test(f))).toHaveLength(1);
  }, 60_000);
});

describe('start-up parsing', () => {
  it('pushFirstUnits gives what iterating the code points gives, surrogates included', () => {
    const units = [0x57f9, 0x90e8, 0x20, 0xd840, 0xdc00, 0xd840, 0x41, 0xdc00, 0xdbff, 0xdfff, 0xd800];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 500; n++) {
      const s = String.fromCharCode(...Array.from({ length: next() % 12 }, () => units[next() % units.length]));
      expect(pushFirstUnits(s, [1])).toEqual([1, ...[...s].map((c) => c.charCodeAt(0))]);
    }
  });
});
