import { describe, expect, it } from 'vitest';
import { getEngine, isCitation, type TextFinding } from '../../src/analysis/text/engine.js';
import { wordingFindings } from '../../src/analysis/text/wording.js';

const engine = getEngine();
const scan = (t: string, o: Parameters<typeof engine.scan>[1] = {}) => engine.scan(t, o).findings;
const pairs = (fs: TextFinding[]) => fs.map((f) => `${f.text}→${f.suggestion}`);

describe('names are not typos', () => {
  // own sentences with the words and names that real pages carried and the engine once flagged
  const clean = [
    '本报讯 我市企业首次登陆巴西市场，签约金额创历史新高。',
    '三家企业今年成功登陆科创板，募集资金12亿元。',
    '受今年第5号台风登陆影响，全市启动防汛四级应急响应。',
    '全年“科贷通”新增贷款3.5亿元，惠及科技型中小企业86家。',
    '全县民营医疗机构包括红星医院、博视眼科医院、泰康老年护理院、广仁骨科医院等12家。',
    '新引进投资5亿元的帛士数码、投资3亿元的云镜电子等项目。',
    '农村特困人员供养标准提高至每人每月900元，其中失能、半失能对象为1100元。',
    '固定资产投资（不含农户）比上年增长5.1%。',
    '规模以上工业全员劳动生产率人均23.5万元。',
    '新增省级工程技术研究中心3家，获批数居全省前列。',
    '组建科技特派团5个，服务企业120家。',
    '图为活动现场。（刘通摄）',
    '责任编辑：王泽平',
    '本报记者 张明远 李文静',
    '通讯员 赵志刚 摄',
    '县人民政府与东布罗夫斯基斯率领的代表团举行会谈。',
    '原苟各庄镇、七间房乡划归邻县管辖。',
  ];
  it.each(clean)('%s', (s) => {
    expect(scan(s)).toEqual([]);
  });

  it('still reports a login written 登陆 where one logs in, and typos next to names', () => {
    expect(pairs(scan('首次登陆系统后请及时修改初始密码。'))).toEqual(['登陆→登录']);
    expect(pairs(scan('请用户登陆后填报申请表。'))).toEqual(['登陆→登录']);
    expect(pairs(scan('责任编辑：王泽平。各单位要认真做好工作布署。'))).toEqual(['布署→部署']);
    // a leader's name is checked wherever it stands, a photo credit included
    expect(pairs(scan('（习进平摄）'))).toEqual(['进→近']);
    expect(pairs(scan('习进平总书记强调，记者 王泽平'))).toEqual(['进→近']);
  });

  it('keeps near misses of organ names out of ordinary words (信访渠道 is no 信访局)', () => {
    expect(scan('咨询投诉（信访渠道）、信访举报方式')).toEqual([]);
  });
});

describe('dated renamings and citations', () => {
  const cbirc = '中国银行保险监督管理委员会发布公告。';
  it('judges an old organ name against the text date (else the as-of date)', () => {
    expect(scan(cbirc, { date: '2019-09-18' })).toEqual([]);
    expect(scan(cbirc, { date: '2023-05-18' })).toEqual([]); // the day the new body was inaugurated
    const [f] = scan(cbirc, { date: '2024-03-01' });
    expect(f).toMatchObject({ text: '中国银行保险监督管理委员会', suggestion: '国家金融监督管理总局', category: 'organ-outdated', tier: 'suspected', rule: 'W-D3' });
    expect(f.reason).toMatch(/2023-05-18/);
    expect(scan(cbirc, { asOf: '2020-01-01' })).toEqual([]);
    expect(scan(cbirc, { asOf: '2024-01-01' })).toHaveLength(1);
  });

  it('follows later renamings for the suggestion and leaves 原… alone', () => {
    expect(pairs(scan('中国银行业监督管理委员会派出机构', { date: '2020-06-01' }))).toEqual(['中国银行业监督管理委员会→中国银行保险监督管理委员会']);
    expect(pairs(scan('中国银行业监督管理委员会派出机构', { date: '2024-06-01' }))).toEqual(['中国银行业监督管理委员会→国家金融监督管理总局']);
    expect(scan('原国家工商行政管理总局的职责划入新组建的部门。', { date: '2024-06-01' })).toEqual([]);
    expect(scan('各级国土资源部门要加强执法。', { date: '2024-06-01' })).toEqual([]);
  });

  it('treats a name in a document title, 《》 or quotation marks as a citation', () => {
    const d = { date: '2024-06-01' };
    expect(scan('中国银行保险监督管理委员会关于某公司的行政处罚决定（银保监罚决字〔2021〕4号）', d)).toEqual([]);
    expect(scan('根据《中国银行保险监督管理委员会行政许可实施程序规定》办理。', d)).toEqual([]);
    expect(scan('转发“中国银行保险监督管理委员会办公厅”来函。', d)).toEqual([]);
    expect(isCitation('依据国家工商行政管理总局令第86号', 2, 12)).toBe(true);
    expect(isCitation('国家工商行政管理总局发布新规', 0, 10)).toBe(false);
  });
});

