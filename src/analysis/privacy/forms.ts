/**
 * Forms that collect personal data (留言, 申请, 登记 forms asking for a name, a phone number, an ID number or an address),
 * found in a parsed page. A field is read by its name, id, placeholder, title, aria-label and its label (a <label
 * for>, an enclosing <label>, or the short text of the table cell or line just before it). Notes: docs/modules.md.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { selectorOf } from '../content/visibility.js';

export type PersonalField = 'name' | 'phone' | 'idcard' | 'address' | 'email';

export interface PersonalForm {
  selector: string;
  /** The form's action, resolved (or the page when it has none). */
  action?: string;
  /** Personal fields, each with the name or label it was known by. */
  fields: Array<{ kind: PersonalField; field: string }>;
}

/** Kinds of personal field by label words (Chinese) and by name tokens (attribute values, lower-cased). */
const LABELS: Array<[PersonalField, RegExp]> = [
  ['idcard', /身份证|证件号|证件号码|公民身份号码/],
  ['phone', /手机|电话|联系方式|联系号码/],
  ['name', /姓名|联系人|申请人|真实名字|您的称呼/],
  ['address', /住址|家庭地址|通讯地址|联系地址|居住地/],
  ['email', /电子邮箱|电子邮件|邮箱/],
];
const NAMES: Array<[PersonalField, RegExp]> = [
  ['idcard', /(^|[^a-z])(idcard|id_card|idno|id_no|idnumber|sfz|sfzh|sfzhm|zjhm|identity|certno|cardno)([^a-z]|$)/],
  ['phone', /(^|[^a-z])(phone|mobile|telephone|tel|cellphone|sjhm|lxdh|shouji|lxfs)([^a-z]|$)/],
  ['name', /(^|[^a-z])(xm|name|realname|truename|fullname|contactname|lxr|lxrxm|sqr|sqrxm|xingming)([^a-z]|$)/],
  ['address', /(^|[^a-z])(address|addr|zhuzhi|txdz|lxdz|jtzz)([^a-z]|$)/],
  ['email', /(^|[^a-z])(email|e_mail|mail|dzyx)([^a-z]|$)/],
];
/** Words that make a field something else (a search box, a captcha, a title or content field). */
const NOT_PERSONAL = /(^|[^a-z])(q|kw|keyword|keywords|searchword|sword|query|search|wd|captcha|yzm|verify|code|checkcode|title|content|subject|bt|nr)([^a-z]|$)/;

function labelOf($: CheerioAPI, el: Element): string {
  const id = el.attribs.id;
  if (id) {
    try {
      const l = $(`label[for="${id.replace(/["\\]/g, '\\$&')}"]`)
        .first()
        .text();
      if (l.trim()) return l;
    } catch {
      /* an id no selector can name: read the field's surroundings instead */
    }
  }
  const wrap = $(el).closest('label');
  if (wrap.length) return wrap.text();
  // A table cell or line just before the field: <td>联系电话：</td><td><input></td>, 姓名：<input>.
  const cell = $(el).closest('td, th, dd');
  if (cell.length) {
    const prev = cell.prev('td, th, dt');
    if (prev.length) return prev.text().slice(0, 30);
  }
  const prevText = el.prev && el.prev.type === 'text' ? (el.prev as unknown as { data: string }).data : '';
  const parentText = $(el.parent as Element)
    .clone()
    .children()
    .remove()
    .end()
    .text();
  return `${prevText} ${parentText.length <= 30 ? parentText : ''}`;
}

/** The kind of personal field an input is, or undefined. */
function fieldKind($: CheerioAPI, el: Element): { kind: PersonalField; field: string } | undefined {
  const a = el.attribs;
  const type = (a.type ?? 'text').toLowerCase();
  if (el.name === 'input' && !['text', 'tel', 'email', 'number', ''].includes(type)) return undefined;
  const attrs = [a.name, a.id, a.placeholder, a.title, a['aria-label']].filter(Boolean).join(' ');
  const label = `${labelOf($, el)} ${a.placeholder ?? ''} ${a.title ?? ''} ${a['aria-label'] ?? ''}`.replace(/\s+/g, ' ').trim();
  const token = `${a.name ?? ''} ${a.id ?? ''}`.toLowerCase();
  if (type === 'email') return { kind: 'email', field: a.name || a.id || 'email' };
  if (type === 'tel') return { kind: 'phone', field: a.name || a.id || 'tel' };
  for (const [kind, re] of LABELS) if (re.test(label)) return { kind, field: (a.name || a.id || label).slice(0, 40) };
  if (NOT_PERSONAL.test(token)) return undefined;
  for (const [kind, re] of NAMES) if (re.test(token)) return { kind, field: (a.name || a.id || attrs).slice(0, 40) };
  return undefined;
}

/**
 * The page's forms that ask for personal data: a name, phone, ID number or address field (an e-mail address alone is
 * not counted). At most `max` forms.
 */
export function personalDataForms($: CheerioAPI, base: string, max = 10): PersonalForm[] {
  const out: PersonalForm[] = [];
  for (const node of $('form').toArray()) {
    if (out.length >= max) break;
    const form = node as Element;
    if ($(form).find('input[type=password]').length) continue; // a login form
    const fields: PersonalForm['fields'] = [];
    $(form)
      .find('input, textarea, select')
      .each((_, f) => {
        if (fields.length >= 20) return;
        const k = fieldKind($, f as Element);
        if (k && !fields.some((x) => x.kind === k.kind && x.field === k.field)) fields.push(k);
      });
    if (!fields.some((f) => f.kind !== 'email')) continue;
    let action: string | undefined;
    try {
      action = form.attribs.action ? new URL(form.attribs.action, base).href : base;
    } catch {
      action = form.attribs.action;
    }
    out.push({ selector: selectorOf(form), action, fields });
  }
  return out;
}
