/**
 * One scale trial's child process: a client (zkit or direct) with a big view, so its memory is its own and its
 * main thread does nothing but what is measured.
 *
 *   parent                                   this process
 *   ──────                                   ────────────
 *                                            connect; register N servers (64 in flight); load the view
 *          ◀── loaded { times, memory } ──
 *          ── arm { name, present } ─────▶   start the busy-time and byte counters
 *          ◀── armed ─────────────────────
 *   create/delete path/name ──▶ ZooKeeper ──▶ (watch) ──▶ callback sees it
 *          ◀── seen { atNs, busyUs, bytes } ─
 *          ── exit ──────────────────────▶   close, exit
 */
import { performance } from 'node:perf_hooks';
import type { Children, Properties, ZooKeeper } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import { BoundaryMeter } from '../boundary.js';
import type { ParentChannel } from '../child-ipc.js';
import { DirectClient } from '../direct.js';
import { memory, workerHeap } from '../memory.js';
import { runInFlight } from '../pool.js';
import { connectZkit } from '../zkit.js';
import { type LoadedClient, reportChangeSeen, runScaleChild } from './change-seen.js';
import type { ScaleChildConfig, ScaleFromChild, ScaleToChild } from './scale-protocol.js';

type Channel = ParentChannel<ScaleToChild, ScaleFromChild>;

/** A loaded client: how to learn that a watched child came or went, and how to stop. */
interface Loaded extends LoadedClient {
  /** Calls `seen` when the view's state says `name` is `present`. */
  expect(name: string, present: boolean, seen: () => void): void;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ScaleChildConfig;

await runScaleChild(() => (config.kind === 'zkit' ? loadZkit() : loadDirect()), changes);

/** Answers the parent's changes until it says exit. */
async function changes(parent: Channel, loaded: Loaded): Promise<void> {
  for (;;) {
    const message = await parent.receive(120_000);
    if (message.type === 'exit') return;
    if (message.type !== 'arm') throw new Error(`a ${config.mode} trial got ${message.type}`);
    await reportChangeSeen(
      parent,
      loaded,
      (seen) => loaded.expect(message.name, message.present, seen),
      `${message.name} to be ${message.present ? 'added' : 'removed'}`,
    );
  }
}

async function loadZkit(): Promise<Loaded> {
  const zk: ZooKeeper = await connectZkit(config.connectionString);
  const connectedMemory = memory();
  const meter = BoundaryMeter.attach(zk);
  let registerMs: number | null = null;
  let loadMs: number;
  let expectation: { name: string; present: boolean; seen: () => void } | undefined;
  const views: (Children | Properties)[] = [];
  if (config.mode === 'children') {
    registerMs = await runInFlight(config.count, config.inFlight, async (i) => {
      await zk.registerServer(config.path, ['127.0.0.1', i + 1]);
    });
    meter.take();
    const start = performance.now();
    const view = await zk.children(config.path);
    loadMs = performance.now() - start;
    view.watch((v) => {
      if (expectation && v.has(expectation.name) === expectation.present) {
        const { seen } = expectation;
        expectation = undefined;
        seen();
      }
    });
    views.push(view);
  } else {
    meter.take();
    const start = performance.now();
    await runInFlight(config.count, config.inFlight, async (i) => {
      views.push(await zk.properties(`${config.path}/p${i}`));
    });
    loadMs = performance.now() - start;
  }
  const loadBytes = meter.take().bytes;
  return {
    connectedMemory,
    workerHeap: () => workerHeap(zk),
    workerElu: (since) => workerThread(zk)?.performance.eventLoopUtilization(since) ?? null,
    registerMs,
    loadMs,
    loadBytes,
    expect: (name, present, seen) => (expectation = { name, present, seen }),
    crossed: () => {
      const { bytes, messages } = meter.take();
      return { bytes, messages };
    },
    close: async () => {
      for (const view of views) view.close();
      meter.detach();
      await zk.close();
    },
  };
}

async function loadDirect(): Promise<Loaded> {
  const direct = await DirectClient.connect(config.connectionString, 10_000);
  const connectedMemory = memory();
  let registerMs: number | null = null;
  let loadMs: number;
  let expectation: { name: string; present: boolean; seen: () => void } | undefined;
  const properties = new Map<string, unknown>();
  if (config.mode === 'children') {
    const data = Buffer.from(JSON.stringify({ pid: process.pid }));
    registerMs = await runInFlight(config.count, config.inFlight, (i) =>
      direct.createEphemeral(`${config.path}/127.0.0.1:${i + 1}`, data),
    );
    // What an application keeps to use a live list: the names, and a watcher that re-reads and diffs them.
    let names = new Set<string>();
    const watcher = (): void => {
      void direct.getChildren(config.path, watcher).then((list) => {
        const next = new Set(list);
        const added = list.filter((name) => !names.has(name));
        const removed = [...names].filter((name) => !next.has(name));
        names = next;
        if (
          added.length + removed.length > 0 &&
          expectation &&
          names.has(expectation.name) === expectation.present
        ) {
          const { seen } = expectation;
          expectation = undefined;
          seen();
        }
      });
    };
    const start = performance.now();
    names = new Set(await direct.getChildren(config.path, watcher));
    loadMs = performance.now() - start;
  } else {
    // One watcher for every node, as an application would write it: re-read whichever node changed.
    const watcher = (event: { getPath(): string }): void => {
      void direct.getData(event.getPath(), watcher).then(({ data }) => {
        properties.set(event.getPath(), JSON.parse(data?.toString() || '{}'));
      });
    };
    const start = performance.now();
    await runInFlight(config.count, config.inFlight, async (i) => {
      const path = `${config.path}/p${i}`;
      const { data } = await direct.getData(path, watcher);
      properties.set(path, JSON.parse(data?.toString() || '{}'));
    });
    loadMs = performance.now() - start;
  }
  return {
    connectedMemory,
    workerHeap: async () => null,
    workerElu: () => null,
    registerMs,
    loadMs,
    loadBytes: null,
    expect: (name, present, seen) => (expectation = { name, present, seen }),
    crossed: () => null,
    close: () => direct.close(),
  };
}
