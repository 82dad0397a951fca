// Ticket and API-token authentication: CSRF on writes, ticket renewal by age and on a rejected ticket, one login
// shared by concurrent requests.
import axios from 'axios';
import { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { Simulator, startSim, ticketClient, tokenClient } from './helpers';

describe('authentication', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('logs in with a ticket and writes with the CSRF token', async () => {
    const client = ticketClient(sim);
    const ticket = await client.login();
    expect(ticket?.username).toBe('root@pam');
    expect(ticket?.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    await client.createPool('auth-csrf');
    await client.updatePool('auth-csrf', { comment: 'written with CSRF' });
    expect((await client.pools()).find((p) => p.poolid === 'auth-csrf')?.comment).toBe('written with CSRF');

    // The same write without the CSRF header is refused: the header the client sends is what makes it pass.
    const raw = await axios.put(`${client.apiBase}/pools/auth-csrf`, 'comment=no-csrf', {
      httpsAgent: new Agent({ ca: readFileSync(sim.caFile as string) }),
      headers: { Cookie: `PVEAuthCookie=${ticket?.ticket}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      validateStatus: () => true,
    });
    expect(raw.status).toBe(401);
    await client.deletePool('auth-csrf');
    client.close();
  });

  it('logs in again once when the server rejects an expired ticket', async () => {
    const client = ticketClient(sim);
    await client.version();
    expect(client.loginCount).toBe(1);
    sim.faults.set({ expireTickets: true });
    try {
      await expect(client.nodes()).resolves.toHaveLength(1);
      expect(client.loginCount).toBe(2);
      await client.createPool('auth-renewed');
      await client.deletePool('auth-renewed');
      expect(client.loginCount).toBe(2);
    } finally {
      sim.faults.clear();
      client.close();
    }
  });

  it('renews a ticket before its 2 h lifetime ends (at 1 h 45 min by default)', async () => {
    let now = Date.now();
    const client = ticketClient(sim, { clock: () => now });
    await client.version();
    const first = client.currentTicket?.ticket;
    now += 104 * 60_000;
    await client.version();
    expect(client.loginCount).toBe(1);
    now += 2 * 60_000;
    await client.version();
    expect(client.loginCount).toBe(2);
    expect(client.currentTicket?.ticket).not.toBe(first);
    client.close();
  });

  it('shares one login among concurrent requests', async () => {
    const client = ticketClient(sim);
    await Promise.all(Array.from({ length: 12 }, () => client.version()));
    expect(client.loginCount).toBe(1);
    client.close();
  });

  it('authenticates with an API token, writes without CSRF and never logs in', async () => {
    const client = tokenClient(sim);
    await client.createPool('auth-token');
    await client.deletePool('auth-token');
    expect(client.loginCount).toBe(0);
    client.close();
  });
});
