/**
 * `govcheck user add|list|disable|enable|passwd|token`: accounts of the review server (src/store/accounts.ts).
 * Passwords are read from stdin (`--password-stdin`, first line) or asked for on a terminal (not echoed); never from
 * the command line, where other users of the machine could see them. Notes: docs/modules.md.
 */
import type { Command } from 'commander';
import { listArg, UsageError } from '../common.js';

interface Base {
  db: string;
}

async function readPassword(fromStdin: boolean | undefined, prompt: string): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    if (!fromStdin) throw new UsageError('no terminal to ask for the password: give --password-stdin and the password on stdin');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of process.stdin) {
      chunks.push(c as Buffer);
      size += (c as Buffer).length;
      if (size > 8192) throw new UsageError('the password on stdin is too long');
    }
    const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
    if (!line) throw new UsageError('no password on stdin');
    return line;
  }
  const { createInterface } = await import('node:readline');
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const out = rl as unknown as { _writeToOutput: (s: string) => void };
      out._writeToOutput = (s: string) => {
        if (s.includes(q)) process.stderr.write(q);
      };
      rl.question(q, (a) => {
        rl.close();
        process.stderr.write('\n');
        resolve(a);
      });
    });
  const a = await ask(prompt);
  const b = await ask('再次输入 / again: ');
  if (a !== b) throw new UsageError('the two passwords differ');
  return a;
}

async function withDb<T>(file: string, f: (db: import('../../store/db.js').DB) => T | Promise<T>): Promise<T> {
  const { openDb } = await import('../../store/db.js');
  const db = openDb(file);
  try {
    return await f(db);
  } catch (e) {
    if ((e as Error).name === 'AccountError') throw new UsageError((e as Error).message);
    throw e;
  } finally {
    db.close();
  }
}

const CLI_ACTOR = { name: 'cli' };

export function register(program: Command): void {
  const user = program.command('user').description('评审服务的账号与角色 / accounts and roles of the review server (govcheck serve)');

  user
    .command('add')
    .description('添加账号（admin 管理员、inspector 检查人员、unit 被检查单位）；打印一次个人 API 令牌 / add a user; prints its API token once')
    .argument('<name>', 'user name (login)')
    .requiredOption('--role <role>', 'admin | inspector | unit')
    .option('--owner <owner>', 'unit users: a registry owner (主办单位) the user answers for (repeatable, or comma-separated)', listArg)
    .option('--group <group>', 'unit users: a registry group (部门/地区) the user answers for (repeatable, or comma-separated)', listArg)
    .option('--display-name <text>', 'name shown in the app and the audit log')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .action(async (name: string, o: Base & { role: string; owner?: string[]; group?: string[]; displayName?: string; passwordStdin?: boolean }) => {
      const { addUser, ROLES } = await import('../../store/accounts.js');
      if (!(ROLES as readonly string[]).includes(o.role)) throw new UsageError(`--role ${o.role}: expected ${ROLES.join(', ')}`);
      const password = await readPassword(o.passwordStdin, `${name} 的密码 / password: `);
      const { user: u, token } = await withDb(o.db, (db) => addUser(db, { name, role: o.role as 'admin' | 'inspector' | 'unit', password, displayName: o.displayName, owners: o.owner, groups: o.group }, CLI_ACTOR));
      process.stdout.write(`已添加 / added: ${u.name} (${u.role}${u.owners.length || u.groups.length ? `: ${[...u.owners, ...u.groups].join(', ')}` : ''})\n`);
      process.stdout.write(`API 令牌（只显示这一次）/ API token (shown once): ${token}\n`);
    });

  user
    .command('list')
    .description('列出账号 / list the users')
    .option('--json', 'JSON lines')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .action(async (o: Base & { json?: boolean }) => {
      const { listUsers } = await import('../../store/accounts.js');
      const users = await withDb(o.db, (db) => listUsers(db));
      if (o.json) {
        for (const u of users) process.stdout.write(`${JSON.stringify(u)}\n`);
        return;
      }
      if (!users.length) {
        process.stdout.write('没有账号 / no users (the server runs without login on loopback, or with --token)\n');
        return;
      }
      for (const u of users) {
        const units = [...u.owners.map((x) => `owner:${x}`), ...u.groups.map((x) => `group:${x}`)].join(', ');
        process.stdout.write(`${u.name}\t${u.role}\t${u.disabled ? 'disabled' : 'active'}\t${units || '-'}\t${u.displayName ?? ''}\n`);
      }
    });

  for (const [cmd, fn, zh] of [
    ['disable', 'disableUser', '停用账号（不删除；会话和令牌立即失效）'],
    ['enable', 'enableUser', '重新启用账号'],
  ] as const) {
    user
      .command(cmd)
      .description(`${zh} / ${cmd} a user`)
      .argument('<name>', 'user name')
      .option('--db <file>', 'SQLite database file', './govcheck.db')
      .action(async (name: string, o: Base) => {
        const m = await import('../../store/accounts.js');
        const u = await withDb(o.db, (db) => m[fn](db, name, CLI_ACTOR));
        process.stdout.write(`${u.name}: ${u.disabled ? 'disabled' : 'active'}\n`);
      });
  }

  user
    .command('passwd')
    .description('设置新密码（该用户已登录的会话失效）/ set a new password (the user’s sessions end)')
    .argument('<name>', 'user name')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .action(async (name: string, o: Base & { passwordStdin?: boolean }) => {
      const { setPassword } = await import('../../store/accounts.js');
      const password = await readPassword(o.passwordStdin, `${name} 的新密码 / new password: `);
      await withDb(o.db, (db) => setPassword(db, name, password, CLI_ACTOR));
      process.stdout.write(`已更新密码 / password changed: ${name}\n`);
    });

  user
    .command('token')
    .description('生成新的个人 API 令牌（旧令牌失效；只显示一次）/ issue a new API token (the old one stops working)')
    .argument('<name>', 'user name')
    .option('--db <file>', 'SQLite database file', './govcheck.db')
    .action(async (name: string, o: Base) => {
      const { renewToken } = await import('../../store/accounts.js');
      const token = await withDb(o.db, (db) => renewToken(db, name, CLI_ACTOR));
      process.stdout.write(`API 令牌（只显示这一次）/ API token (shown once): ${token}\n`);
    });
}
