#!/usr/bin/env node
// The build's second step: tsc compiles only .ts, so the files that modules read at run time through
// import.meta.url (the quota's Lua scripts) are copied from operator/ to dist/operator/ at the same
// relative paths. `node scripts/copy-assets.mjs [from] [to]` (defaults: operator dist/operator).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = /\.lua$/;

export function copyAssets(from, to) {
  const copied = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (ASSET.test(entry.name)) {
        const dest = join(to, relative(from, path));
        mkdirSync(dirname(dest), { recursive: true });
        copyFileSync(path, dest);
        copied.push(relative(from, path));
      }
    }
  };
  walk(from);
  return copied.sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [from = join(repo, 'operator'), to = join(repo, 'dist', 'operator')] = process.argv.slice(2);
  copyAssets(from, to);
}
