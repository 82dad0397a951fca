// The two ways to authenticate. A ticket (user + password) lasts 2 hours and needs the CSRF token on every write; an
// API token is sent as a header on every request and needs no CSRF token.

export type ProxmoxCredentials =
  | { kind: 'ticket'; username: string; password: string }
  | { kind: 'token'; tokenId: string; secret: string };

export interface Ticket {
  ticket: string;
  csrfToken: string;
  username: string;
  /** Client clock (ms) when the ticket was issued. */
  issuedAt: number;
}

/** Tickets expire after 2 h; renewing at 1 h 45 min leaves room for a slow request and clock skew. */
export const DEFAULT_TICKET_RENEW_AFTER_MS = 105 * 60_000;

/**
 * Holds the current ticket and renews it when it is old or rejected. Concurrent requests share one login instead of
 * each starting their own.
 */
export class TicketSession {
  private current?: Ticket;
  private pending?: Promise<Ticket>;
  logins = 0;

  constructor(
    private readonly login: () => Promise<Omit<Ticket, 'issuedAt'>>,
    private readonly clock: () => number,
    private readonly renewAfterMs: number,
  ) {}

  get ticket(): Ticket | undefined {
    return this.current;
  }

  async valid(): Promise<Ticket> {
    if (this.current && this.clock() - this.current.issuedAt < this.renewAfterMs) return this.current;
    return this.renew();
  }

  /** Logs in again; `rejected` is the ticket the server refused, so a login already done by another request counts. */
  renew(rejected?: Ticket): Promise<Ticket> {
    if (rejected && this.current && this.current !== rejected) return Promise.resolve(this.current);
    if (!this.pending) {
      const issuedAt = this.clock();
      this.pending = this.login()
        .then((t) => {
          this.logins++;
          this.current = { ...t, issuedAt };
          return this.current;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }
}

export function authHeaders(credentials: ProxmoxCredentials, ticket: Ticket | undefined, method: string): Record<string, string> {
  if (credentials.kind === 'token') {
    return { Authorization: `PVEAPIToken=${credentials.tokenId}=${credentials.secret}` };
  }
  if (!ticket) return {};
  const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${ticket.ticket}` };
  if (method !== 'GET') headers.CSRFPreventionToken = ticket.csrfToken;
  return headers;
}
