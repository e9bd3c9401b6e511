import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, startFixtureServer } from '../../../test/support/protocol-fixture.js';
import { nativeScramble, sha2Scramble } from './auth-scramble.js';
import { AuthServerNone } from './auth-server.js';
import { AuthServerStatic } from './auth-server-static.js';
import { fixtureHandler, fixtureUsers } from '../../../test/support/protocol-fixture.js';
import { RAW_CLIENT_CAPS, RawClient, u32 } from '../../../test/support/protocol-raw-client.js';
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { Err } from '../errors/index.js';
import { Cap } from './constants.js';
import type { MysqlServer } from './mysql-server.js';

/** TLS, caching_sha2_password and the mariadb CLI against MysqlServer. */

const run = promisify(execFile);
let cert: ReturnType<typeof selfSignedCert>;
const servers: MysqlServer[] = [];

beforeAll(() => {
  cert = selfSignedCert();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  cert.cleanup();
});

async function start(opts: Parameters<typeof startFixtureServer>[0] = {}): Promise<number> {
  const { server, port } = await startFixtureServer(opts);
  servers.push(server);
  return port;
}

async function whoami(opts: mysql.ConnectionOptions): Promise<Record<string, unknown>> {
  const c = await mysql.createConnection({ host: '127.0.0.1', user: 'u', password: 'pw', ...opts });
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>('select whoami');
    return { ...rows[0] };
  } finally {
    await c.end();
  }
}

/** Runs the mariadb CLI; resolves with stdout, or with {code, stderr} when it fails. */
async function cli(port: number, args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const { stdout, stderr } = await run('mariadb', ['-h127.0.0.1', `-P${port}`, ...args], { timeout: 10_000 });
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: x.stdout ?? '', err: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : -1 };
  }
}

describe('TLS', () => {
  it('upgrades after SSLRequest (mysql2) and reports tls to the handler', async () => {
    const port = await start({ tls: { cert: cert.cert, key: cert.key } });
    expect(await whoami({ port, ssl: { rejectUnauthorized: false } })).toMatchObject({ user: 'u', tls: 'true' });
    expect(await whoami({ port })).toMatchObject({ tls: 'false' });
  });

  it('refuses plain TCP logins with requireSecureTransport (3159/HY000)', async () => {
    const port = await start({ tls: { cert: cert.cert, key: cert.key }, requireSecureTransport: true });
    await expect(whoami({ port })).rejects.toMatchObject({ errno: 3159, sqlState: 'HY000' });
    expect(await whoami({ port, ssl: { rejectUnauthorized: false } })).toMatchObject({ tls: 'true' });
  });
});

describe('TLS over a raw socket', () => {
  it('handles a ClientHello that arrives in the same segment as the SSLRequest', async () => {
    const port = await start({ tls: { cert: cert.cert, key: cert.key } });
    const c = await RawClient.open(port);
    const greeting = (await c.read()).payload;
    const v = greeting.indexOf(0, 1);
    const scramble = Buffer.concat([greeting.subarray(v + 5, v + 13), greeting.subarray(v + 32, v + 44)]);
    const caps = RAW_CLIENT_CAPS | Cap.SSL;
    const head = Buffer.concat([u32(caps), u32(1 << 24), Buffer.from([45]), Buffer.alloc(23)]);
    // Cork so the SSLRequest and the TLS ClientHello leave in one write.
    c.socket.cork();
    c.send(head, 1);
    const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
    process.nextTick(() => c.socket.uncork());
    await once(secure, 'secureConnect');
    const auth = nativeScramble('pw', scramble);
    const resp = Buffer.concat([
      head,
      Buffer.from('u\0'),
      Buffer.from([auth.length]),
      auth,
      Buffer.from('mysql_native_password\0'),
    ]);
    const chunks: Buffer[] = [];
    secure.on('data', (d: Buffer) => chunks.push(d));
    secure.write(Buffer.concat([Buffer.from([resp.length, 0, 0, 2]), resp]));
    await expect.poll(() => Buffer.concat(chunks).length).toBeGreaterThanOrEqual(11);
    const ok = Buffer.concat(chunks);
    expect(ok[3]).toBe(3); // sequence continues across the upgrade
    expect(ok[4]).toBe(0); // OK
    secure.destroy();
  });
});

describe('handler refusing a login', () => {
  it('newConnection errors become the handshake ERR; connectionClosed is not called', async () => {
    const events: string[] = [];
    const handler = fixtureHandler(events);
    handler.newConnection = () => {
      throw Err.resourceExhausted('too many connections for user u');
    };
    const port = await start({ handler });
    await expect(whoami({ port })).rejects.toMatchObject({ errno: 1203, sqlState: '42000' });
    expect(events.filter((e) => e.startsWith('close'))).toEqual([]);
  });
});

