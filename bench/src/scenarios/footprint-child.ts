/**
 * One footprint trial's child process: a process that holds one client with one session, one registration and one
 * view, as a service would, and nothing else. Every kind loads pino (zkit's logger; a service has one anyway).
 *
 *   zkit    connect() ── registerServer ── children view
 *   floor   new Worker(bare source: node-zookeeper-client) ── create ephemeral ── getChildren + watch, by postMessage
 *   direct  createClient + connect ── create ephemeral ── getChildren + watch
 *
 * then a settling pause, a full GC of the main thread, and the process's RSS.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { ParentChannel } from '../child-ipc.js';
import { DirectClient } from '../direct.js';
import { memory } from '../memory.js';
import { sleep, within } from '../pool.js';
import { connectZkit } from '../zkit.js';
import type { FootprintChildConfig, FootprintFromChild, FootprintToChild } from './footprint-protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as FootprintChildConfig;
/** Lets the worker's start-up garbage and the first reads settle, alike for every kind. */
const SETTLE_MS = 500;
const clientModule = createRequire(import.meta.url).resolve('node-zookeeper-client');

/** The floor's worker: node-zookeeper-client and raw postMessage, no zkit code, no comlink. */
const FLOOR_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zookeeper = require(${JSON.stringify(clientModule)});
const client = zookeeper.createClient(${JSON.stringify(config.connectionString)});
client.once('connected', () => parentPort.postMessage('connected'));
client.connect();
parentPort.on('message', ({ path, node }) => {
  const acl = [new zookeeper.ACL(zookeeper.Permission.READ, zookeeper.Id.ANYONE_ID_UNSAFE)];
  client.create(node, Buffer.from('{}'), acl, zookeeper.CreateMode.EPHEMERAL, (error) => {
    if (error) throw error;
    client.getChildren(path, () => {}, (error, names) => {
      if (error) throw error;
      parentPort.postMessage(names.length);
    });
  });
});`;

async function holdZkit(_node: string): Promise<number> {
  const start = performance.now();
  const zk = await connectZkit(config.connectionString);
  const startupMs = performance.now() - start;
  await zk.registerServer(config.path, ['127.0.0.1', config.port]);
  await zk.children(config.path);
  return startupMs;
}

async function holdFloor(node: string): Promise<number> {
  const start = performance.now();
  const worker = new Worker(FLOOR_SOURCE, { eval: true });
  await within(once(worker, 'message'), 30_000, 'the bare worker to connect');
  const startupMs = performance.now() - start;
  worker.postMessage({ path: config.path, node });
  await within(once(worker, 'message'), 30_000, 'the bare worker to register and read');
  return startupMs;
}

async function holdDirect(node: string): Promise<number> {
  const start = performance.now();
  const direct = await DirectClient.connect(config.connectionString, 10_000);
  const startupMs = performance.now() - start;
  await direct.createEphemeral(node, Buffer.from('{}'));
  await direct.getChildren(config.path, () => {});
  return startupMs;
}

const HOLDERS: Record<FootprintChildConfig['kind'], (node: string) => Promise<number>> = {
  zkit: holdZkit,
  floor: holdFloor,
  direct: holdDirect,
};

await ParentChannel.run<FootprintToChild, FootprintFromChild>(async (parent) => {
  // Every kind's process has pino loaded and a logger made; zkit's gets it through connectZkit.
  const log = pino({ level: 'silent' });
  log.info('footprint trial');
  const startupMs = await HOLDERS[config.kind](`${config.path}/127.0.0.1:${config.port}`);
  await sleep(SETTLE_MS);
  const { rss } = memory();
  await parent.send({ type: 'measured', startupMs, rss });
});
