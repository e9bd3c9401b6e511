// Entry point of the single executable (bundled by scripts/build-binary.mjs into dist/sea/vt.cjs, then
// injected into a copy of node as a SEA blob). It does what bin/run.js does, minus every file-system lookup:
// bin/run.js lets oclif read package.json, oclif.manifest.json and dist/commands/**; here package.json, the
// manifest and the command modules are compiled in (virtual modules generated at build time), so the binary
// runs from any directory with nothing else on disk.
import { Config, Plugin, flush, handle, run } from '@oclif/core';
import loaders from 'vt:command-loaders';
import manifest from 'vt:manifest';
import pjson from 'vt:pjson';

async function main() {
  // oclif wants a root directory; nothing is read from it (pjson is given, the manifest is skipped and pjson
  // names no command discovery), so the executable's own directory is as good as any.
  const root = process.execPath.replace(/[/\\][^/\\]*$/, '');
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true, name: pjson.name });
  await plugin.load();
  // What Plugin.load() builds from an oclif.manifest.json, with each command's class loaded on first use.
  plugin.manifest = manifest;
  plugin.hasManifest = true;
  plugin.commandIDs = Object.keys(manifest.commands);
  plugin.commands = Object.entries(manifest.commands)
    .map(([id, cached]) => ({
      ...cached,
      pluginAlias: plugin.alias,
      pluginType: plugin.type,
      load: async () => {
        const cmd = await loaders[id]();
        cmd.id = id;
        cmd.plugin = plugin;
        return cmd;
      },
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const config = await Config.load({ root, pjson, plugins: new Map([[plugin.name, plugin]]) });
  await run(process.argv.slice(2), config);
  await flush();
}

main().catch(handle);
