// Who a decision is recorded as when --by is not given: COZY_PROXMOX_USER, $USER, $LOGNAME, then the account the
// command runs as (a root shell or a container often has no $USER).
import { userInfo } from 'node:os';
import { defaultApprover } from '../../src/cli/output';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

it('takes COZY_PROXMOX_USER first, then $USER', () => {
  process.env.COZY_PROXMOX_USER = 'alice';
  process.env.USER = 'bob';
  expect(defaultApprover()).toBe('alice');
  delete process.env.COZY_PROXMOX_USER;
  expect(defaultApprover()).toBe('bob');
});

it('falls back to the account name when the environment names nobody', () => {
  delete process.env.COZY_PROXMOX_USER;
  delete process.env.USER;
  delete process.env.LOGNAME;
  expect(defaultApprover()).toBe(userInfo().username);
  expect(defaultApprover()).not.toBe('unknown');
});
