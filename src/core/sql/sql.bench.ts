/**
 * Micro benchmark for the SQL front end (not a test): `npx tsx src/core/sql/sql.bench.ts`.
 * Prints µs per call for lexing, normalizing, analyzing and substituting typical gate queries.
 */
import { analyze } from './analyze.js';
import { substituteBindVars } from './bind-vars.js';
import { normalize } from './normalize.js';
import { splitStatements } from './split-statements.js';
import { tokenize } from './sql-lexer.js';

const QUERIES: Record<string, string> = {
  point_select: 'SELECT c FROM sbtest1 WHERE id=5012',
  q100: "select id, name, email from users where tenant_id = 42 and status = 'active' and created_at > '2024-01-01' limit 50",
  insert:
    "INSERT INTO sbtest1 (id, k, c, pad) VALUES (0, 5012, '83868641912-28773972837-60736120486-75162659906-27563526494-20381887404-41576422241-93426793964-56405065102-33518432330', '67847967377-48000963322-62604785301-91415491898-96926520291')",
  sysvar: 'select @@version_comment limit 1',
};

// Reports CPU time (process.cpuUsage) as well as wall time: the shared 2-core machines are often oversubscribed,
// and CPU per call is the proxy's throughput cost.
function bench(name: string, f: () => unknown): void {
  const warm = Date.now() + 300;
  while (Date.now() < warm) f();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const until = t0 + 1_000_000_000n;
  let t = t0;
  while (t < until) {
    for (let k = 0; k < 1000; k++) f();
    n += 1000;
    t = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(c0);
  const wallUs = Number(t - t0) / 1000 / n;
  const cpuUs = (cpu.user + cpu.system) / n;
  process.stdout.write(
    `${name.padEnd(24)} cpu ${cpuUs.toFixed(2).padStart(6)} µs   wall ${wallUs.toFixed(2).padStart(6)} µs\n`,
  );
}

for (const [name, sql] of Object.entries(QUERIES)) {
  process.stdout.write(`-- ${name} (${sql.length} chars)\n`);
  bench('tokenize', () => tokenize(sql));
  bench('normalize', () => normalize(sql));
  const n = normalize(sql);
  bench('analyze(normalized)', () => analyze(n.normalized));
  bench('substituteBindVars', () => substituteBindVars(n.normalized, n.bindVars));
  bench('splitStatements', () => splitStatements(sql));
}
