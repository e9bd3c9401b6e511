// Entry point of the single executable (bundled by scripts/build-binary.mjs into dist/sea/vt.cjs, then
// injected into a copy of node as a SEA blob). It does what bin/run.js does, minus every file-system lookup:
// bin/run.js lets oclif read package.json, oclif.manifest.json and dist/commands/**; here the package.json
// and the command classes are compiled in (virtual modules generated at build time), so the binary runs
// from any directory with nothing else on disk.
import { Config, Plugin, flush, handle, run } from '@oclif/core';
import commands from 'vt:commands';
import pjson from 'vt:pjson';

async function main() {
  // oclif wants a root directory; nothing is read from it (pjson is given, the manifest is skipped, and
  // the command table is pre-filled), so the executable's own directory is as good as any.
  const root = process.execPath.replace(/[/\\][^/\\]*$/, '');
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true, name: pjson.name });
  // With oclif's 'explicit' command discovery the plugin would import() `target` to get the id -> class
  // table and keep it in `commandCache`. We hand it the table instead: nothing can be imported from disk
  // inside a SEA. The build's smoke test (help and alias resolution) catches a change in this oclif internal.
  plugin.commandCache = commands;
  await plugin.load();
  if (plugin.commandIDs.length !== Object.keys(commands).length) {
    throw new Error(`vt binary: oclif registered ${plugin.commandIDs.length} of ${Object.keys(commands).length} commands`);
  }
  const config = await Config.load({ root, pjson, plugins: new Map([[plugin.name, plugin]]) });
  await run(process.argv.slice(2), config);
  await flush();
}

main().catch(handle);
