import { connect, NodeError, type Properties } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client, observer, recorder, root, zkConnect } from './support/harness.js';

describe('properties', () => {
  it("follows zc.zk's README: read, watch, update merges, set replaces", async () => {
    const zk = await client();
    const obs = await observer();
    const service = `${root('props-readme')}/fooservice`;
    await obs.mkdirp(service);
    await obs.setData(service, '{"database":"/databases/foomain","threads":1,"favorite_color":"red"}');

    const data = await zk.properties(service);
    expect(data.get('database')).toBe('/databases/foomain');
    expect(data.get('threads')).toBe(1);

    const seen = recorder<Record<string, unknown>>();
    data.watch((view) => seen.push({ ...view.toJSON() }));
    expect(seen.calls).toEqual([{ database: '/databases/foomain', favorite_color: 'red', threads: 1 }]);

    await data.update({ threads: 2, secret: '123' });
    expect(seen.last()).toEqual({
      database: '/databases/foomain',
      favorite_color: 'red',
      threads: 2,
      secret: '123',
    });

    await data.set({ threads: 3, secret: '1234' });
    expect(seen.last()).toEqual({ threads: 3, secret: '1234' });
    expect(JSON.parse(String((await obs.getData(service)).data))).toEqual({ threads: 3, secret: '1234' });
  });

  it('is a read-only mapping: get, has, keys, values, entries, size, iteration, toJSON', async () => {
    const zk = await client();
    const path = root('props-mapping');
    await zk.ensure(path, { a: 1, b: { c: [1, 2] } });

    const props = await zk.properties(path);

    expect(props.size).toBe(2);
    expect(props.has('a') && !props.has('z')).toBe(true);
    expect(props.get('z')).toBeUndefined();
    expect([...props.keys()]).toEqual(['a', 'b']);
    expect([...props.values()]).toEqual([1, { c: [1, 2] }]);
    expect(Object.fromEntries(props)).toEqual({ a: 1, b: { c: [1, 2] } });
    expect(() => {
      (props.get('b') as { c: number[] }).c.push(3);
    }).toThrow(TypeError);
    expect(() => {
      (props.toJSON() as Record<string, unknown>).a = 2;
    }).toThrow(TypeError);
  });

  it("sees other sessions' writes", async () => {
    const zk = await client();
    const obs = await observer();
    const path = root('props-others');
    await obs.create(path, '{"threads":1}');
    const props = await zk.properties(path);

    await obs.setData(path, '{"threads":5}');

    await waitFor(() => props.get('threads') === 5);
  });

  it('reads empty data as {} and data that is not a JSON object as { string_value }, logging corrupt data', async () => {
    const { logger, records } = capturingLogger();
    const zk = await client({ logger });
    const obs = await observer();
    const base = root('props-shapes');
    await obs.create(base);
    await obs.create(`${base}/text`, 'hello world');
    await obs.create(`${base}/array`, '[1,2]');
    await obs.create(`${base}/truncated`, '{"a":');
    await obs.create(`${base}/binary`, Buffer.from([0xff, 0xfe, 0x41]));

    expect((await zk.properties(base)).toJSON()).toEqual({});
    expect((await zk.properties(`${base}/text`)).toJSON()).toEqual({ string_value: 'hello world' });
    expect((await zk.properties(`${base}/array`)).toJSON()).toEqual({ string_value: '[1,2]' });
    expect((await zk.properties(`${base}/truncated`)).toJSON()).toEqual({ string_value: '{"a":' });
    expect((await zk.properties(`${base}/binary`)).get('string_value')).toBe('\ufffd\ufffdA');
    const warned = records.filter((r) => r.level === 40 && r.msg === 'node data read as string_value');
    expect(warned.map((r) => [r.path, r.problem])).toEqual([
      [`${base}/text`, 'node data is not JSON'],
      [`${base}/truncated`, 'node data is not JSON'],
      [`${base}/binary`, 'node data is not valid UTF-8'],
    ]);
  });

  it('write resolves only once every view of the node in this client shows it and its callbacks ran', async () => {
    const zk = await client();
    const path = root('props-ryw');
    await zk.ensure(path, { n: 0 });
    const first = await zk.properties(path);
    const second = await zk.properties(path);
    const seen = recorder<unknown>();
    second.watch((view) => seen.push(view.get('n')));

    await first.update({ n: 1 });

    expect(second.get('n')).toBe(1);
    expect(seen.calls).toEqual([0, 1]);
  });

  it('empties and marks a view deleted with its node; later writes reject NO_NODE', async () => {
    const zk = await client();
    const obs = await observer();
    const path = root('props-deleted');
    await obs.create(path, '{"a":1}');
    const props = await zk.properties(path);
    const seen = recorder<boolean>();
    props.watch((view) => seen.push(view.deleted));

    await obs.remove(path);

    await waitFor(() => props.deleted);
    expect(props.size).toBe(0);
    expect(seen.calls).toEqual([false, true]);
    await expect(props.update({ a: 2 })).rejects.toBeInstanceOf(NodeError);
    await expect(props.set({ a: 2 })).rejects.toMatchObject({ code: 'NO_NODE' });
    expect(await obs.exists(path)).toBeNull();
  });

  it('rejects a view of a missing node with NO_NODE', async () => {
    const zk = await client();
    await expect(zk.properties(`${root('props-missing')}/x`)).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('loses no update when several clients update different keys of one node at once (compare-and-set)', async () => {
    const path = root('props-cas');
    const clients = await Promise.all([1, 2, 3, 4].map(() => client()));
    await clients[0]?.ensure(path);
    const views: Properties[] = await Promise.all(clients.map((zk) => zk.properties(path)));

    await Promise.all(
      views.flatMap((view, c) => Array.from({ length: 50 }, (_, i) => view.update({ [`c${c}-${i}`]: i }))),
    );

    const obs = await observer();
    const stored = JSON.parse(String((await obs.getData(path)).data));
    expect(Object.keys(stored)).toHaveLength(200);
    for (const view of views) await waitFor(() => view.size === 200);
  });

  it('refuses non-JSON values before sending, with INVALID_DATA, and loses nothing', async () => {
    const zk = await client();
    const path = root('props-bad');
    await zk.ensure(path, { keep: true });
    const props = await zk.properties(path);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    for (const bad of [
      cycle,
      { f: () => 1 },
      { n: 10n },
      { x: Number.NaN },
      { d: new Date() },
      [1],
      'text',
      null,
    ]) {
      await expect(props.update(bad as never)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    }
    expect(props.toJSON()).toEqual({ keep: true });
  });

  it("reaches another client's view of the same node", async () => {
    const path = root('props-two-clients');
    const a = await client();
    const b = await connect(zkConnect(), { logger: pino({ level: 'silent' }) });
    try {
      await a.ensure(path, { v: 1 });
      const pa = await a.properties(path);
      const pb = await b.properties(path);
      await pa.update({ v: 2 });
      await waitFor(() => pb.get('v') === 2);
    } finally {
      await b.close();
    }
  });
});
