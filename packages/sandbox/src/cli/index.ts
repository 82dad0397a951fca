// The commands the sandbox adds to the cozy-proxmox command line when it is installed (a clone of the repository,
// where it is a workspace package): `sandbox up|down|status` and `demo`. The product itself has neither.
import type { Command } from 'commander';
import { demoCommand } from './demo-command';
import { sandboxCommand } from './sandbox-commands';

export function commands(): Command[] {
  return [sandboxCommand(), demoCommand()];
}
