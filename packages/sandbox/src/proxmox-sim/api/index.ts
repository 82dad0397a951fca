import { Router } from '../router';
import { registerAccess } from './access';
import { registerCluster } from './cluster';
import { registerNetwork } from './network';
import { registerPools } from './pools';
import { registerQemu } from './qemu';
import { registerStorage } from './storage';
import { registerTasks } from './tasks';

/** Every method the simulator serves. */
export function buildRouter(): Router {
  const r = new Router();
  registerCluster(r);
  registerNetwork(r);
  registerStorage(r);
  registerQemu(r);
  registerTasks(r);
  registerAccess(r);
  registerPools(r);
  return r;
}
