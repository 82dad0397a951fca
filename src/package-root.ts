// The folder of the installed package (package.json, charts/, dist/), from this file's place in src/ or dist/src/.
import { resolve } from 'node:path';

export function packageRoot(): string {
  const up = __filename.endsWith('.ts') ? ['..'] : ['..', '..'];
  return resolve(__dirname, ...up);
}
