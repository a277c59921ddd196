import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScript, zooKeeperCommandLines } from './test-support/processes.js';
import { waitFor } from './wait-for.js';

/*
 * Each scenario runs a real Node process that uses the package, with its own TMPDIR, then checks from the
 * outside that no ZooKeeper process names that TMPDIR and no temp dir is left in it.
 */
let tmp = '';

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function freshTmp(): string {
  tmp = mkdtempSync(join(tmpdir(), 'zkit-cleanup-test-'));
  return tmp;
}

const serversUsing = (dir: string): number =>
  zooKeeperCommandLines().filter((args) => args.join(' ').includes(dir)).length;
const leftovers = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('zkit-'));

describe('cleanup', { timeout: 60_000 }, () => {
  it('lets the process exit after stop() and close(): nothing keeps it alive', async () => {
    const dir = freshTmp();
    const script = runScript(
      `import { startZooKeeper } from 'SRC/start.ts';
       import { openObserver } from 'SRC/observer.ts';
       const zk = await startZooKeeper({ provider: 'local' });
       const observer = await openObserver(zk.connectionString);
       await observer.create('/x');
       await observer.close();
       await zk.stop();
       console.log(JSON.stringify({ stopped: true }));`,
      { TMPDIR: dir },
    );
    expect(await script.firstLine).toEqual({ stopped: true });
    expect(await bounded(script.exited, 10_000)).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });

  it('lets the process exit after closing an observer whose server is already gone', async () => {
    const dir = freshTmp();
    const script = runScript(
      `import { startZooKeeper } from 'SRC/start.ts';
       import { openObserver } from 'SRC/observer.ts';
       const zk = await startZooKeeper({ provider: 'local' });
       const observer = await openObserver(zk.connectionString);
       await zk.stop();
       await observer.close();
       console.log(JSON.stringify({ closed: true }));`,
      { TMPDIR: dir },
    );
    expect(await script.firstLine).toEqual({ closed: true });
    // A client that kept reconnecting would hold the process open forever.
    expect(await bounded(script.exited, 10_000)).toBe(0);
  });

  it('kills the servers and removes their dirs when the process exits without stop()', async () => {
    const dir = freshTmp();
    const script = runScript(
      `import { startZooKeeper } from 'SRC/start.ts';
       const zk = await startZooKeeper({ provider: 'local', servers: 3 });
       console.log(JSON.stringify({ servers: zk.servers.length }));`,
      { TMPDIR: dir },
    );
    expect(await script.firstLine).toEqual({ servers: 3 });
    // The un-stopped handle does not keep the process alive; its exit handler SIGKILLs the servers.
    expect(await bounded(script.exited, 10_000)).toBe(0);
    expect(serversUsing(dir)).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });

  it('still cleans up when the process is SIGKILLed (the reaper process does it)', async () => {
    const dir = freshTmp();
    const script = runScript(
      `import { startZooKeeper } from 'SRC/start.ts';
       const zk = await startZooKeeper({ provider: 'local' });
       console.log(JSON.stringify({ port: zk.servers[0].port }));
       setInterval(() => {}, 1000);`,
      { TMPDIR: dir },
    );
    await script.firstLine;
    expect(serversUsing(dir)).toBe(1);
    expect(leftovers(dir)).toHaveLength(1);
    script.child.kill('SIGKILL');
    expect(await bounded(script.exited, 10_000)).toBe('SIGKILL');
    await waitFor(() => serversUsing(dir) === 0 && leftovers(dir).length === 0, {
      timeout: 10_000,
      message: 'the reaper to kill the server and remove its dir',
    });
  });

  it('removes the certificates and the JAAS file of a secure server too when the process is SIGKILLed', async () => {
    const dir = freshTmp();
    const script = runScript(
      `import { startZooKeeper } from 'SRC/start.ts';
       const zk = await startZooKeeper({ provider: 'local', tls: true, sasl: { users: { a: 'b' } } });
       console.log(JSON.stringify({ certificates: zk.tls.dir }));
       setInterval(() => {}, 1000);`,
      { TMPDIR: dir },
    );
    await script.firstLine;
    expect(
      leftovers(dir)
        .map((name) => name.replace(/-.{6}$/, ''))
        .sort(),
    ).toEqual(['zkit-tls', 'zkit-zk']);
    script.child.kill('SIGKILL');
    expect(await bounded(script.exited, 10_000)).toBe('SIGKILL');
    await waitFor(() => serversUsing(dir) === 0 && leftovers(dir).length === 0, {
      timeout: 10_000,
      message: 'the reaper to kill the server and remove its dir and the certificates',
    });
  });
});

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  return waitForValue(promise, ms);
}

async function waitForValue<T>(promise: Promise<T>, ms: number): Promise<T> {
  let settled: { value: T } | undefined;
  void promise.then((value) => {
    settled = { value };
  });
  const done = await waitFor(() => settled, { timeout: ms, message: 'the process to exit' });
  return done.value;
}
