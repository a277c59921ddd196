// The README's first snippet, verbatim but for the import path: if this passes, the README runs.
import { expect, it } from 'vitest';
import { openObserver, startZooKeeper } from './index.js';

it('keeps the data when the leader of a 3-node ensemble dies', async () => {
  await using zk = await startZooKeeper({ servers: 3 });
  await using observer = await openObserver(zk.connectionString);
  await observer.create('/config', 'v1');

  await zk.kill(await zk.leader()); // SIGKILL; a new leader is elected among the other two
  const survivors = zk.servers.filter((s) => s.running).map((s) => s.address);
  await using survivor = await openObserver(survivors.join(','));
  expect((await survivor.getData('/config')).data?.toString()).toBe('v1');
}, 30_000);
