#!/usr/bin/env node
// Development entry: runs the TypeScript sources directly through tsx, so no build is needed (also when started
// as `node bin/dev.js`). oclif is pointed at src/commands instead of dist/commands and never reads
// oclif.manifest.json (which `npm run build` writes for dist/ and would otherwise win).
import { readFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';
import { execute, Plugin } from '@oclif/core';

register();
const root = new URL('..', import.meta.url).pathname;
const pjson = JSON.parse(readFileSync(new URL('package.json', import.meta.url.replace(/bin\/dev\.js$/, '')), 'utf8'));
pjson.oclif = { ...pjson.oclif, commands: './src/commands' };
delete pjson.oclif.typescript;
const plugin = new Plugin({ isRoot: true, root, pjson, ignoreManifest: true });
await plugin.load();
await execute({
  dir: import.meta.url,
  loadOptions: { root, pjson, plugins: new Map([[plugin.name, plugin]]), devPlugins: false, userPlugins: false },
});
