import { connect, InvalidInputError, NodeError, SessionError, ZkError } from '@zkit/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { client, observer, root } from './support/harness.js';

const silent = pino({ level: 'silent' });

describe('bad input', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;

  const cases: [
    string,
    (zk: Awaited<ReturnType<typeof client>>, base: string) => Promise<unknown>,
    string,
  ][] = [
    ['a relative path', (zk) => zk.registerServer('services/x', ['h', 1]), 'INVALID_PATH'],
    ['a trailing slash', (zk, base) => zk.children(`${base}/`), 'INVALID_PATH'],
    ['an empty segment', (zk, base) => zk.properties(`${base}//x`), 'INVALID_PATH'],
    ['a dot segment', (zk, base) => zk.children(`${base}/../x`), 'INVALID_PATH'],
    ['a control character', (zk, base) => zk.children(`${base}/a\u0001`), 'INVALID_PATH'],
    ['a non-string path', (zk) => zk.children(42 as never), 'INVALID_PATH'],
    ['an empty host', (zk, base) => zk.registerServer(base, ['', 80]), 'INVALID_ADDRESS'],
    ['a host with a slash', (zk, base) => zk.registerServer(base, ['a/b', 80]), 'INVALID_ADDRESS'],
    ['port 0', (zk, base) => zk.registerServer(base, ['h', 0]), 'INVALID_ADDRESS'],
    ['port 65536', (zk, base) => zk.registerServer(base, ['h', 65536]), 'INVALID_ADDRESS'],
    ['a fractional port', (zk, base) => zk.registerServer(base, ['h', 80.5]), 'INVALID_ADDRESS'],
    ["a 'host' without port", (zk, base) => zk.registerServer(base, 'host'), 'INVALID_ADDRESS'],
    ['a 3-tuple', (zk, base) => zk.registerServer(base, ['h', 1, 2] as never), 'INVALID_ADDRESS'],
    ['array data', (zk, base) => zk.registerServer(base, ['h', 1], { data: [1] as never }), 'INVALID_DATA'],
    [
      'a function in data',
      (zk, base) => zk.registerServer(base, ['h', 1], { data: { f: () => 1 } as never }),
      'INVALID_DATA',
    ],
    [
      'a BigInt in data',
      (zk, base) => zk.registerServer(base, ['h', 1], { data: { n: 1n } as never }),
      'INVALID_DATA',
    ],
    [
      'a cycle in data',
      (zk, base) => zk.registerServer(base, ['h', 1], { data: cycle as never }),
      'INVALID_DATA',
    ],
    ['Infinity in data', (zk, base) => zk.ensure(base, { x: Number.POSITIVE_INFINITY }), 'INVALID_DATA'],
    ['2 MiB of data', (zk, base) => zk.ensure(base, { big: 'x'.repeat(2 << 20) }), 'DATA_TOO_LARGE'],
    ['a bad pid option', (zk, base) => zk.registerServer(base, ['h', 1], { pid: -1 }), 'INVALID_OPTION'],
    [
      'zc.zk-style data in place of the options',
      (zk, base) => zk.registerServer(base, ['h', 1], { role: 'web' } as never),
      'INVALID_OPTION',
    ],
    [
      'zc.zk-style data to registerProcess',
      (zk, base) => zk.registerProcess(base, 'p', { role: 'web' } as never),
      'INVALID_OPTION',
    ],
    ['deleting the root', (zk) => zk.delete('/'), 'INVALID_PATH'],
  ];

  it.each(cases)(
    'refuses %s with a coded InvalidInputError, sends nothing and carries on',
    async (_, act, code) => {
      const zk = await client();
      const obs = await observer();
      const base = root('bad');

      const attempt = act(zk, base);

      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ code });
      expect(await obs.exists(base)).toBeNull();
      await expect(zk.ensure(base)).resolves.toBe(true);
    },
  );

  it('refuses a too-large update merged in the worker, leaving the node as it was', async () => {
    const zk = await client({ maxDataBytes: 1000 });
    const path = root('bad-merge');
    await zk.ensure(path, { a: 'x'.repeat(600) });
    const props = await zk.properties(path);

    await expect(props.update({ b: 'y'.repeat(600) })).rejects.toMatchObject({ code: 'DATA_TOO_LARGE' });

    expect([...props.keys()]).toEqual(['a']);
  });

  it('keeps the class, code and path of errors raised in the worker', async () => {
    const zk = await client();
    const path = `${root('bad-worker')}/missing`;

    const error: unknown = await zk.properties(path).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NodeError);
    expect(error).toBeInstanceOf(ZkError);
    expect(error).toMatchObject({ code: 'NO_NODE', path, name: 'NodeError' });
  });

  it('refuses malformed options at connect() with INVALID_OPTION, starting nothing', async () => {
    await expect(connect('localhost', { logger: silent })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(connect('h:1/bad/', { logger: silent })).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(connect('h:1', { logger: silent, sessionTimeout: -1 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(
      connect('h:1', { logger: silent, auth: [{ scheme: 'digest', credentials: 5 as never }] }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('rejects with CONNECT_TIMEOUT and the last connection error when no server answers, and leaves no worker behind', async () => {
    const attempt = connect('127.0.0.1:1', { logger: silent, connectTimeout: 1500 });

    await expect(attempt).rejects.toBeInstanceOf(SessionError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    // Why: the library retries a refused connection silently; zkit keeps the reason for the error.
    await expect(attempt).rejects.toThrow(/last error: connect ECONNREFUSED 127\.0\.0\.1:1\)/);
  });
});
