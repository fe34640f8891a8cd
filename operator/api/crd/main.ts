/** `npm run crds`: writes crds/*.yaml from operator/api (the directory may be given as an argument). */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crdFiles } from './render.js';

const dir = resolve(process.argv[2] ?? 'crds');
for (const { file, text } of crdFiles()) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote ${join(dir, file)}`);
}
