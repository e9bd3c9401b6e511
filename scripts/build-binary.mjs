#!/usr/bin/env node
// `npm run build:binary`: the single executable dist/vt.
//
//   1. esbuild bundles scripts/sea-entry.mjs (+ every command, core, and node_modules it reaches) into ONE
//      CommonJS file, dist/sea/vt.cjs (Node 20's SEA only runs a CommonJS main script).
//   2. `node --experimental-sea-config` turns it into a blob; postject injects the blob into a copy of the
//      local node binary -> dist/vt.
// How the bundle is made self-contained (oclif commands, etcd3 protos, the Ink/ESM pattern for `vt top`) is
// described in scripts/sea-build-lib.mjs.
//
// Options:
//   --no-sea       bundle only (dist/sea/vt.cjs, runnable as `node dist/sea/vt.cjs`)
//   --etcd-probe   also build dist/sea/etcd-probe, a SEA doing an etcd3 round trip (scripts/sea-etcd-probe.mjs)
//   --etcd-probe-only  build only that (scripts/smoke-binary.sh does, when it is missing or stale)
//   --analyze      print bundle size by package
//   --quiet
import { mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  buildManifest,
  bundleCjs,
  devOnlyStubPlugin,
  esmSideBundlePlugin,
  etcdProtoPlugin,
  findCommands,
  makeSea,
  optionalRequirePlugin,
  repo,
  virtualModulesPlugin,
} from './sea-build-lib.mjs';

const args = new Set(process.argv.slice(2));
const log = (msg) => args.has('--quiet') || console.log(`build-binary: ${msg}`);
const seaDir = join(repo, 'dist', 'sea');
const mib = (file) => `${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`;
const secs = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function report(result, outfile) {
  for (const w of result.warnings)
    log(`warning: ${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
  if (!args.has('--analyze') || !outfile) return;
  const sizes = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(
    result.metafile.outputs[relative(repo, outfile)]?.inputs ?? {},
  )) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.split('/').slice(0, 2).join('/');
    sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
  }
  for (const [k, v] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 25))
    log(`  ${(v / 1024).toFixed(0).padStart(6)} KiB  ${k}`);
}

async function buildOne({ name, entry, exe, plugins, sideBundles = [] }) {
  const t0 = performance.now();
  const outfile = join(seaDir, `${name}.cjs`);
  report(await bundleCjs({ entry, outfile, plugins }), outfile);
  log(`bundle ${relative(repo, outfile)} ${mib(outfile)} in ${secs(t0)}`);
  if (args.has('--no-sea')) return;
  const t1 = performance.now();
  const codeCache = sideBundles.length === 0;
  makeSea({ bundle: outfile, exe, codeCache });
  log(
    `executable ${relative(repo, exe)} ${mib(exe)} in ${secs(t1)} (node ${process.version}, code cache ${codeCache ? 'on' : 'off: the bundle import()s ESM side bundles'})`,
  );
}

const t0 = performance.now();
mkdirSync(seaDir, { recursive: true });
try {
  if (!args.has('--etcd-probe-only')) {
    const commands = findCommands(join(repo, 'src', 'commands'));
    log(`${commands.length} commands: ${commands.map(([id]) => id).join(' ')}`);
    const sideBundles = [];
    const common = () => [devOnlyStubPlugin(), etcdProtoPlugin(), optionalRequirePlugin({ log })];
    const { manifest, warnings } = await buildManifest({
      commands,
      outfile: join(seaDir, 'commands.mjs'),
      plugins: common(),
    });
    report({ warnings }, null);
    await buildOne({
      name: 'vt',
      entry: join(repo, 'scripts', 'sea-entry.mjs'),
      exe: join(repo, 'dist', 'vt'),
      sideBundles,
      plugins: [
        virtualModulesPlugin(commands, manifest),
        ...common(),
        esmSideBundlePlugin({ uiDir: join(repo, 'src', 'ui'), log, made: sideBundles }),
      ],
    });
  }
  if (args.has('--etcd-probe') || args.has('--etcd-probe-only')) {
    await buildOne({
      name: 'etcd-probe',
      entry: join(repo, 'scripts', 'sea-etcd-probe.mjs'),
      exe: join(seaDir, 'etcd-probe'),
      plugins: [devOnlyStubPlugin(), etcdProtoPlugin(), optionalRequirePlugin({ log })],
    });
  }
  log(`done in ${secs(t0)}`);
} catch (e) {
  console.error(`build-binary: FAILED: ${e?.message ?? e}`);
  process.exit(1);
}
