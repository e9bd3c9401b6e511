// A do-nothing TCP hop for calibrating gate-sysbench.sh: listens on 127.0.0.1:LISTEN and pipes every connection
// both ways to 127.0.0.1:UPSTREAM (TCP_NODELAY on both sides). Two chained hops are the floor the gate -> tablet
// path is measured against: what two Node processes cost per query before they do any work.
// usage: node bench/pipe-hop.mjs LISTEN UPSTREAM
import net from 'node:net';

const [listen, upstream] = process.argv.slice(2).map(Number);
const server = net.createServer((client) => {
  const up = net.connect(upstream, '127.0.0.1');
  client.setNoDelay(true);
  up.setNoDelay(true);
  client.pipe(up).pipe(client);
  const close = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', close).on('close', close);
  up.on('error', close).on('close', close);
});
server.listen(listen, '127.0.0.1', () => console.log(`pipe-hop :${listen} -> :${upstream}`));
