#!/usr/bin/env node
// Development entry: runs the TypeScript sources directly through tsx, so no build is needed (also when started
// as `node bin/dev.js`). oclif is pointed at src/commands instead of dist/commands and never reads a manifest.
import { readFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';
import { execute } from '@oclif/core';

register();
const root = new URL('..', import.meta.url);
const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
pjson.oclif = { ...pjson.oclif, commands: './src/commands' };
delete pjson.oclif.typescript;
await execute({ dir: import.meta.url, loadOptions: { root: root.pathname, pjson, devPlugins: false, userPlugins: false } });
