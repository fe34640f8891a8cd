import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScripts, quotaScripts, resolveIncludes, SCRIPT_NAMES } from './scripts.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('quota Lua scripts', () => {
  it('finds every script with the key count its name carries, includes pasted in', () => {
    const s = quotaScripts();
    for (const name of SCRIPT_NAMES) {
      const keys = name === 'acquire' || name === 'reconcile' ? 3 : 2; // + the epoch
      expect(s[name].keys).toBe(keys);
      expect(s[name].name).toBe(`${name}-${keys}`);
      expect(s[name].lua).not.toContain('@include');
      expect(s[name].sha).toBe(createHash('sha1').update(s[name].lua).digest('hex'));
    }
    expect(s.acquire.lua).toContain('local function addToUsed');
    expect(s.usage.lua).not.toContain('addToUsed');
  });

  it('pastes an include once, recursively, and leaves other lines alone', () => {
    const files: Record<string, string> = { a: 'A1\n--- @include "b"\nA2', b: 'B\n--- @include "a"' };
    const out = resolveIncludes('x\n--- @include "a"\n--- @include "b"\ny', (p) => files[p]!);
    expect(out).toBe('x\nA1\nB\n-- (a already included)\nA2\n-- (b already included)\ny');
  });

  it('reaches dist/: the build step copies every .lua to the same place under dist/operator', async () => {
    const mod = (await import(join(repo, 'scripts/copy-assets.mjs'))) as {
      copyAssets(from: string, to: string): string[];
    };
    const out = mkdtempSync(join(tmpdir(), 'ultron-assets-'));
    try {
      const copied = mod.copyAssets(join(repo, 'operator'), join(out, 'operator'));
      const lua = readdirSync(join(repo, 'operator/quota/lua')).filter((f) => f.endsWith('.lua'));
      for (const f of lua) expect(copied).toContain(`quota/lua/${f}`);
      expect(copied).toContain('quota/lua/includes/used.lua');
      const there = loadScripts(join(out, 'operator/quota/lua'));
      const here = loadScripts();
      expect([...there.values()].map((s) => s.sha)).toEqual([...here.values()].map((s) => s.sha));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
