/**
 * Accounts of the review server (`govcheck user`, `govcheck serve`): users with a role, the owners and groups a unit
 * user is bound to, login sessions and personal API tokens (scrypt passwords; only hashes of tokens and sessions
 * stored); every change an audit row in the same transaction. Notes: docs/modules.md.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Role, Scope } from '../server/scope.js';
import { audit } from './audit.js';
import type { DB } from './db.js';

export const ROLES: readonly Role[] = ['admin', 'inspector', 'unit'];

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface UserRow {
  id: number;
  name: string;
  display_name: string | null;
  role: Role;
  password_hash: string;
  token_hash: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface User {
  id: number;
  name: string;
  displayName?: string;
  role: Role;
  disabled: boolean;
  owners: string[];
  groups: string[];
  hasToken: boolean;
  createdAt: string;
}

/** Who makes a change (for the audit log). */
export interface Actor {
  name: string;
  userId?: number;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 64 } as const;
const MAX_MEM = 64 * 1024 * 1024;
export const MIN_PASSWORD = 10;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: MAX_MEM });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check of a password against a stored hash; false for anything malformed. */
export function verifyPassword(password: string, stored: string): boolean {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N > 1 << 20 || r > 32 || p > 16) return false;
  const want = Buffer.from(m[5], 'base64url');
  const got = scryptSync(password.normalize('NFC'), Buffer.from(m[4], 'base64url'), want.length, { N, r, p, maxmem: 256 * N * r + MAX_MEM });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A hash no password matches, checked against when the user name is unknown (same cost). */
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(64).toString('base64url')}`;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u;

function checkName(name: string): string {
  const n = name.normalize('NFC').trim();
  if (!NAME.test(n)) throw new AccountError(`user name ${JSON.stringify(name)}: 1–64 letters, digits, . _ @ -, starting with a letter or digit`);
  return n;
}

function checkPassword(p: string): void {
  if (typeof p !== 'string' || [...p].length < MIN_PASSWORD) throw new AccountError(`a password needs at least ${MIN_PASSWORD} characters`);
  if ([...p].length > 1024) throw new AccountError('a password may have at most 1024 characters');
}

function units(db: DB, userId: number): { owners: string[]; groups: string[] } {
  const rows = db.prepare(`SELECT kind, value FROM user_units WHERE user_id = ? ORDER BY kind, value`).all(userId) as Array<{ kind: 'owner' | 'group'; value: string }>;
  return { owners: rows.filter((r) => r.kind === 'owner').map((r) => r.value), groups: rows.filter((r) => r.kind === 'group').map((r) => r.value) };
}

function toUser(db: DB, r: UserRow): User {
  return { id: r.id, name: r.name, displayName: r.display_name ?? undefined, role: r.role, disabled: !!r.disabled, ...units(db, r.id), hasToken: !!r.token_hash, createdAt: r.created_at };
}

/** The public view of a user (no hashes) for the audit log. */
function snapshot(u: User): Record<string, unknown> {
  return { name: u.name, displayName: u.displayName ?? null, role: u.role, disabled: u.disabled, owners: u.owners, groups: u.groups, hasToken: u.hasToken };
}

export function hasUsers(db: DB): boolean {
  return !!db.prepare(`SELECT 1 FROM users LIMIT 1`).get();
}

export function getUser(db: DB, name: string): User | undefined {
  const r = db.prepare(`SELECT * FROM users WHERE name = ?`).get(name.normalize('NFC').trim()) as UserRow | undefined;
  return r ? toUser(db, r) : undefined;
}

export function getUserById(db: DB, id: number): User | undefined {
  const r = db.prepare(`SELECT * FROM users WHERE id = ?`).get(id) as UserRow | undefined;
  return r ? toUser(db, r) : undefined;
}

export function listUsers(db: DB): User[] {
  return (db.prepare(`SELECT * FROM users ORDER BY name`).all() as UserRow[]).map((r) => toUser(db, r));
}

export interface NewUser {
  name: string;
  role: Role;
  password: string;
  displayName?: string;
  owners?: string[];
  groups?: string[];
  now?: Date;
}

function newToken(): string {
  return `gct_${randomBytes(32).toString('base64url')}`;
}

/** Adds a user with a personal API token; returns the user and the token (shown once, stored hashed). */
export function addUser(db: DB, u: NewUser, by: Actor): { user: User; token: string } {
  const name = checkName(u.name);
  if (!ROLES.includes(u.role)) throw new AccountError(`unknown role ${JSON.stringify(u.role)} (expected ${ROLES.join(', ')})`);
  checkPassword(u.password);
  const owners = [...new Set((u.owners ?? []).map((s) => s.trim()).filter(Boolean))];
  const groups = [...new Set((u.groups ?? []).map((s) => s.trim()).filter(Boolean))];
  if (u.role === 'unit' && !owners.length && !groups.length) throw new AccountError('a unit user must be bound to at least one owner (主办单位, --owner) or group (--group)');
  if (u.role !== 'unit' && (owners.length || groups.length)) throw new AccountError('only unit users are bound to owners or groups');
  const token = newToken();
  const hash = hashPassword(u.password);
  const now = (u.now ?? new Date()).toISOString();
  const user = db.transaction(() => {
    if (db.prepare(`SELECT 1 FROM users WHERE name = ?`).get(name)) throw new AccountError(`user ${name} exists already`);
    const info = db
      .prepare(`INSERT INTO users (name, display_name, role, password_hash, token_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)`)
      .run(name, u.displayName?.trim() || null, u.role, hash, sha256(token), now, now);
    const id = Number(info.lastInsertRowid);
    const ins = db.prepare(`INSERT INTO user_units (user_id, kind, value) VALUES (?, ?, ?)`);
    for (const o of owners) ins.run(id, 'owner', o);
    for (const g of groups) ins.run(id, 'group', g);
    const created = getUserById(db, id)!;
    audit(db, { actor: by.name, userId: by.userId, action: 'user.add', target: name, after: snapshot(created), now: u.now });
    return created;
  })();
  return { user, token };
}

function mustGet(db: DB, name: string): User {
  const u = getUser(db, name);
  if (!u) throw new AccountError(`no user ${name}`);
  return u;
}

/** Disables a user (never deleted): their sessions are revoked and their token stops working. */
export function disableUser(db: DB, name: string, by: Actor, now = new Date()): User {
  return db.transaction(() => {
    const before = mustGet(db, name);
    db.prepare(`UPDATE users SET disabled = 1, updated_at = ? WHERE id = ?`).run(now.toISOString(), before.id);
    db.prepare(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`).run(now.toISOString(), before.id);
    const after = getUserById(db, before.id)!;
    audit(db, { actor: by.name, userId: by.userId, action: 'user.disable', target: before.name, before: snapshot(before), after: snapshot(after), now });
    return after;
  })();
}

