// A SEA built from the same bundling pipeline as dist/vt (scripts/build-binary.mjs --etcd-probe) that does one
// etcd3 put/get/delete round trip. scripts/smoke-binary.sh runs it against a real etcd to prove that etcd3's
// gRPC definitions were inlined (a bundle that still read the .proto files from disk fails at load).
// Usage: etcd-probe http://127.0.0.1:PORT   Prints "etcd-probe: ok <value>", exits 0; non-zero on failure.
import { Etcd3 } from 'etcd3';

const [host] = process.argv.slice(2);
if (!host) {
  console.error('usage: etcd-probe http://host:port');
  process.exit(2);
}

// No top-level await: the SEA main script is CommonJS.
async function probe() {
  const client = new Etcd3({ hosts: host, dialTimeout: 3000 });
  const key = `/vt-etcd-probe/${process.pid}`;
  try {
    await client.put(key).value('round-trip');
    const value = await client.get(key).string();
    await client.delete().key(key);
    if (value !== 'round-trip') throw new Error(`read back ${JSON.stringify(value)}`);
    console.log(`etcd-probe: ok ${value}`);
  } finally {
    client.close();
  }
}

probe().catch((e) => {
  console.error(`etcd-probe: FAILED: ${e?.message ?? e}`);
  process.exitCode = 1;
});
