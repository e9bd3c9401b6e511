// Building blocks of the single executable, shared by scripts/build-binary.mjs (dist/vt) and its etcd probe.
//
// Nothing may be read from node_modules or the repo at run time, so bundles are made self-contained here:
//   - oclif command discovery (normally a directory scan + oclif.manifest.json) is replaced by virtual
//     modules: `vt:manifest` (oclif's own manifest of every src/commands/**.ts, ids joined with ':' as oclif
//     does, built at build time), `vt:command-loaders` (one lazy import() per command) and `vt:pjson`
//     (package.json, inlined). scripts/sea-entry.mjs hands them to oclif.
//   - etcd3 loads its gRPC .proto files with proto-loader's loadSync when its module loads; that call is
//     rewritten to proto-loader's fromJSON over a descriptor built here from the same .proto files, and
//     the build fails if the two disagree.
//   - Dev-only packages oclif reaches for (typescript, ts-node, tsx) and optional requires esbuild cannot
//     see (mysql2's `cardinal`) are stubbed to throw MODULE_NOT_FOUND, which their callers handle.
//   - import.meta.url (ESM sources compiled to CJS) is shimmed to the executable's file URL.
//
// ESM-only packages with top-level await (Ink 6 / yoga-layout for `vt top`) cannot live in a CJS bundle.
// The pattern, already wired (esmSideBundlePlugin): the command loads its UI with a DYNAMIC import of a
// module under src/ui/, e.g. `const { runTop } = await import('../ui/top/run-top.js')`. That module and
// everything it imports (ink, react, its components) become a separate ESM bundle inlined as a data: URL,
// which the CJS main import()s (Node 20's SEA supports import() of data: URLs, top-level await included).
// Pass the UI what it needs (topo, env, signal) as arguments: the side bundle has its own copies of any
// src/core module it imports, so no shared module state may be assumed. A STATIC import of ink/react from
// the main graph fails the build with a message saying so. Cost: a code-cached SEA cannot import() on
// Node 20, so with a side bundle the blob is built without V8's code cache (see makeSea).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'package.json'));
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

// CJS dependencies inside an ESM bundle (react, mysql2...) call require() for node builtins; esbuild's ESM
// output needs a real require for that. Only builtins can be loaded through it inside a SEA.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __vtCreateRequire } from 'node:module'; const require = __vtCreateRequire(process.execPath);";

// ---------------------------------------------------------------------------------------------------------
// oclif: the command table and package.json as virtual modules

/** Every oclif command file under `commandsDir`, as [id, absolute path], sorted. Mirrors oclif's pattern
 *  discovery: topics are directories, `index` names its directory, tests and declaration files are skipped. */
export function findCommands(commandsDir) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (/\.tsx?$/.test(entry.name) && !/\.(test|spec|d)\.tsx?$/.test(entry.name)) {
        const parts = relative(commandsDir, abs)
          .replace(/\.tsx?$/, '')
          .split(sep);
        if (parts[parts.length - 1] === 'index') parts.pop();
        if (parts.length === 0) throw new Error('src/commands/index.ts would make a single-command CLI; vt has topics');
        out.push([parts.join(':'), abs]);
      }
    }
  };
  walk(commandsDir);
  return out;
}

// oclif takes a module's default export, or else any export with a static run(); same rule here.
const PICK =
  'const pick = (m, id) => { const c = m.default && typeof m.default.run === "function" ? m.default : Object.values(m).find((v) => v && typeof v.run === "function"); if (!c) throw new Error(`vt binary: ${id} exports no oclif command`); return c; };';

/** `vt:commands`: id -> command class, every command module evaluated up front (build-time manifest only). */
function commandTableSource(commands) {
  const lines = [PICK];
  commands.forEach(([, file], i) => lines.push(`import * as m${i} from ${JSON.stringify(file)};`));
  lines.push('export default {');
  commands.forEach(([id], i) => lines.push(`  ${JSON.stringify(id)}: pick(m${i}, ${JSON.stringify(id)}),`));
  lines.push('};');
  return lines.join('\n');
}

/** `vt:command-loaders`: id -> () => Promise<command class>. The dynamic imports keep each command's module
 *  graph (mysql2, etcd3, fastify...) unevaluated until that command runs, as oclif's manifest does for
 *  bin/run.js; esbuild turns them into lazy initialisers inside the one bundle. */
