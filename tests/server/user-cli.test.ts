/** `govcheck user`: add (password from stdin, token printed once), list, disable, passwd, token — through the built CLI. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLogin, userByToken } from '../../src/store/accounts.js';
import { listAudit } from '../../src/store/audit.js';
import { openDb } from '../../src/store/db.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-user-cli-');
afterAll(() => tmp.cleanup());

describe('govcheck user', () => {
  it('manages accounts from the command line; one-line errors; every change audited', async () => {
    const db = path.join(tmp.dir, 'u.db');
    const add = await runCli(['user', 'add', 'yi-office', '--role', 'unit', '--group', '乙市', '--owner', '乙市人民政府办公室', '--password-stdin', '--db', db], { input: 'a long password\n' });
    expect(add.code).toBe(0);
    const token = /gct_[A-Za-z0-9_-]+/.exec(add.stdout)![0];
    const noUnits = await runCli(['user', 'add', 'x', '--role', 'unit', '--password-stdin', '--db', db], { input: 'a long password\n' });
    expect(noUnits.code).toBe(2);
    expect(noUnits.stderr.trim().split('\n')).toHaveLength(1);
    expect(noUnits.stderr).toContain('bound to at least one owner');
    const badRole = await runCli(['user', 'add', 'x', '--role', 'root', '--password-stdin', '--db', db], { input: 'a long password\n' });
    expect(badRole.code).toBe(2);
    const list = await runCli(['user', 'list', '--db', db]);
    expect(list.stdout).toContain('yi-office\tunit\tactive\towner:乙市人民政府办公室, group:乙市');
    expect(list.stdout).not.toContain(token);
    expect((await runCli(['user', 'passwd', 'yi-office', '--password-stdin', '--db', db], { input: 'another long password\n' })).code).toBe(0);
    const renewed = await runCli(['user', 'token', 'yi-office', '--db', db]);
    const token2 = /gct_[A-Za-z0-9_-]+/.exec(renewed.stdout)![0];
    expect((await runCli(['user', 'disable', 'yi-office', '--db', db])).stdout).toContain('disabled');
    const d = openDb(db);
    try {
      expect(userByToken(d, token)).toBeUndefined();
      expect(checkLogin(d, 'yi-office', 'another long password')).toBeUndefined(); // disabled
      expect(
        listAudit(d)
          .rows.map((r) => r.action)
          .reverse(),
      ).toEqual(['user.add', 'user.passwd', 'user.token', 'user.disable']);
      expect(token2).not.toBe(token);
    } finally {
      d.close();
    }
    expect((await runCli(['user', 'enable', 'yi-office', '--db', db])).stdout).toContain('active');
    const d2 = openDb(db);
    expect(checkLogin(d2, 'yi-office', 'another long password')?.name).toBe('yi-office');
    d2.close();
  }, 120_000);
});
