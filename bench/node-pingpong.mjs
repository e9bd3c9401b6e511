// CPU per round trip of two Node processes bouncing a 40-byte message over loopback TCP or a unix socket, with
// one socket (every message wakes a sleeping process) or several in flight (the loop stays busy). Calibrates what
// a hop costs on this machine before any work is done; see bench/README.md.
// usage: node bench/node-pingpong.mjs [tcp|unix] [sockets=1] [roundTrips=100000]
import { fork } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const [mode = 'tcp', conc = '1', total = '100000', role] = process.argv.slice(2);
const sockPath = path.join(os.tmpdir(), `vt-pingpong-${process.ppid}-${process.pid}.sock`);

if (role === 'server') {
  const addr = JSON.parse(process.env.VT_PINGPONG_ADDR);
  const srv = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  srv.listen(addr.path ?? { port: 0, host: '127.0.0.1' }, () => process.send(srv.address()));
} else {
  const addr = mode === 'unix' ? { path: sockPath } : {};
  const child = fork(process.argv[1], [mode, conc, total, 'server'], {
    env: { ...process.env, VT_PINGPONG_ADDR: JSON.stringify(addr) },
  });
  const listening = await new Promise((r) => child.once('message', r));
  const target = mode === 'unix' ? { path: sockPath } : { port: listening.port, host: '127.0.0.1' };
  const n = Number(conc);
  const perSocket = Math.ceil(Number(total) / n);
  const socks = await Promise.all(
    Array.from({ length: n }, () => new Promise((r) => { const s = net.connect(target, () => r(s)); s.setNoDelay(true); })),
  );
  const ticks = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(' ').slice(13, 15).reduce((a, b) => a + Number(b), 0);
  const srv0 = ticks();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    socks.map((s) => new Promise((done) => {
      let left = perSocket;
      const msg = Buffer.alloc(40, 1);
      s.on('data', () => (--left > 0 ? s.write(msg) : done()));
      s.write(msg);
    })),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const trips = perSocket * n;
  const srvUs = ((ticks() - srv0) * 1e6) / 100 / trips; // USER_HZ is 100 on Linux
  console.log(
    `${mode} sockets=${n}: ${Math.round(trips / secs)} round trips/s, client ${((cpu.user + cpu.system) / trips).toFixed(1)} µs CPU, server ${srvUs.toFixed(1)} µs CPU per round trip`,
  );
  for (const s of socks) s.destroy();
  child.kill();
  if (mode === 'unix') try { unlinkSync(sockPath); } catch {}
}