function commandLoadersSource(commands) {
  const lines = [PICK, 'export default {'];
  for (const [id, file] of commands)
    lines.push(
      `  ${JSON.stringify(id)}: () => import(${JSON.stringify(file)}).then((m) => pick(m, ${JSON.stringify(id)})),`,
    );
  lines.push('};');
  return lines.join('\n');
}

/** package.json as oclif reads it at run time, without command discovery (the binary supplies commands). */
export function slimPjson() {
  const pjson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const { commands: _discovery, ...oclif } = pjson.oclif;
  return { name: pjson.name, version: pjson.version, description: pjson.description, type: pjson.type, oclif };
}

/** Virtual modules `vt:commands`, `vt:command-loaders`, `vt:pjson` and `vt:manifest` (given `manifest`). */
export const virtualModulesPlugin = (commands, manifest) => ({
  name: 'vt-virtual-modules',
  setup(b) {
    const sources = {
      'vt:commands': () => commandTableSource(commands),
      'vt:command-loaders': () => commandLoadersSource(commands),
      'vt:pjson': () => `export default ${JSON.stringify(slimPjson())};`,
      'vt:manifest': () => `export default ${JSON.stringify(manifest)};`,
    };
    b.onResolve({ filter: /^vt:/ }, (a) => (a.path in sources ? { path: a.path, namespace: 'vt-virtual' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'vt-virtual' }, (a) => ({
      contents: sources[a.path](),
      loader: 'js',
      resolveDir: repo,
    }));
  },
});

/**
 * The oclif manifest (id -> cached command: flags, args, aliases, descriptions) of `commands`, made by oclif
 * itself: the command table is bundled to `outfile` (ESM) and loaded through oclif's public 'explicit'
 * command discovery, exactly as a plugin's would be. The binary answers --help from it without loading any
 * command module.
 */
export async function buildManifest({ commands, outfile, plugins }) {
  const result = await build({
    stdin: { contents: "export { default } from 'vt:commands';", resolveDir: repo, loader: 'js' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    logLevel: 'silent',
    // One oclif for commands and manifest builder; everything else as the binary bundles it.
    external: ['@oclif/core'],
    banner: { js: ESM_REQUIRE_BANNER },
    plugins: [virtualModulesPlugin(commands, null), ...plugins],
  });
  const { Config } = await import('@oclif/core');
  const pjson = slimPjson();
  // Root: the bundle's own directory, which holds no (possibly stale) oclif.manifest.json to be preferred.
  const root = dirname(outfile);
  pjson.oclif.commands = { strategy: 'explicit', target: `./${basename(outfile)}`, identifier: 'default' };
  const config = await Config.load({ root, pjson, userPlugins: false, devPlugins: false });
  const manifest = config.plugins.get(pjson.name)?.manifest;
  const ids = Object.keys(manifest?.commands ?? {}).sort();
  const want = commands.map(([id]) => id).sort();
  if (ids.join() !== want.join()) throw new Error(`oclif manifest has [${ids}] but src/commands has [${want}]`);
  return { manifest, warnings: result.warnings };
}

// ---------------------------------------------------------------------------------------------------------
// etcd3: inline the gRPC service definitions

/** The etcd3 .proto files as a protobufjs JSON descriptor, parsed with the options etcd3 passes to loadSync
 *  (keepCase changes field names at parse time, so it must match). */
function etcdProtoDescriptor() {
  const protobuf = require('protobufjs');
  const protoFile = join(dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true });
  root.resolveAll();
  const json = root.toJSON();
  verifyEtcdDescriptor(protoFile, json);
  return json;
}

/** Throws unless fromJSON(descriptor) yields the same services, methods and message fields as etcd3's own
 *  loadSync of the .proto files. */
function verifyEtcdDescriptor(protoFile, json) {
  const loader = require('@grpc/proto-loader');
  const opts = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
  const shape = (def) =>
    Object.keys(def)
      .sort()
      .map((name) => {
        const entry = def[name];
        if (entry.format)
          return `${name}:${(entry.type.field ?? entry.type.value ?? []).map((f) => `${f.name}=${f.number}:${f.type ?? ''}`).join(',')}`;
        return `${name}{${Object.values(entry)
          .map(
            (m) =>
              `${m.path}:${m.requestStream}:${m.responseStream}:${m.requestType.type.name}>${m.responseType.type.name}`,
          )
          .join(';')}}`;
      })
      .join('\n');
  const fromFiles = shape(loader.loadSync(protoFile, opts));
  const fromJson = shape(loader.fromJSON(json, opts));
  if (fromFiles !== fromJson || !fromFiles.includes('/etcdserverpb.KV/Range:false:false')) {
    throw new Error('etcd3 proto descriptor built for the binary differs from loadSync of the .proto files');
  }
}

export const etcdProtoPlugin = () => ({
  name: 'vt-etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /[/\\]etcd3[/\\]lib[/\\]connection-pool\.js$/ }, (a) => {
      const src = readFileSync(a.path, 'utf8');
      const call = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`,/;
      if (!call.test(src))
        throw new Error(`etcd3 changed: no loadSync of rpc.proto in ${a.path}; update scripts/sea-build-lib.mjs`);
      return {
        contents: src.replace(call, `(0, proto_loader_1.fromJSON)(${JSON.stringify(etcdProtoDescriptor())},`),
        loader: 'js',
      };
    });
  },
});

// ---------------------------------------------------------------------------------------------------------
// Dev-only packages: oclif requires them only to transpile TypeScript commands on the fly, which never
// happens in the binary (commands are compiled in). Bundling typescript would add ~3 MB; leaving them
// external would make the binary try to require() them from disk. A stub that throws MODULE_NOT_FOUND keeps
// oclif's own try/catch fallbacks working.

const DEV_ONLY = /^(typescript|ts-node|tsx|source-map-support)(\/|$)/;
export const devOnlyStubPlugin = () => ({
  name: 'vt-dev-only-stubs',
  setup(b) {
    b.onResolve({ filter: DEV_ONLY }, (a) => ({ path: a.path, namespace: 'vt-dev-only' }));
    b.onLoad({ filter: /.*/, namespace: 'vt-dev-only' }, (a) => ({
      contents: `throw Object.assign(new Error(${JSON.stringify(`${a.path} is not part of the vt binary`)}), { code: 'MODULE_NOT_FOUND' });`,
      loader: 'js',
    }));
  },
});

// ---------------------------------------------------------------------------------------------------------
// Optional run-time requires that esbuild cannot see (computed module names). Inside a SEA they would try
// the disk and print Node's "require() ... only supports loading built-in modules" warning; each is replaced
// by the failure its caller already handles. A missing pattern means the package changed: the build warns,
// and scripts/smoke-binary.sh fails on that Node warning if the require is still reached.

const OPTIONAL_REQUIRES = [
  // mysql2's debug output highlights SQL with `cardinal` when installed; vt never ships it.
  {
    file: /[/\\]mysql2[/\\]lib[/\\]helpers\.js$/,
    find: /require\(`cardinal\$\{REQUIRE_TERMINATOR\}`\)/,
    module: 'cardinal',
  },
];

export const optionalRequirePlugin = ({ log }) => ({
  name: 'vt-optional-requires',
  setup(b) {
    for (const { file, find, module } of OPTIONAL_REQUIRES) {
      b.onLoad({ filter: file }, (a) => {
        const src = readFileSync(a.path, 'utf8');
        if (!find.test(src))
          log(`warning: ${relative(repo, a.path)} no longer has the optional require of '${module}'`);
        const fail = `(() => { throw Object.assign(new Error('${module} is not part of the vt binary'), { code: 'MODULE_NOT_FOUND' }); })()`;
        return { contents: src.replace(find, fail), loader: 'js' };
      });
    }
  },
});

// ---------------------------------------------------------------------------------------------------------
// ESM side bundles (Ink TUI): see the header comment.

const ESM_ONLY = /^(ink|react|react-dom|yoga-layout)(\/|$)/;

/** `uiDir`: dynamic imports resolving under it become ESM side bundles. `log` reports their sizes; `made`
 *  (an array) receives the path of each side bundle's entry. */
export const esmSideBundlePlugin = ({ uiDir, log, made = [] }) => ({
  name: 'vt-esm-side-bundles',
  setup(b) {
    const under = uiDir.endsWith(sep) ? uiDir : uiDir + sep;
    const urls = new Map(); // entry path -> data: URL, so an entry imported from two places is built once
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData?.vtSideBundle) return undefined;
      if (ESM_ONLY.test(a.path) && a.kind !== 'dynamic-import') {
        throw new Error(
          `${relative(repo, a.importer)}: static import of ESM-only '${a.path}' in the CJS main bundle; load the UI through a dynamic import of a src/ui/ module (see scripts/sea-build-lib.mjs)`,
        );
      }
      if (a.kind !== 'dynamic-import' || !(a.path.startsWith('.') || ESM_ONLY.test(a.path))) return undefined;
      const r = await b.resolve(a.path, {
        kind: a.kind,
        resolveDir: a.resolveDir,
        importer: a.importer,
        pluginData: { vtSideBundle: true },
      });
      if (r.errors.length > 0) return { errors: r.errors };
      if (!(r.path.startsWith(under) || ESM_ONLY.test(a.path))) return undefined;
      if (urls.has(r.path)) return { path: urls.get(r.path), external: true };
      const side = await build({
        entryPoints: [r.path],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        minifySyntax: true,
        jsx: 'automatic',
        logLevel: 'silent',
        plugins: [devOnlyStubPlugin(), etcdProtoPlugin(), optionalRequirePlugin({ log })],
        banner: { js: ESM_REQUIRE_BANNER },
        // React's production build (smaller, no dev-only checks); NODE_ENV is fixed at build time.
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      const code = side.outputFiles[0].contents;
      made.push(r.path);
      log(`ESM side bundle ${relative(repo, r.path)}: ${(code.length / 1024).toFixed(0)} KiB`);
      urls.set(r.path, `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
      return { path: urls.get(r.path), external: true };
    });
  },
});

