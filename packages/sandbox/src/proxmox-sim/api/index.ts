import { Router } from '../router';
import { registerAccess } from './access';
import { registerAgent } from './agent';
import { registerCluster } from './cluster';
import { registerNetwork } from './network';
import { registerPools } from './pools';
import { registerQemu } from './qemu';
import { registerStorage } from './storage';
import { registerTasks } from './tasks';
import { registerUpload } from './upload';

/** Every method the simulator serves. */
export function buildRouter(): Router {
  const r = new Router();
  registerCluster(r);
  registerNetwork(r);
  registerStorage(r);
  registerUpload(r);
  registerQemu(r);
  registerAgent(r);
  registerTasks(r);
  registerAccess(r);
  registerPools(r);
  return r;
}
