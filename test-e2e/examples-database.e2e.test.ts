import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { http } from './fixtures/examples/http.js';
import { chroot, type ExampleProcess, startExample, writeConfig } from './fixtures/examples/processes.js';

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zkit-db-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function provider(name: string, connectionString: string, file?: string): Promise<ExampleProcess> {
  const args = ['--name', name, '--session-timeout', '2000', ...(file ? ['--data', file] : [])];
  return startExample('database-server.js', args, connectionString);
}

/** Waits until the service reports `expected` as its provider; resolves with its next /db answer. */
async function untilProvider(service: ExampleProcess, expected: ExampleProcess) {
  await waitFor(async () => (await http(`${service.url}status`)).body.provider === expected.address, {
    message: `the service to use ${expected.address}`,
  });
  return (await http(`${service.url}db`)).body;
}

describe('database-server and database-client examples (ZODB-style wiring)', () => {
  it('registers a provider and serves the database named in the service properties', async () => {
    const { connectionString, observer } = await chroot('db-basic');
    await writeConfig(observer, { database: '/databases/foomain' });
    const db = await provider('foomain', connectionString);
    const service = await startExample('http-service.js', [], connectionString);

    const { data } = await observer.getData(`/databases/foomain/providers/${db.address}`);
    expect(JSON.parse(String(data))).toEqual({ database: 'foomain', pid: db.pid });
    expect(await untilProvider(service, db)).toMatchObject({ database: '/databases/foomain', hits: 1 });
    expect((await http(`${service.url}db`)).body.hits).toBe(2);
  });

  it('switches provider when the database moves, and the data moves with it', async () => {
    const { connectionString, observer } = await chroot('db-move');
    const file = join(await dataDir(), 'foomain.json');
    await writeConfig(observer, { database: '/databases/foomain' });
    const first = await provider('foomain', connectionString, file);
    const service = await startExample('http-service.js', [], connectionString);
    expect((await untilProvider(service, first)).hits).toBe(1);

    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const second = await provider('foomain', connectionString, file);

    expect(await untilProvider(service, second)).toMatchObject({ provider: second.address, hits: 2 });
  });

  it('switches to another live provider at once when the one in use is killed', async () => {
    const { connectionString, observer } = await chroot('db-kill');
    await writeConfig(observer, { database: '/databases/foomain' });
    const [one, two] = [
      await provider('foomain', connectionString),
      await provider('foomain', connectionString),
    ];
    const service = await startExample('http-service.js', [], connectionString);
    const inUse = await waitFor(async () => (await http(`${service.url}status`)).body.provider);
    const [killed, other] = inUse === one.address ? [one, two] : [two, one];

    killed.signal('SIGKILL');

    // The connection drops at once; the killed provider's node is still listed until its session expires.
    await untilProvider(service, other);
    expect(await observer.getChildren('/databases/foomain/providers')).toContain(killed.address);
  });

  it('moves to another database when `database` changes in the service properties', async () => {
    const { connectionString, observer } = await chroot('db-switch');
    await writeConfig(observer, { database: '/databases/foomain' });
    const main = await provider('foomain', connectionString);
    const other = await provider('fooother', connectionString);
    const service = await startExample('http-service.js', [], connectionString);
    await untilProvider(service, main);
    await http(`${service.url}db`);

    await writeConfig(observer, { database: '/databases/fooother' });

    expect(await untilProvider(service, other)).toMatchObject({ database: '/databases/fooother', hits: 1 });
  });

  it('answers 503 NO_PROVIDER, after a bounded wait, while its database has no provider', async () => {
    const { connectionString, observer } = await chroot('db-none');
    await writeConfig(observer, { database: '/databases/nowhere' });
    const service = await startExample('http-service.js', [], connectionString);

    const { status, body } = await http(`${service.url}db`);

    expect([status, body.error]).toEqual([503, 'NO_PROVIDER']);
  });
});
