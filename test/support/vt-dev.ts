/**
 * Runs the vt CLI straight from TypeScript sources (node --import tsx test/support/vt-dev.ts ctl ...).
 *
 * Why not bin/dev.js: oclif resolves commands through oclif.manifest.json and dist/ whenever they exist (a
 * local `npm run build` leaves both), and its dev-mode mapping back to src/ needs ts-node, which is not
 * installed; so bin/dev.js can run stale compiled commands or miss new ones. Here the root plugin is built
 * with the manifest ignored and its command directory pointed at src/commands, loaded through tsx. Tests only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute, Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pjson = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
// Only the command being run is discovered: oclif imports every discovered command module to learn its
// flags and aliases, which costs more than the command itself. `ctl GetKeyspace` and `ctl get-keyspace` both
// pick src/commands/ctl/get-keyspace.ts; anything else (help, topics) discovers the whole tree.
function commandGlob(topic: string | undefined, name: string | undefined): string {
  if (topic === undefined || !/^[a-z]+$/.test(topic) || !existsSync(join(root, 'src/commands', topic)))
    return '**/*.ts';
  const squash = (n: string) => n.replace(/-/g, '').toLowerCase();
  const file = readdirSync(join(root, 'src/commands', topic)).find(
    (f) => f.endsWith('.ts') && name !== undefined && squash(f.slice(0, -3)) === squash(name),
  );
  return file === undefined ? '**/*.ts' : `${topic}/${file}`;
}
pjson.oclif = {
  ...pjson.oclif,
  commands: {
    strategy: 'pattern',
    target: './src/commands',
    globPatterns: [commandGlob(process.argv[2], process.argv[3]), '!**/*.test.ts', '!**/*.d.ts'],
  },
};
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, pjson });
await plugin.load();
await execute({ args: process.argv.slice(2), loadOptions: { root, plugins: new Map([[plugin.name, plugin]]) } });