describe('caching_sha2_password', () => {
  const sha2Auth = (): AuthServerStatic => AuthServerStatic.fromJson(fixtureUsers, 'caching_sha2_password');

  it('does full auth over RSA first, then the fast path; wrong passwords fail both ways', async () => {
    const port = await start({ authServer: sha2Auth() });
    // First login: the cache is empty, so mysql2 asks for the public key and sends the RSA-encrypted password.
    expect(await whoami({ port })).toMatchObject({ user: 'u', userdata: 'ud-u' });
    // Second login: scramble-only fast path against the cached hash.
    expect(await whoami({ port })).toMatchObject({ user: 'u' });
    await expect(whoami({ port, password: 'nope' })).rejects.toMatchObject({ errno: 1045, sqlState: '28000' });
    await expect(whoami({ port, user: 'u2', password: 'nope' })).rejects.toMatchObject({ errno: 1045 });
    // A hash-only user is switched to mysql_native_password.
    expect(await whoami({ port, user: 'nat', password: 'password' })).toMatchObject({ user: 'nat' });
  });

  it('COM_CHANGE_USER re-authenticates with caching_sha2_password (auth switch from the native token)', async () => {
    const port = await start({ authServer: sha2Auth() });
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'u', password: 'pw' });
    await c.changeUser({ user: 'u2', password: 'pw2' }); // u2 not cached yet: full auth (RSA) inside CHANGE_USER
    await c.changeUser({ user: 'u', password: 'pw' }); // cached: fast path
    await c.changeUser({ user: 'u2', password: 'pw2' });
    const [rows] = await c.query<mysql.RowDataPacket[]>('select whoami');
    expect(rows[0]).toMatchObject({ user: 'u2', userdata: 'ud-u2' });
    await expect(c.changeUser({ user: 'u', password: 'bad' })).rejects.toMatchObject({ errno: 1045 });
    c.destroy();
  });

  it('does full auth with the plaintext password over TLS', async () => {
    const port = await start({ authServer: sha2Auth(), tls: { cert: cert.cert, key: cert.key } });
    expect(await whoami({ port, ssl: { rejectUnauthorized: false } })).toMatchObject({ user: 'u', tls: 'true' });
    await expect(whoami({ port, password: 'x', ssl: { rejectUnauthorized: false } })).rejects.toMatchObject({
      errno: 1045,
    });
  });

  it('switches a mysql_native_password client to caching_sha2_password (fast path after a full login)', async () => {
    const port = await start({ authServer: sha2Auth() });
    await whoami({ port }); // full auth fills the cache
    const seen: number[] = [];
    // With a custom plugin for the server's method, mysql2 answers the handshake with mysql_native_password
    // and follows the AuthSwitchRequest with this function.
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user: 'u',
      password: 'pw',
      authPlugins: {
        caching_sha2_password: () => (data: Buffer) => {
          seen.push(data.length === 1 ? data[0]! : data.length);
          return data.length >= 20 ? sha2Scramble('pw', data.subarray(0, 20)) : null;
        },
      },
    });
    const [rows] = await c.query<mysql.RowDataPacket[]>('select whoami');
    expect(rows[0]!['user']).toBe('u');
    await c.end();
    // The switch request carried the 20-byte scramble (+ NUL), then the server answered fast-auth-success (3),
    // not perform-full-authentication (4).
    expect(seen).toEqual([21, 3]);
  });
});

describe('Unix socket', () => {
  it('serves clients on a socket path; they count as secure (caching_sha2 full auth in clear, require TLS ok)', async () => {
    const { server } = await startFixtureServer({
      authServer: AuthServerStatic.fromJson(fixtureUsers, 'caching_sha2_password'),
      tls: { cert: cert.cert, key: cert.key },
      requireSecureTransport: true,
    });
    servers.push(server);
    const path = join(cert.dir, 'mysql.sock');
    await server.listenSocket(path);
    expect(await whoami({ socketPath: path })).toMatchObject({ user: 'u', tls: 'false' });
    await expect(whoami({ socketPath: path, password: 'bad' })).rejects.toMatchObject({
      errno: 1045,
      sqlMessage: "Access denied for user 'u'@'localhost' (using password: YES)",
    });
    const r = await run('mariadb', [`--socket=${path}`, '-uu', '-ppw', '-N', '-B', '-e', 'select whoami']);
    expect(r.stdout.split('\t')[0]).toBe('u');
  });
});

