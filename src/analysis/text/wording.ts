/**
 * Statistical wording that needs arithmetic (表述不规范, W-D3): percentage points written as %, a part larger than
 * its total (a 亿元/万元 slip). The plain patterns are rules in config/dictionaries/wording.yaml.
 * Evidence tiers: docs/modules.md.
 */

export interface WordingFinding {
  offset: number;
  length: number;
  right: string;
  tier: 'confirmed' | 'suspected';
  id: string;
  note?: string;
  reason?: string;
}

const CHANGE = '(?:提高|上升|增加|下降|降低|减少|回落|增长|下滑)';
const NUM = '(\\d+(?:\\.\\d+)?)';
const PCT = '\\s*[%％]';
const POINTS = new RegExp(`(?:由|从)\\s*${NUM}${PCT}\\s*${CHANGE}(?:到|至)\\s*${NUM}${PCT}\\s*[，,、]?\\s*(?:同比|比上年|较上年)?${CHANGE}了?\\s*${NUM}(${PCT})`, 'gu');

const UNIT: Record<string, number> = { 元: 1, 万元: 1e4, 亿元: 1e8 };
/** 共/合计/总额 … N 单位，其中 … M 单位 (one sentence, no other number between the total and 其中). */
const PARTS = /(?<![\d.])(\d+(?:\.\d+)?)\s*(亿元|万元|元)[，,]\s*其中[^，。；;,\d]{1,16}?(\d+(?:\.\d+)?)\s*(亿元|万元|元)/gu;

export function wordingFindings(text: string): WordingFinding[] {
  const out: WordingFinding[] = [];
  if (text.includes('%') || text.includes('％')) {
    POINTS.lastIndex = 0;
    for (let m = POINTS.exec(text); m; m = POINTS.exec(text)) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      const z = Number(m[3]);
      if (!(Math.abs(Math.abs(b - a) - z) < 0.051) || z === 0) continue;
      // a relative change that happens to equal the difference (a = 100…) is not a slip
      if (a > 0 && Math.abs((Math.abs(b - a) / a) * 100 - z) < 0.051) continue;
      const numStart = m.index + m[0].length - m[4].length - m[3].length;
      const pctAt = m.index + m[0].length - m[4].length;
      // the offset of z as written (skip spaces between z and %)
      const zAt = text.lastIndexOf(m[3], pctAt);
      out.push({
        offset: zAt >= numStart - 2 ? zAt : numStart,
        length: m.index + m[0].length - (zAt >= numStart - 2 ? zAt : numStart),
        right: `${m[3]}个百分点`,
        tier: 'confirmed',
        id: 'wording:percentage-points',
        note: '两个百分比之差应以“个百分点”表述',
      });
    }
  }
  if (text.includes('其中')) {
    PARTS.lastIndex = 0;
    for (let m = PARTS.exec(text); m; m = PARTS.exec(text)) {
      const total = Number(m[1]) * UNIT[m[2]];
      const part = Number(m[3]) * UNIT[m[4]];
      if (!(part > total) || m[2] === m[4]) continue;
      const partText = `${m[3]}${m[4]}`;
      const at = m.index + m[0].lastIndexOf(m[3]);
      const len = m.index + m[0].length - at;
      out.push({
        offset: at,
        length: len,
        right: `${partText}（核对单位：大于总数${m[1]}${m[2]}）`,
        tier: 'suspected',
        id: 'wording:part-exceeds-total',
        note: '“其中”部分大于总数，单位可能有误',
        reason: `the part after 其中 (${partText}) exceeds the total stated before it in the same sentence (${m[1]}${m[2]}): a unit slip`,
      });
      PARTS.lastIndex = m.index + 1;
    }
  }
  return out;
}
