/**
 * Runs the vt CLI straight from TypeScript sources (node --import tsx test/support/vt-dev.ts ctl ...).
 *
 * Why not bin/dev.js: oclif resolves commands through oclif.manifest.json and dist/ whenever they exist (a
 * local `npm run build` leaves both), and its dev-mode mapping back to src/ needs ts-node, which is not
 * installed; so bin/dev.js can run stale compiled commands or miss new ones. Here the root plugin is built
 * with the manifest ignored and its command directory pointed at src/commands, loaded through tsx. Tests only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execute, Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pjson = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
// Only the topic being run is discovered: oclif imports every discovered command module to learn its flags,
// and importing the whole tree (gate, tablet, mysqlctl...) would double the cost of each call.
const topic = process.argv[2] !== undefined && /^[a-z]+$/.test(process.argv[2]) ? process.argv[2] : undefined;
pjson.oclif = {
  ...pjson.oclif,
  commands: {
    strategy: 'pattern',
    target: './src/commands',
    globPatterns: [topic ? `${topic}/*.ts` : '**/*.ts', '!**/*.test.ts', '!**/*.d.ts'],
  },
};
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, pjson });
await plugin.load();
await execute({ args: process.argv.slice(2), loadOptions: { root, plugins: new Map([[plugin.name, plugin]]) } });
