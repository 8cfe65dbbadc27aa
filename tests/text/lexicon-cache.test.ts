/**
 * The typo engine's lexicon is built once per set of inputs and kept on disk: a lexicon read back from the cache
 * answers like the one built from jieba's dictionary, a damaged cache file is rebuilt, and other inputs get a file
 * of their own.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { CharRelations } from '../../src/analysis/text/chars.js';
import { Lexicon, type LexiconOptions, loadLexicon } from '../../src/analysis/text/lexicon.js';
import { ownCacheDir } from '../helpers.js';

const dir = ownCacheDir('govcheck-lexicon-cache-');
/** The lexicon files in the cache folder (the characters' readings are kept there too, by src/analysis/text/pinyin.ts). */
const lexiconFiles = () => readdirSync(dir).filter((f) => f.startsWith('lexicon-'));

const chars = new CharRelations();
const readings = (c: number) => chars.readingsOf(c);
const opts: LexiconOptions = { coverageFreq: 3, targetFreq: 50, minLen: 2, maxLen: 4, excludeTags: ['nr', 'ns'] };
const own = ['示例省', '政务公开'];
const WORDS = ['中国', '贯彻', '落实', '大数据', '政务公开', '示例省', '人民政府', '不存在的词语', '登录', '登陆'];

/** What a lexicon answers for the sample: frequencies, covered bigrams, same-sound candidates. */
function answers(lex: Lexicon) {
  const rid = (ch: string) => lex.readingId(chars.readingsOf(ch.charCodeAt(0))[0] ?? '');
  return {
    size: lex.size,
    total: lex.total,
    targets: lex.targets,
    freq: WORDS.map((w) => lex.freq(w)),
    covered: WORDS.map((w) => lex.covered.has(w.charCodeAt(0), w.charCodeAt(1))),
    // 贯切 → 贯彻 (切/彻 share a reading), 大数局 → 大数据.
    sound: [lex.soundTargets('贯切', 0, 2, 1, rid('彻')), lex.soundTargets('大数局', 0, 3, 2, rid('据'))],
    segment: lex.segment('本次会议要求各部门认真贯彻落实', 0, 15),
  };
}

describe('lexicon cache', () => {
  it('reads back a lexicon that answers like the built one', () => {
    const built = new Lexicon(opts, readings, own);
    expect(lexiconFiles()).toEqual([]);
    const first = loadLexicon(opts, readings, own, ['test']);
    const files = lexiconFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^lexicon-[0-9a-f]{24}\.bin$/);
    const cached = loadLexicon(opts, readings, own, ['test']);
    const want = answers(built);
    expect(want.freq[0]).toBeGreaterThan(0);
    expect(want.sound[0]).toContain('贯彻');
    expect(answers(first)).toEqual(want);
    expect(answers(cached)).toEqual(want);
    // read back, it keeps V8's fast properties like the built one (a hash-table object slowed every field read)
    v8.setFlagsFromString('--allow-natives-syntax');
    const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    expect([fast(built), fast(cached)]).toEqual([true, true]);
  }, 120_000);

  it('rebuilds over a damaged file, and keeps other inputs apart', () => {
    const [file] = lexiconFiles();
    writeFileSync(path.join(dir, file), 'not a lexicon');
    const rebuilt = loadLexicon(opts, readings, own, ['test']);
    expect(rebuilt.freq('中国')).toBeGreaterThan(0);
    expect(lexiconFiles()).toEqual([file]);
    const other = loadLexicon(opts, readings, [...own, '恩格贝'], ['test']);
    expect(other.freq('恩格贝')).toBeGreaterThan(0);
    expect(rebuilt.freq('恩格贝')).toBe(0);
    expect(lexiconFiles()).toHaveLength(2);
  }, 120_000);
});
