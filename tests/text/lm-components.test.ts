import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/analysis/text/lm-build.js';
import { componentNeighbours, formatComponentPairs, parseComponentPairs, parseIds, parseIdsString } from '../../src/analysis/text/lm-components.js';
import { LanguageModel, lmOptionsSchema, lmScan } from '../../src/analysis/text/lm.js';

// lines in the layout of the CJKVI ids.txt, written here from the characters' structure
const IDS = [
  '# own test lines',
  'U+79D1\t科\t⿰禾斗',
  'U+6597\t斗\t斗',
  'U+6599\t料\t⿰米斗',
  'U+5B89\t安\t⿱宀女',
  'U+6848\t案\t⿱安木[GJK]\t⿱安朩[TV]',
  'U+6301\t持\t⿰扌寺',
  'U+7279\t特\t⿰牛寺',
  'U+5BFA\t寺\t⿱土寸',
  'U+4E00\t一\t一',
  'U+9F9C\t龜\t⿸xyz[T]',
  'U+20000\t𠀀\t⿱一丨',
].join('\n');

const str = (s: Set<string> | undefined) => [...(s ?? [])].sort().join('');

describe('component candidates (src/analysis/text/lm-components.ts)', () => {
  it('parses IDS trees, the mainland decomposition only, BMP characters only', () => {
    expect(parseIdsString('⿰禾斗')).toEqual({ op: '⿰', kids: ['禾', '斗'] });
    expect(parseIdsString('⿲彳⿱山王攵')).toEqual({ op: '⿲', kids: ['彳', { op: '⿱', kids: ['山', '王'] }, '攵'] });
    expect(parseIdsString('⿰禾')).toBeUndefined();
    expect(parseIdsString('⿰禾斗斗')).toBeUndefined();
    const ids = parseIds(IDS);
    expect([...ids.keys()].sort().join('')).toBe(['安', '寺', '持', '料', '案', '特', '科'].sort().join(''));
    expect(ids.get('案')).toEqual({ op: '⿱', kids: ['安', '木'] });
  });

  it('relates a character to its direct components and to characters with one component swapped', () => {
    const ids = parseIds(IDS);
    const all = () => true;
    const contains = componentNeighbours(ids, all, { contains: true, swap: false, maxSwapClass: 0 });
    expect(str(contains.get('斗'))).toBe('料科');
    expect(str(contains.get('女'))).toBe('安');
    expect(str(contains.get('安'))).toBe('女宀案');
    expect(contains.get('持')?.has('特')).toBe(false);
    const swap = componentNeighbours(ids, all, { contains: false, swap: true, maxSwapClass: 10 });
    expect(str(swap.get('持'))).toBe('特');
    expect(str(swap.get('科'))).toBe('料');
    // a class larger than the cap is dropped
    expect(componentNeighbours(ids, all, { contains: false, swap: true, maxSwapClass: 1 }).size).toBe(0);
    // only characters `keep` accepts
    const few = componentNeighbours(ids, (c) => c !== '料', { contains: true, swap: true, maxSwapClass: 10 });
    expect(str(few.get('斗'))).toBe('科');
    const text = formatComponentPairs(few, ['own test pairs']);
    expect(text.startsWith('# own test pairs\n')).toBe(true);
    const back = parseComponentPairs(text);
    expect(back.size).toBe(few.size);
    expect(back.get('斗'.charCodeAt(0))).toEqual(['科'.charCodeAt(0)]);
  });

  it('tries component neighbours as candidates (科 for 斗), with their own extra gain', () => {
    const sentences = ['要加强科学技术普及工作。', '市科学技术局要认真落实。', '各单位要推进科学决策。'];
    const own = new LanguageModel(buildModel(Array.from({ length: 30 }, () => sentences).flat(), { prune: { 3: 0, 4: 0 } }).bytes);
    const dir = mkdtempSync(path.join(tmpdir(), 'lm-components-'));
    const file = path.join(dir, 'pairs.txt');
    writeFileSync(
      file,
      formatComponentPairs(
        componentNeighbours(parseIds(IDS), () => true, { contains: true, swap: true, maxSwapClass: 10 }),
        ['own'],
      ),
    );
    const typo = '各单位要推进斗学决策。';
    const base = { report: 'all' as const, minGain: 4, surprise: -3, phonetic: false, pairs: false, componentFile: file, suspect: { componentExtraGain: 0 } };
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...base, components: false })).findings).toEqual([]);
    const found = lmScan(own, typo, lmOptionsSchema.parse(base)).findings;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ offset: 6, written: '斗', right: '科', relation: 'shape' });
    const gain = found[0].gain;
    // report: all takes the suspected tier's own extra gain; report: confirmed (here confirmed from gain 4) extraGain.component
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...base, suspect: { componentExtraGain: gain - 4 + 0.5 } })).findings).toEqual([]);
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...base, suspect: { componentExtraGain: gain - 4 - 0.5 } })).findings).toHaveLength(1);
    const confirmed = { ...base, report: 'confirmed' as const, confirmedGain: 4 };
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...confirmed, extraGain: { component: gain - 4 + 0.5 } })).findings).toEqual([]);
    expect(lmScan(own, typo, lmOptionsSchema.parse({ ...confirmed, extraGain: { component: gain - 4 - 0.5 } })).findings).toMatchObject([{ right: '科', tier: 'confirmed' }]);
  });
});