describe('statistical wording (表述不规范, W-D3)', () => {
  it('reports a fall written as growth', () => {
    const [f] = scan('全年牧业产值9.8亿元，增长-3.2%。');
    expect(f).toMatchObject({ text: '增长-3.2%', suggestion: '下降3.2%', category: 'wording', rule: 'W-D3', tier: 'confirmed', severity: 'deduction' });
    expect(pairs(scan('规模以上工业增加值同比增长了-1.5%。'))).toEqual(['增长了-1.5%→下降1.5%']);
    expect(pairs(scan('居民消费价格指数提高-0.4%。'))).toEqual(['提高-0.4%→下降0.4%']);
    expect(pairs(scan('进出口总额下降-2.1%。'))).toEqual(['下降-2.1%→增长2.1%']);
    expect(scan('全年牧业产值9.8亿元，下降3.2%。')).toEqual([]);
    expect(scan('最低气温-3.2℃，比上年增长2%。')).toEqual([]);
  });

  it('reports 与上年增长 (should be 比上年增长 or 与上年相比增长)', () => {
    expect(pairs(scan('全县地区生产总值达128亿元，与上年增长6.3%。'))).toEqual(['与上年增长→比上年增长']);
    expect(pairs(scan('粮食产量与上年同期下降2.0%。'))).toEqual(['与上年同期下降→比上年同期下降']);
    expect(scan('全县地区生产总值比上年增长6.3%，与上年相比增长较快。')).toEqual([]);
    expect(scan('增速与上年增长幅度持平。')).toEqual([]);
  });

  it('reports percentage points written as % when the text gives both rates', () => {
    expect(pairs(scan('常住人口城镇化率由52.1%提高到54.3%，提高2.2%。'))).toEqual(['2.2%→2.2个百分点']);
    expect(scan('常住人口城镇化率由52.1%提高到54.3%，提高2.2个百分点。')).toEqual([]);
    // a relative change stated as such is right
    expect(scan('优良天数比例由80%提高到88%，提高10%。')).toEqual([]);
    expect(scan('贫困发生率提高2.2%。')).toEqual([]);
  });

  it('flags a part larger than its total in one 其中 sentence as suspected, with its reason', () => {
    const [f] = wordingFindings('项目总投资8500万元，其中中央预算内资金1.2亿元。');
    expect(f).toMatchObject({ tier: 'suspected', id: 'wording:part-exceeds-total' });
    expect(f.reason).toMatch(/exceeds the total/);
    expect(scan('项目总投资8500万元，其中中央预算内资金1.2亿元。')[0]).toMatchObject({ tier: 'suspected', category: 'wording', text: '1.2亿元' });
    expect(scan('项目总投资1.2亿元，其中中央预算内资金8500万元。')).toEqual([]);
  });
});

describe('suspected findings carry a reason', () => {
  it('near-miss words and short names', () => {
    const [f] = scan('全面提高行政效律和服务水平');
    expect(f.tier).toBe('suspected');
    expect(f.reason).toMatch(/效律.*效率/);
  });
});

describe('hostile input stays linear', () => {
  it('many opening quotes, long digit runs, many name cues', () => {
    const t = Date.now();
    engine.scan(`${'“'.repeat(100_000)}”`);
    engine.scan(`收入${'1'.repeat(100_000)}万元，其中${'2'.repeat(100_000)}亿元`);
    engine.scan('由1%提高到'.repeat(20_000));
    engine.scan('记者 '.repeat(30_000));
    engine.scan('、乡'.repeat(50_000));
    expect(Date.now() - t).toBeLessThan(20_000);
  });
});
