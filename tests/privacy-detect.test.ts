import { describe, expect, it } from 'vitest';
import { detectPersonalData, idCheckChar, isValidResidentId, luhnValid, maskDigitRuns, redactPersonalData, scanPersonalData } from '../src/analysis/privacy/detect.js';
import { luhnNumber, residentId } from './fixtures/security.js';

const o = { asOf: '2024-07-01' };

describe('personal-data detectors (src/analysis/privacy)', () => {
  it('validates resident IDs by region prefix, real birth date and GB 11643 check character', () => {
    // The check character of the standard's own worked example (11010519491231002X).
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(isValidResidentId('11010519491231002X', o)).toBe(true);
    expect(isValidResidentId('11010519491231002x', o)).toBe(true);
    expect(isValidResidentId('110105194912310021', o)).toBe(false); // wrong check character
    expect(isValidResidentId(residentId('110105', '19490230', '002'), o)).toBe(false); // 30 February
    expect(isValidResidentId(residentId('110105', '20300101', '002'), o)).toBe(false); // born after the inspection date
    expect(isValidResidentId(residentId('990105', '19491231', '002'), o)).toBe(false); // no such region
    expect(isValidResidentId(residentId('820105', '19491231', '002'), o)).toBe(true); // Macao
  });

  it('finds IDs, mobiles and bank cards, masked, and ignores masked values and longer tokens', () => {
    const id = residentId('350102', '19851231', '456');
    const card = luhnNumber('622202', 19);
    const text = `张三 ${id}，手机 +86 138-1234-5678，卡号 ${card}。李四 35*************123，138****1234；信用代码 91350100M000100Y43，订单号 1${id}9，电话 0591-87654321`;
    const ds = detectPersonalData(text, o);
    expect(ds.map((d) => `${d.kind} ${d.masked}`)).toEqual([`id ${id.slice(0, 2)}${'*'.repeat(13)}${id.slice(-3)}`, 'mobile 138****5678', `bankcard ${card.slice(0, 4)}${'*'.repeat(11)}${card.slice(-4)}`]);
    for (const d of ds) {
      expect(d.snippet).not.toContain(id);
      expect(d.snippet).not.toContain(card);
      expect(d.snippet).not.toContain('13812345678');
    }
  });

  it('reads full-width digits, spaced mobiles and the legacy 15-digit form', () => {
    const full = '１３９１２３４５６７８';
    expect(detectPersonalData(`电话${full}`, o).map((d) => d.masked)).toEqual(['139****5678']);
    expect(detectPersonalData('手机 139 1234 5678', o).map((d) => d.masked)).toEqual(['139****5678']);
    expect(detectPersonalData('旧证 110105491231002', o).map((d) => `${d.kind} ${d.masked}`)).toEqual(['id15 11**********002']);
    expect(detectPersonalData('旧证 110105491231002', { ...o, legacy15: false })).toEqual([]);
  });

  it('needs a UnionPay prefix or a bank word for a bank card (Luhn alone is too common)', () => {
    const visa = luhnNumber('4111', 16);
    expect(luhnValid(visa)).toBe(true);
    expect(detectPersonalData(`编号 ${visa}`, o)).toEqual([]);
    expect(detectPersonalData(`银行卡号：${visa}`, o).map((d) => d.kind)).toEqual(['bankcard']);
    const notLuhn = visa.slice(0, 15) + String((Number(visa[15]) + 1) % 10);
    expect(detectPersonalData(`银行卡号：${notLuhn}`, o)).toEqual([]);
  });

  it('counts distinct values without keeping them, and redacts free text', () => {
    const id = residentId('110101', '19900307', '123');
    const r = scanPersonalData(`${id} ${id} 13800001111 13800001111 13800002222`, o);
    expect(r.counts).toEqual({ id: 2, id15: 0, mobile: 3, bankcard: 0 });
    expect(r.distinct).toEqual({ id: 1, id15: 0, mobile: 2, bankcard: 0 });
    expect(JSON.stringify(r)).not.toContain(id);
    expect(redactPersonalData(`/files/${id}.pdf?tel=13800001111`, o)).toBe(`/files/11*************${id.slice(-3)}.pdf?tel=138****1111`);
    expect(maskDigitRuns('编号 1234567890123 日期 2024-07-01')).toBe('编号 12*********23 日期 2024-07-01');
  });
});
