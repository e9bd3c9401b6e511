import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';

/** A self-signed certificate (with SANs for localhost and 127.0.0.1) made by the openssl CLI. */
function selfSigned(dir: string, name: string): { cert: Buffer; key: Buffer } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

describe('RPC over TLS', () => {
  let dir: string;
  let server: RpcServer;
  let mtls: RpcServer;
  let port = 0;
  let mtlsPort = 0;
  let serverId: { cert: Buffer; key: Buffer };
  let clientId: { cert: Buffer; key: Buffer };
  const clients: RpcClient[] = [];
  const client = (c: RpcClient) => (clients.push(c), c);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vt-rpc-tls-'));
    serverId = selfSigned(dir, 'server');
    clientId = selfSigned(dir, 'client');
    server = new RpcServer(testEnv(), { tls: serverId });
    server.register('test.Echo', (r: unknown) => r);
    ({ port } = await server.listen(0, '127.0.0.1'));
    mtls = new RpcServer(testEnv(), { tls: { ...serverId, ca: clientId.cert } });
    mtls.register('test.Peer', (_r: unknown, ctx) => ctx.peer);
    ({ port: mtlsPort } = await mtls.listen(0, '127.0.0.1'));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
    await mtls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves calls over TLS to a client trusting the server certificate', async () => {
    const c = client(new RpcClient(testEnv(), { host: '127.0.0.1', port, tls: { ca: serverId.cert } }));
    await expect(c.call('test.Echo', { b: Buffer.from('secret') })).resolves.toEqual({ b: Buffer.from('secret') });
    const c2 = client(new RpcClient(testEnv(), { host: 'localhost', port, tls: { ca: serverId.cert } }));
    await expect(c2.call('test.Echo', 'by name')).resolves.toBe('by name');
  });

  it('fails UNAVAILABLE when the server certificate is not trusted', async () => {
    const c = client(new RpcClient(testEnv(), { host: '127.0.0.1', port, tls: {} }));
    await expect(c.call('test.Echo', 1)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });

  it('fails UNAVAILABLE when a plain-TCP client talks to a TLS server', async () => {
    const c = client(new RpcClient(testEnv(), { host: '127.0.0.1', port, connectTimeoutMs: 500 }));
    await expect(c.call('test.Echo', 1, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('requires a client certificate when the server has a CA (mutual TLS)', async () => {
    const anon = client(new RpcClient(testEnv(), { host: '127.0.0.1', port: mtlsPort, tls: { ca: serverId.cert } }));
    await expect(anon.call('test.Peer', {}, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const authed = client(
      new RpcClient(testEnv(), { host: '127.0.0.1', port: mtlsPort, tls: { ca: serverId.cert, ...clientId } }),
    );
    await expect(authed.call('test.Peer', {})).resolves.toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
