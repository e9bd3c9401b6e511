import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';
import { defineService, serverStream, unary, type ServiceClient } from './service.js';

interface ExecuteRequest {
  readonly sql: string;
  readonly bindVars: Readonly<Record<string, string | bigint | Buffer | null>>;
}
interface ExecuteResponse {
  readonly rowsAffected: bigint;
  readonly rows: readonly (readonly (string | Buffer | null)[])[];
}
interface Chunk {
  readonly seq: number;
}

const QueryService = defineService('queryservice', {
  Execute: unary<ExecuteRequest, ExecuteResponse>(),
  StreamExecute: serverStream<ExecuteRequest, Chunk>(),
  Commit: unary<{ transactionId: bigint }, void>(),
});

describe('defineService', () => {
  const server = new RpcServer(testEnv());
  let rpc: RpcClient;
  let qs: ServiceClient<typeof QueryService.methods>;
  const committed: bigint[] = [];

  beforeAll(async () => {
    QueryService.bindServer(server, {
      Execute: (req) => ({ rowsAffected: 1n, rows: [[req.sql, null, Buffer.from('b')]] }),
      async *StreamExecute(req) {
        for (let seq = 0; seq < Number(req.bindVars['n']); seq++) yield { seq };
      },
      Commit: async ({ transactionId }) => {
        if (transactionId === 0n) throw new VtError('FAILED_PRECONDITION', 'not in a transaction');
        committed.push(transactionId);
      },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    rpc = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    qs = QueryService.client(rpc);
  });

  afterAll(async () => {
    rpc.close();
    await server.close();
  });

  it('calls unary methods with their types', async () => {
    const res = await qs.Execute({ sql: 'select 1', bindVars: {} });
    expectTypeOf(res).toEqualTypeOf<ExecuteResponse>();
    expect(res).toEqual({ rowsAffected: 1n, rows: [['select 1', null, Buffer.from('b')]] });
    await expect(qs.Commit({ transactionId: 7n })).resolves.toBeUndefined();
    expect(committed).toEqual([7n]);
    await expect(qs.Commit({ transactionId: 0n })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it('streams with their types', async () => {
    const seqs: number[] = [];
    for await (const c of qs.StreamExecute({ sql: 'select', bindVars: { n: '5' } })) {
      expectTypeOf(c).toEqualTypeOf<Chunk>();
      seqs.push(c.seq);
    }
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
  });

  it('uses "<service>.<Method>" wire names, callable untyped', async () => {
    await expect(rpc.call('queryservice.Execute', { sql: 'x', bindVars: {} })).resolves.toMatchObject({
      rowsAffected: 1n,
    });
  });

  it('refuses to bind a service twice', () => {
    expect(() =>
      QueryService.bindServer(server, {
        Execute: () => ({ rowsAffected: 0n, rows: [] }),
        StreamExecute: async function* () {},
        Commit: () => undefined,
      }),
    ).toThrow(/already registered/);
  });
});
