// A standalone RpcServer for tests that need to kill the server process (SIGKILL) mid-call.
// Prints {"port": N} on stdout once listening.
import { testEnv } from '../../env/env.js';
import { RpcServer } from '../rpc-server.js';

const server = new RpcServer(testEnv());
server.register('test.Echo', (req: unknown) => req);
server.register('test.Hang', () => new Promise(() => {}));
server.registerStream('test.Forever', async function* () {
  for (let i = 0; ; i++) {
    yield i;
    await new Promise((r) => setTimeout(r, 5));
  }
});
const addr = await server.listen(0, '127.0.0.1');
process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