describe('auth servers', () => {
  it('AuthServerNone accepts any user and password', async () => {
    const port = await start({ authServer: new AuthServerNone() });
    expect(await whoami({ port, user: 'anyone', password: 'whatever' })).toMatchObject({
      user: 'anyone',
      userdata: 'anyone',
    });
  });
});

describe('mariadb CLI', () => {
  let port: number;
  let tlsPort: number;
  beforeAll(async () => {
    port = await start();
    tlsPort = await start({ tls: { cert: cert.cert, key: cert.key } });
  });

  it('runs queries and prints results', async () => {
    const r = await cli(port, ['-uu', '-ppw', '--skip-ssl', '-N', '-B', '-e', 'select * from t']);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      '1\talice\t10.50\t2024-01-02 03:04:05\ta1\n2\tbob\t0.00\t2024-01-03 00:00:00\tNULL\n3\tNULL\t-7.25\t2000-12-31 23:59:59\t\n',
    );
  });

  it.each(['10.11.6-MariaDB-vt', '5.5.5-10.11.6-MariaDB-vt'])(
    'works with a MariaDB server version string (%s)',
    async (v) => {
      const p = await start({ serverVersion: v });
      const r = await cli(p, ['-uu', '-ppw', '--skip-ssl', '-N', '-B', '-e', 'select 1']);
      expect(r.err).toBe('');
      expect(r.out).toBe('1\n');
    },
  );

  it('connects with --ssl', async () => {
    const r = await cli(tlsPort, [
      '-uu',
      '-ppw',
      '--ssl',
      '--skip-ssl-verify-server-cert',
      '-N',
      '-B',
      '-e',
      'select whoami',
    ]);
    expect(r.err).toBe('');
    expect(r.out.split('\t')[3]).toBe('true');
  });

  it('logs in with caching_sha2_password: full auth over TLS, then the fast path without TLS', async () => {
    const sha2Port = await start({
      authServer: AuthServerStatic.fromJson(fixtureUsers, 'caching_sha2_password'),
      tls: { cert: cert.cert, key: cert.key },
    });
    const full = await cli(sha2Port, [
      '-uu',
      '-ppw',
      '--ssl',
      '--skip-ssl-verify-server-cert',
      '-N',
      '-B',
      '-e',
      'select whoami',
    ]);
    expect(full.err).toBe('');
    expect(full.out.split('\t').slice(0, 4)).toEqual(['u', 'ud-u', 'NULL', 'true']);
    const fast = await cli(sha2Port, ['-uu', '-ppw', '--skip-ssl', '-N', '-B', '-e', 'select whoami']);
    expect(fast.err).toBe('');
    expect(fast.out.split('\t')[3]).toBe('false');
    const wrong = await cli(sha2Port, ['-uu', '-pnope', '--skip-ssl', '-e', 'select 1']);
    expect(wrong.err).toContain('ERROR 1045 (28000)');
  });

  it('reports a wrong password as 1045 (28000)', async () => {
    const r = await cli(port, ['-uu', '-pbad', '--skip-ssl', '-e', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("ERROR 1045 (28000): Access denied for user 'u'@'127.0.0.1' (using password: YES)");
  });

  it('reports handler errors with errno and SQLSTATE', async () => {
    const r = await cli(port, ['-uu', '-ppw', '--skip-ssl', '-e', 'error']);
    expect(r.err).toContain("ERROR 1146 (42S02) at line 1: Table 'db.nope' doesn't exist");
  });
});

describe('sysbench (libmariadb, C client)', () => {
  let port: number;
  beforeAll(async () => {
    port = await start();
  });

  async function sysbench(psMode: 'auto' | 'disable'): Promise<{ queries: number; errors: number }> {
    const { stdout } = await run(
      'sysbench',
      [
        'oltp_point_select',
        '--mysql-host=127.0.0.1',
        `--mysql-port=${port}`,
        '--mysql-user=u',
        '--mysql-password=pw',
        '--mysql-db=sbtest',
        '--tables=1',
        '--table-size=1000',
        '--threads=2',
        '--time=1',
        `--db-ps-mode=${psMode}`,
        'run',
      ],
      { timeout: 30_000 },
    );
    const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? NaN);
    return { queries: num(/queries:\s+(\d+)/), errors: num(/ignored errors:\s+(\d+)/) };
  }

  it('runs oltp_point_select with server-side prepared statements (binary protocol)', async () => {
    const r = await sysbench('auto');
    expect(r.errors).toBe(0);
    expect(r.queries).toBeGreaterThan(1000);
  });

  it('runs oltp_point_select with text queries', async () => {
    const r = await sysbench('disable');
    expect(r.errors).toBe(0);
    expect(r.queries).toBeGreaterThan(1000);
  });
});
