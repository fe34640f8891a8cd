/**
 * The quota's Lua scripts (lua/*.lua) read once per process and run by EVALSHA, falling back to EVAL
 * when a server does not have them yet (a restart, a FLUSH of the script cache, a new Cluster master);
 * EVAL caches the script there, so each server compiles it once.
 *
 * A file's name carries its contract, `<name>-<number of keys>.lua`, and its header lists KEYS, ARGV and
 * the reply. `--- @include "includes/x"` pastes lua/includes/x.lua in place (each once per script).
 * Scripts are addressed by their SHA-1, so two Ultron versions sharing one Redis never run each other's
 * Lua: what a versioned command name gives, the content hash gives for free.
 *
 * The .lua files are the only source; `npm run build` copies them next to the compiled module
 * (scripts/copy-assets.mjs), so this finds them through import.meta.url in the source tree and in dist/.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

export const SCRIPT_NAMES = ['acquire', 'release', 'reconcile', 'usage'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface LuaScript {
  readonly name: string;
  readonly keys: number;
  /** The script with its includes pasted in. */
  readonly lua: string;
  readonly sha: string;
}

export const LUA_DIR = fileURLToPath(new URL('./lua/', import.meta.url));

/** `source` with every include line replaced by that file (recursively; a file is pasted once). */
export function resolveIncludes(
  source: string,
  read: (path: string) => string,
  seen = new Set<string>(),
): string {
  return source.replace(/^--- @include "([\w/-]+)"[ \t]*$/gm, (_line, path: string) => {
    if (seen.has(path)) return `-- (${path} already included)`;
    seen.add(path);
    return resolveIncludes(read(path), read, seen);
  });
}

/** Every `<name>-<keys>.lua` in `dir`, includes resolved. */
export function loadScripts(dir: string = LUA_DIR): Map<string, LuaScript> {
  const out = new Map<string, LuaScript>();
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-zA-Z]+)-(\d+)\.lua$/.exec(file);
    if (!m) continue;
    const read = (path: string) => readFileSync(join(dir, `${path}.lua`), 'utf8');
    const lua = resolveIncludes(readFileSync(join(dir, file), 'utf8'), read);
    const sha = createHash('sha1').update(lua).digest('hex');
    out.set(m[1]!, { name: basename(file, '.lua'), keys: Number(m[2]), lua, sha });
  }
  return out;
}

let cached: ReadonlyMap<string, LuaScript> | undefined;

/** The quota scripts, read from disk on first use; a missing one is an error naming the folder. */
export function quotaScripts(): Readonly<Record<ScriptName, LuaScript>> {
  cached ??= loadScripts();
  const out = {} as Record<ScriptName, LuaScript>;
  for (const name of SCRIPT_NAMES) {
    const s = cached.get(name);
    if (!s) throw new Error(`quota script ${name}-<keys>.lua is missing from ${LUA_DIR}`);
    out[name] = s;
  }
  return out;
}

/** Runs `script` with its keys and arguments: EVALSHA, and EVAL once if the server answers NOSCRIPT. */
export async function runScript(
  client: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  if (keys.length !== script.keys) {
    throw new Error(`${script.name} takes ${script.keys} keys, got ${keys.length}`);
  }
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}
