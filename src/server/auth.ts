/**
 * Authentication of the review server: who is asking (src/server/scope.ts `Scope`), decided once per request by the
 * onRequest hook of app.ts. Notes: docs/modules.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkLogin, createSession, hasUsers, revokeSession, scopeOfUser, sessionUser, userByToken } from '../store/accounts.js';
import { audit } from '../store/audit.js';
import type { DB } from '../store/db.js';
import type { PageCtx } from './layout.js';
import { loginPage } from './pages.js';
import { FULL_SCOPE, type Scope } from './scope.js';
import { AUTH_COOKIE, type LoginLimiter, safeNext, tokenMatches } from './security.js';

export const SESSION_COOKIE = 'govcheck_session';
const SESSION_MAX_AGE = 12 * 3600;

export interface AuthDeps {
  db: DB;
  token?: string;
  limiter: LoginLimiter;
}

/** Accounts exist in the database (checked per request: `govcheck user add` works while the server runs). */
export function accountsMode(db: DB): boolean {
  try {
    return hasUsers(db);
  } catch {
    return false;
  }
}

/**
 * The scope of a request, `undefined` when it is not authenticated, 'locked' when its address is locked
 * out. A Bearer header is an attempt like the login form's: a wrong one counts in the limiter.
 */
export function authenticate(d: AuthDeps, req: FastifyRequest): Scope | undefined | 'locked' {
  const accounts = accountsMode(d.db);
  if (!d.token && !accounts) return FULL_SCOPE;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) {
    if (d.limiter.blocked(req.ip)) return 'locked';
    const presented = auth.slice(7).trim();
    if (d.token && tokenMatches(presented, d.token)) {
      d.limiter.reset(req.ip);
      // Not a cookie: a browser never sends it cross-site on its own, so CSRF tokens do not apply (app.ts).
      req.tokenAuth = true;
      return FULL_SCOPE;
    }
    const u = accounts ? userByToken(d.db, presented) : undefined;
    if (u) {
      d.limiter.reset(req.ip);
      req.tokenAuth = true;
      return scopeOfUser(u);
    }
    d.limiter.fail(req.ip);
  }
  const sc = req.cookies[SESSION_COOKIE];
  if (sc && accounts) {
    const s = req.unsignCookie(sc);
    const u = s.valid && s.value ? sessionUser(d.db, s.value) : undefined;
    if (u) return scopeOfUser(u);
  }
  const c = req.cookies[AUTH_COOKIE];
  if (c && d.token) {
    const u = req.unsignCookie(c);
    if (u.valid && u.value === 'ok') return FULL_SCOPE;
  }
  return undefined;
}

/** Who a change is recorded as: the signed-in user, else 'token' (shared token) or 'local' (no login). */
export function actorOf(scope: Scope, sharedToken: boolean): { name: string; userId?: number } {
  return scope.user ? { name: scope.user.name, userId: scope.user.id } : { name: sharedToken ? 'token' : 'local' };
}

export interface LoginRoutes extends AuthDeps {
  ctxOf(req: FastifyRequest, reply: FastifyReply): PageCtx;
  sendPage(reply: FastifyReply, body: string, status?: number): FastifyReply;
  redirect(reply: FastifyReply, to: string): FastifyReply;
  tooMany(reply: FastifyReply): FastifyReply;
}

export function registerLoginRoutes(app: FastifyInstance, d: LoginRoutes): void {
  const nextOf = (v: unknown) => safeNext(Array.isArray(v) ? v[0] : v);
  const modes = () => ({ accounts: accountsMode(d.db), token: !!d.token });
  app.get('/login', (req, reply) => {
    const next = nextOf((req.query as Record<string, unknown>).next);
    const m = modes();
    if ((!m.token && !m.accounts) || req.scope) return d.redirect(reply, next);
    return d.sendPage(reply, loginPage(d.ctxOf(req, reply), next, false, m));
  });
  app.post('/login', (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = nextOf(body.next);
    const m = modes();
    if (!m.token && !m.accounts) return d.redirect(reply, next);
    // One limiter for passwords, shared tokens and Bearer headers (authenticate above).
    if (d.limiter.blocked(req.ip)) return d.tooMany(reply);
    const cookieOpts = { path: '/', sameSite: 'strict' as const, httpOnly: true, signed: true, secure: 'auto' as const, maxAge: SESSION_MAX_AGE };
    if (m.accounts && typeof body.user === 'string' && body.user !== '') {
      const u = checkLogin(d.db, body.user, body.password);
      if (!u) {
        d.limiter.fail(req.ip);
        return d.sendPage(reply, loginPage(d.ctxOf(req, reply), next, true, m), 401);
      }
      d.limiter.reset(req.ip);
      const s = createSession(d.db, u.id, { hours: SESSION_MAX_AGE / 3600 });
      audit(d.db, { actor: u.name, userId: u.id, action: 'session.login', target: u.name, after: { ip: req.ip, expiresAt: s.expiresAt } });
      reply.setCookie(SESSION_COOKIE, s.id, cookieOpts);
      return d.redirect(reply, next);
    }
    if (m.token && tokenMatches(body.token, d.token!)) {
      d.limiter.reset(req.ip);
      reply.setCookie(AUTH_COOKIE, 'ok', cookieOpts);
      return d.redirect(reply, next);
    }
    d.limiter.fail(req.ip);
    return d.sendPage(reply, loginPage(d.ctxOf(req, reply), next, true, m), 401);
  });
  app.post('/logout', (req, reply) => {
    const sc = req.cookies[SESSION_COOKIE];
    if (sc) {
      const s = req.unsignCookie(sc);
      if (s.valid && s.value) revokeSession(d.db, s.value);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(AUTH_COOKIE, { path: '/' });
    return d.redirect(reply, '/login');
  });
}