// ---------------------------------------------------------------------------------------------------------

// import.meta.url in ESM sources compiled to CJS: the executable (or the .cjs bundle) as a file URL.
const IMPORT_META_SHIM = "const __vtImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";

/** Bundles `entry` into one self-contained CommonJS file `outfile`. Returns esbuild's metafile and warnings. */
export async function bundleCjs({ entry, outfile, plugins }) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Not minified: measured no slower to start (V8 parses lazily; the code cache covers the rest) and a
    // crash in the binary then shows a readable source line and real names in its stack trace.
    minifySyntax: true,
    legalComments: 'none',
    jsx: 'automatic',
    metafile: true,
    logLevel: 'silent',
    banner: { js: IMPORT_META_SHIM },
    define: {
      'import.meta.url': '__vtImportMetaUrl',
      // oclif checks node's version against its own package.json, read from disk when it loads; the binary
      // carries its node, so the check is moot and the read would fail.
      'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"',
    },
    plugins,
  });
}

/** Makes `exe`: a copy of this node with `bundle` injected as its SEA main script. Throws with the tool's
 *  output on failure.
 *  `codeCache`: put V8's code cache for the main script in the blob (measured with 34 commands: CPU per
 *  `vt --help` 116 ms instead of 144 ms, per `vt ctl get-keyspaces` 185 ms instead of 214 ms). On Node 20 a
 *  code-cached SEA main cannot import() at all (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so it must be off
 *  when the bundle has ESM side bundles. */
export function makeSea({ bundle, exe, codeCache }) {
  const blob = bundle.replace(/\.c?js$/, '') + '.blob';
  const config = bundle.replace(/\.c?js$/, '') + '.sea-config.json';
  writeFileSync(
    config,
    JSON.stringify(
      { main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: codeCache },
      null,
      2,
    ),
  );
  const sea = spawnSync(process.execPath, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (sea.status !== 0) throw new Error(`node --experimental-sea-config failed:\n${sea.stderr}${sea.stdout}`);
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  // On ELF, postject prints LIEF's harmless "Can't find string offset for section name '.note.100'".
  const pj = spawnSync(
    process.execPath,
    [require.resolve('postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE, '--overwrite'],
    { encoding: 'utf8' },
  );
  if (pj.status !== 0) throw new Error(`postject failed:\n${pj.stderr}${pj.stdout}`);
}