/** Enables a disabled user again. */
export function enableUser(db: DB, name: string, by: Actor, now = new Date()): User {
  return db.transaction(() => {
    const before = mustGet(db, name);
    db.prepare(`UPDATE users SET disabled = 0, updated_at = ? WHERE id = ?`).run(now.toISOString(), before.id);
    const after = getUserById(db, before.id)!;
    audit(db, { actor: by.name, userId: by.userId, action: 'user.enable', target: before.name, before: snapshot(before), after: snapshot(after), now });
    return after;
  })();
}

/** Sets a new password; the user's open sessions end. */
export function setPassword(db: DB, name: string, password: string, by: Actor, now = new Date()): void {
  checkPassword(password);
  const hash = hashPassword(password);
  db.transaction(() => {
    const u = mustGet(db, name);
    db.prepare(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`).run(hash, now.toISOString(), u.id);
    db.prepare(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`).run(now.toISOString(), u.id);
    audit(db, { actor: by.name, userId: by.userId, action: 'user.passwd', target: u.name, now });
  })();
}

/** Replaces the user's API token (the old one stops working); returns the new one (shown once). */
export function renewToken(db: DB, name: string, by: Actor, now = new Date()): string {
  const token = newToken();
  db.transaction(() => {
    const u = mustGet(db, name);
    db.prepare(`UPDATE users SET token_hash = ?, updated_at = ? WHERE id = ?`).run(sha256(token), now.toISOString(), u.id);
    audit(db, { actor: by.name, userId: by.userId, action: 'user.token', target: u.name, before: { hasToken: u.hasToken }, after: { hasToken: true }, now });
  })();
  return token;
}

/** The enabled user with this name and password, else undefined (same cost either way). */
export function checkLogin(db: DB, name: unknown, password: unknown): User | undefined {
  if (typeof name !== 'string' || typeof password !== 'string' || password.length > 4096 || name.length > 200) return undefined;
  const r = db.prepare(`SELECT * FROM users WHERE name = ?`).get(name.normalize('NFC').trim()) as UserRow | undefined;
  const ok = verifyPassword(password, r?.password_hash ?? DUMMY_HASH);
  return r && ok && !r.disabled ? toUser(db, r) : undefined;
}

/** The enabled user whose API token this is. */
export function userByToken(db: DB, token: string): User | undefined {
  if (!token.startsWith('gct_') || token.length > 200) return undefined;
  const r = db.prepare(`SELECT * FROM users WHERE token_hash = ? AND disabled = 0`).get(sha256(token)) as UserRow | undefined;
  return r ? toUser(db, r) : undefined;
}

export const SESSION_HOURS = 12;

/** Starts a session; returns the id for the cookie (stored only hashed). */
export function createSession(db: DB, userId: number, o: { hours?: number; now?: Date } = {}): { id: string; expiresAt: string } {
  const id = randomBytes(32).toString('base64url');
  const now = o.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (o.hours ?? SESSION_HOURS) * 3600_000).toISOString();
  db.prepare(`INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`).run(sha256(id), userId, now.toISOString(), expiresAt);
  return { id, expiresAt };
}

/** The enabled user of a live session (not expired, not revoked). */
export function sessionUser(db: DB, id: string, now = new Date()): User | undefined {
  if (id.length > 100) return undefined;
  const r = db.prepare(`SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0`).get(sha256(id), now.toISOString()) as UserRow | undefined;
  return r ? toUser(db, r) : undefined;
}

export function revokeSession(db: DB, id: string, now = new Date()): void {
  db.prepare(`UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`).run(now.toISOString(), sha256(id));
}

/** What a user may see and do (src/server/scope.ts). */
export function scopeOfUser(u: User): Scope {
  return { user: { id: u.id, name: u.name }, role: u.role, units: u.role === 'unit' ? { owners: u.owners, groups: u.groups } : 'all' };
}

/** The server's cookie-signing key of the accounts mode, made once and kept in the database. */
export function serveSecret(db: DB): string | undefined {
  const row = db.prepare(`SELECT value FROM serve_secrets WHERE name = 'cookies'`).get() as { value: string } | undefined;
  if (row) return row.value;
  try {
    db.prepare(`INSERT OR IGNORE INTO serve_secrets (name, value) VALUES ('cookies', ?)`).run(randomBytes(32).toString('hex'));
  } catch {
    return undefined; // read-only database: a key per start
  }
  return (db.prepare(`SELECT value FROM serve_secrets WHERE name = 'cookies'`).get() as { value: string }).value;
}
