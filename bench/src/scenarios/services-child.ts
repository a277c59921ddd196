/**
 * Scenario 4's services trial, the child process: a client (zkit or direct) following the instances of one big
 * service, with each instance's data, so its memory and main thread are its own.
 *
 *   parent                                   this process
 *   ──────                                   ────────────
 *   creates N instances (HOST:PORT, JSON)    connect; load the service: every child's name and data
 *          ◀── loaded { times, memory } ──
 *          ── armData { name, seq } ─────▶   start the busy-time and byte counters
 *          ◀── armed ─────────────────────
 *   setData path/name {seq} ──▶ ZooKeeper ──▶ (watch) ──▶ callback sees the instance with that seq
 *          ◀── seen { atNs, busyUs, bytes } ─
 *          ── exit ──────────────────────▶   close, exit
 *
 * zkit: `zk.services(path)`, whose watch callback gets the changed instance (`change.updated`). Direct: what an
 * application keeps by hand for the same map: getChildren with a watch, getData with a watch on every child; a
 * data watch re-reads that child, a children watch re-reads the list and reads the children it did not know.
 */
import { performance } from 'node:perf_hooks';
import type { JsonObject, ZooKeeper } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import zookeeper from 'node-zookeeper-client';
import { BoundaryMeter } from '../boundary.js';
import type { ParentChannel } from '../child-ipc.js';
import { DirectClient, type Watcher } from '../direct.js';
import { memory, workerHeap } from '../memory.js';
import { runInFlight } from '../pool.js';
import { connectZkit } from '../zkit.js';
import { type LoadedClient, reportChangeSeen, runScaleChild } from './change-seen.js';
import type { ScaleChildConfig, ScaleFromChild, ScaleToChild } from './scale-protocol.js';

type Channel = ParentChannel<ScaleToChild, ScaleFromChild>;

/** What the callback must see: the instance `name` with `seq` in its data. */
interface Expectation {
  readonly name: string;
  readonly seq: number;
  readonly seen: () => void;
}

interface Loaded extends LoadedClient {
  expect(expectation: Expectation): void;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ScaleChildConfig;

await runScaleChild(() => (config.kind === 'zkit' ? loadZkit() : loadDirect()), changes);

/** Answers the parent's changes until it says exit. */
async function changes(parent: Channel, loaded: Loaded): Promise<void> {
  for (;;) {
    const message = await parent.receive(120_000);
    if (message.type === 'exit') return;
    if (message.type !== 'armData') throw new Error(`a services trial got ${message.type}`);
    await reportChangeSeen(
      parent,
      loaded,
      (seen) => loaded.expect({ name: message.name, seq: message.seq, seen }),
      `${message.name} to carry seq ${message.seq}`,
    );
  }
}

async function loadZkit(): Promise<Loaded> {
  const zk: ZooKeeper = await connectZkit(config.connectionString);
  const connectedMemory = memory();
  const meter = BoundaryMeter.attach(zk);
  let expectation: Expectation | undefined;
  meter.take();
  const start = performance.now();
  const services = await zk.services(config.path);
  const loadMs = performance.now() - start;
  if (services.size !== config.count) throw new Error(`zkit lists ${services.size} of ${config.count}`);
  services.watch((_view, change) => {
    const wanted = expectation;
    if (wanted === undefined) return;
    if (change.updated.some((i) => i.id === wanted.name && i.data.seq === wanted.seq)) {
      expectation = undefined;
      wanted.seen();
    }
  });
  const loadBytes = meter.take().bytes;
  return {
    connectedMemory,
    registerMs: null,
    workerHeap: () => workerHeap(zk),
    workerElu: (since) => workerThread(zk)?.performance.eventLoopUtilization(since) ?? null,
    loadMs,
    loadBytes,
    expect: (next) => (expectation = next),
    crossed: () => {
      const { bytes, messages } = meter.take();
      return { bytes, messages };
    },
    close: async () => {
      services.close();
      meter.detach();
      await zk.close();
    },
  };
}

/** An instance as the application keeps it: the address from the child's name, the data from its JSON. */
interface DirectInstance {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly data: JsonObject;
}

function parseInstance(id: string, data: Buffer | undefined): DirectInstance {
  const colon = id.lastIndexOf(':');
  return {
    id,
    address: id.slice(0, colon),
    port: Number(id.slice(colon + 1)),
    data: JSON.parse(data?.toString() || '{}') as JsonObject,
  };
}

async function loadDirect(): Promise<Loaded> {
  const direct = await DirectClient.connect(config.connectionString, 10_000);
  const connectedMemory = memory();
  const instances = new Map<string, DirectInstance>();
  let expectation: Expectation | undefined;
  const childOf = (path: string) => path.slice(config.path.length + 1);

  const read = async (id: string): Promise<void> => {
    try {
      const { data } = await direct.getData(`${config.path}/${id}`, dataWatcher);
      const instance = parseInstance(id, data);
      instances.set(id, instance);
      const wanted = expectation;
      if (wanted?.name === id && instance.data.seq === wanted.seq) {
        expectation = undefined;
        wanted.seen();
      }
    } catch {
      instances.delete(id); // deleted meanwhile: the children watch says so too
    }
  };
  // One watcher for every child: a data change re-reads that child alone; a deletion drops it.
  const dataWatcher: Watcher = (event) => {
    const id = childOf(event.getPath());
    if (event.getType() === zookeeper.Event.NODE_DELETED) instances.delete(id);
    else void read(id);
  };
  // A change of the list: read it again, and the data of the children not known yet.
  const childrenWatcher: Watcher = () => {
    void direct.getChildren(config.path, childrenWatcher).then((names) => {
      const listed = new Set(names);
      for (const id of instances.keys()) if (!listed.has(id)) instances.delete(id);
      for (const id of names) if (!instances.has(id)) void read(id);
    });
  };

  const start = performance.now();
  const names = await direct.getChildren(config.path, childrenWatcher);
  await runInFlight(names.length, config.inFlight, (i) => read(names[i]!));
  const loadMs = performance.now() - start;
  if (instances.size !== config.count) throw new Error(`direct lists ${instances.size} of ${config.count}`);
  return {
    connectedMemory,
    registerMs: null,
    workerHeap: async () => null,
    workerElu: () => null,
    loadMs,
    loadBytes: null,
    expect: (next) => (expectation = next),
    crossed: () => null,
    close: () => direct.close(),
  };
}
