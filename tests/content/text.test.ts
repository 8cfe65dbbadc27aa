import * as OpenCC from 'opencc-js';
import { describe, expect, it } from 'vitest';
import { toSimplified } from '../../src/analysis/content/text.js';
import { openccChangeTest } from '../../src/analysis/text/opencc.js';

/** Keys and values of every dictionary of an OpenCC configuration: the texts most likely to meet an edge. */
function dictionaryTexts(key: string): string[] {
  const configs = (OpenCC.Locale as unknown as { configs: Record<string, Record<string, unknown>> }).configs;
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (typeof x === 'string') for (const e of x.split('|')) out.push(...e.split(' '));
    else if (Array.isArray(x)) x.forEach(walk);
  };
  walk([configs[key].normalizationChain, configs[key].segmentation, configs[key].conversionChain]);
  return out.filter(Boolean);
}

describe('OpenCC change test (src/analysis/content/text.ts)', () => {
  it('never skips a conversion that would change the text (every dictionary key and value, alone and in context)', () => {
    for (const [keys, from] of [
      [['t2s'], 't'],
      [['tw2s'], 'tw'],
      [['hk2s'], 'hk'],
    ] as const) {
      const convert = OpenCC.Converter({ from, to: 'cn' });
      const mayChange = openccChangeTest([...keys]);
      const texts = dictionaryTexts(keys[0]);
      expect(texts.length).toBeGreaterThan(5_000);
      let skipped = 0;
      for (const t of texts) {
        for (const s of [t, `关于${t}的通知`]) {
          if (mayChange(s)) continue;
          skipped++;
          expect(convert(s), `${from}: ${s}`).toBe(s);
        }
      }
      // The test has teeth: most Simplified values are skipped, and every Traditional key that converts is not.
      expect(skipped).toBeGreaterThan(texts.length / 4);
    }
  });

  it('lets Simplified text through unconverted and still converts Traditional text and literal-only phrases', () => {
    const mayChange = openccChangeTest(['tw2s', 'hk2s']);
    expect(mayChange('为深入贯彻落实党中央、国务院决策部署，市政府各部门要切实加强政务服务标准化建设。')).toBe(false);
    expect(mayChange('為深入貫徹落實黨中央決策部署')).toBe(true);
    // 回覆 is made of characters OpenCC keeps on their own; only the phrase converts (回复).
    expect(mayChange('留言回覆')).toBe(true);
    expect(toSimplified('留言回覆')).toBe('留言回复');
    expect(toSimplified('網上辦事')).toBe('网上办事');
    expect(toSimplified('网上办事 2024')).toBe('网上办事 2024');
    expect(openccChangeTest(['no-such-config'])('任何文字')).toBe(true);
  });
});
