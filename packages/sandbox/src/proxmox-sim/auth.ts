// Tickets, CSRF prevention tokens and API tokens. A ticket reads PVE:<userid>:<HEXTIME>::<signature>, is valid from
// 5 minutes before to 2 hours after HEXTIME, and travels in the PVEAuthCookie cookie. Signatures are HMAC-SHA256 under
// a per-run secret (the real server signs with RSA); issued tickets are kept in a map so a request costs one lookup.
import { createHmac, randomBytes } from 'node:crypto';
import { AuthError } from './errors';
import type { SimulatorState } from './state';

export const TICKET_LIFETIME = 2 * 3600;
const GRACE = 5 * 60;

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export interface Authenticated {
  /** user@realm, or user@realm!tokenid for API tokens */
  authid: string;
  viaToken: boolean;
  ticketTime?: number;
}

export class Authenticator {
  private readonly secret = randomBytes(32);
  private readonly verified = new Map<string, { userid: string; time: number; serial: number }>();
  private serial = 0;
  /** Tickets with a serial up to this one are rejected (the "expireTickets" fault). */
  private revokedUpTo = 0;

  constructor(private readonly state: SimulatorState) {}

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64').replace(/=+$/, '');
  }

  issueTicket(userid: string, now = Math.floor(Date.now() / 1000)): { ticket: string; csrf: string } {
    const plain = `PVE:${userid}:${hex8(now)}`;
    // The same user may get two tickets in one second: a counter in the signature keeps them distinct.
    const serial = ++this.serial;
    if (this.verified.size > 50_000) {
      for (const [t, e] of this.verified) if (now - e.time > TICKET_LIFETIME) this.verified.delete(t);
    }
    const ticket = `${plain}::${this.sign(`${plain}:${serial}`)}`;
    this.verified.set(ticket, { userid, time: now, serial });
    return { ticket, csrf: this.csrfToken(userid, now) };
  }

  csrfToken(userid: string, now = Math.floor(Date.now() / 1000)): string {
    const stamp = hex8(now);
    return `${stamp}:${this.sign(`${stamp}:${userid}`)}`;
  }

  /** Returns the ticket's user, or undefined when the ticket is invalid or expired. */
  verifyTicket(ticket: string, now = Math.floor(Date.now() / 1000)): { userid: string; time: number } | undefined {
    // Every valid ticket was issued by this run and is in the map; anything else fails like a bad signature.
    const entry = this.verified.get(ticket);
    if (!entry) return undefined;
    const age = now - entry.time;
    if (age < -GRACE || age > TICKET_LIFETIME) return undefined;
    if (entry.serial <= this.revokedUpTo) return undefined;
    return entry;
  }

  /** Makes every ticket issued so far invalid, as if it had expired. */
  expireAllTickets(): void {
    this.revokedUpTo = this.serial;
  }

  verifyCsrf(userid: string, token: string | undefined, now = Math.floor(Date.now() / 1000)): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(\S+)$/.exec(token);
    if (!m) return false;
    const age = now - parseInt(m[1], 16);
    if (age < -GRACE || age > TICKET_LIFETIME) return false;
    return this.sign(`${m[1]}:${userid}`) === m[2];
  }

  /** PVEAPIToken=user@realm!tokenid=secret; errors are the real server's texts (sent as the 401 reason). */
  verifyApiToken(value: string): string {
    const m = /^(.*)=(.*)$/.exec(value);
    if (!m) throw new AuthError('no tokenid specified');
    const [, tokenFullId, secret] = m;
    const tm = /^([^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/.exec(tokenFullId);
    if (!tm) throw new AuthError(`'${tokenFullId}' is not a valid token ID - not able to split into user and token parts`);
    const [, userid, tokenid] = tm;
    const user = this.state.users.get(userid);
    if (!user) throw new AuthError(`no such user ('${userid}')`);
    if (!user.enable) throw new AuthError(`user '${userid}' is disabled`);
    const now = Math.floor(Date.now() / 1000);
    if (user.expire && user.expire < now) throw new AuthError(`account expired`);
    const token = user.tokens.get(tokenid);
    if (!token) throw new AuthError(`no such token '${tokenid}' for user '${userid}'`);
    if (token.expire && token.expire < now) throw new AuthError(`token '${tokenid}' access expired`);
    if (token.secret !== secret) throw new AuthError('invalid token value!');
    return tokenFullId;
  }

  /** Checks a user's password login (the realm's verdict); throws with the reason for the server log only. */
  checkPassword(userid: string, password: string): void {
    const user = this.state.users.get(userid);
    if (!user) throw new Error(`no such user ('${userid}')`);
    if (!user.enable) throw new Error(`user '${userid}' is disabled`);
    if (user.expire && user.expire < Date.now() / 1000) throw new Error('account expired');
    if (user.password === undefined || user.password !== password) throw new Error('invalid credentials');
  }
}
