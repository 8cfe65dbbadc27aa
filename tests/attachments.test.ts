import { deflateRawSync } from 'node:zlib';
import * as XLSX from '@e965/xlsx';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { attachmentKind, extractAttachmentText, zipDeclaredSize } from '../src/analysis/attachments/extract.js';
import { minimalPdf } from './fixtures/security.js';

const text = (r: Awaited<ReturnType<typeof extractAttachmentText>>) => r.segments.map((s) => `${s.label}|${s.text}`).join('\n');

/** A one-entry ZIP whose central directory declares `declared` uncompressed bytes. */
function zipDeclaring(name: string, declared: number): Buffer {
  const data = deflateRawSync(Buffer.from('x'));
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = 30 + n.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

describe('attachment text extraction (src/analysis/attachments)', () => {
  it('reads PDF pages, XLSX and XLS sheets, DOCX bodies and CSV in UTF-8 or GBK', async () => {
    const pdf = await extractAttachmentText(minimalPdf(['first page', 'second 13800001111']), 'application/pdf', 'a.pdf');
    expect(pdf.kind).toBe('pdf');
    expect(text(pdf)).toBe('page 1|first page\npage 2|second 13800001111');

    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('名单').addRows([
      ['姓名', '电话'],
      ['张三', 13800001111],
    ]);
    const xlsx = await extractAttachmentText(Buffer.from(await wb.xlsx.writeBuffer()), null, 'list.xlsx');
    expect(xlsx.kind).toBe('xlsx');
    expect(text(xlsx)).toBe('sheet 名单|姓名\t电话\n张三\t13800001111');

    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(
      book,
      XLSX.utils.aoa_to_sheet([
        ['姓名', '电话'],
        ['李四', 13900002222],
      ]),
      '旧表',
    );
    const xls = await extractAttachmentText(XLSX.write(book, { type: 'buffer', bookType: 'biff8' }) as Buffer, 'application/vnd.ms-excel', 'old.xls');
    expect(xls.kind).toBe('xls');
    expect(text(xls)).toContain('李四\t13900002222');

    const docx = await extractAttachmentText(await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('关于补贴发放的通知')] }] })), null, 'n.docx');
    expect(docx.kind).toBe('docx');
    expect(text(docx)).toContain('关于补贴发放的通知');

    const gbk = await extractAttachmentText(iconv.encode('姓名,电话\n王五,13700003333\n', 'gbk'), 'text/csv', 'list.csv');
    expect(text(gbk)).toBe('body|姓名,电话\n王五,13700003333\n');
  });

  it('says clearly what it cannot read, without throwing', async () => {
    const broken = await extractAttachmentText(Buffer.from('%PDF-1.4\n%%EOF\n'), 'application/pdf', 'x.pdf');
    expect(broken.segments).toEqual([]);
    expect(broken.error).toMatch(/^cannot read pdf: /);
    const odd = await extractAttachmentText(Buffer.from([0, 1, 2, 3, 4, 5]), 'application/octet-stream', 'x.bin');
    expect(odd.error).toBe('unsupported or unrecognised file type');
    const fakeDoc = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]);
    const doc = await extractAttachmentText(fakeDoc, 'application/msword', 'x.doc');
    expect(doc.kind).toBe('doc');
    expect(doc.error).toMatch(/^cannot read doc/);
  });

  it('refuses ZIP containers that declare too much uncompressed data (zip bombs)', async () => {
    const bomb = zipDeclaring('xl/workbook.xml', 3_000_000_000);
    expect(attachmentKind(bomb, null, 'b.xlsx')).toBe('xlsx');
    expect(zipDeclaredSize(bomb)).toBe(3_000_000_000);
    const r = await extractAttachmentText(bomb, null, 'b.xlsx', { maxUnzippedBytes: 1_000_000 });
    expect(r.error).toBe('declared uncompressed size 3000000000 bytes is over the limit of 1000000');
  });

  it('cuts text at the character cap', async () => {
    const r = await extractAttachmentText(Buffer.from('甲'.repeat(100)), 'text/plain', 'a.txt', { maxChars: 10 });
    expect(r).toMatchObject({ chars: 10, truncated: true });
    expect(r.segments[0].text).toBe('甲'.repeat(10));
  });
});
