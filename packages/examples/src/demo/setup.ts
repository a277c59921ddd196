import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ZooKeeper } from '@zkit/client';
import { openObserver, startZooKeeper, type ZooKeeperHandle } from '@zkit/testing';
import { pino } from 'pino';
import { DATABASES, type Demo, INITIAL_CONFIG, SERVERS, SERVICE } from './context.js';
import { Fleet } from './fleet.js';
import { type Printer, seconds } from './terminal.js';

/**
 * The embedded local ZooKeeper, or with ZK_CONNECT the given one: @zkit/testing then works in a fresh chroot
 * of its own, removed by stop(), so the demo never touches anything else there.
 */
export async function startOrBorrowZooKeeper(out: Printer): Promise<ZooKeeperHandle> {
  const started = Date.now();
  const zookeeper = await startZooKeeper();
  const where =
    zookeeper.provider === 'env'
      ? `ZK_CONNECT, in a fresh chroot removed at the end: ${zookeeper.connectionString}`
      : `${zookeeper.connectionString}, a local server started in ${seconds(Date.now() - started)}`;
  out.line(`ZooKeeper  ${where}`);
  return zookeeper;
}

/** Writes the example configuration (zc.zk's /fooservice) and opens what the scenes watch. */
export async function setUp(out: Printer, connectionString: string, sessionTimeout: number): Promise<Demo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'zkit-demo-'));
  out.line(`Logs       ${dataDir}/*.log (one JSON log per process)`);
  const logger = pino({ name: 'demo' }, pino.destination({ dest: join(dataDir, 'demo.log'), sync: true }));
  const zk: ZooKeeper = await connect(connectionString, { logger });
  await zk.ensure(SERVICE, INITIAL_CONFIG);
  const config = await zk.properties(SERVICE);
  await config.set(INITIAL_CONFIG); // the node may have existed already, with other settings
  await zk.ensure(SERVERS);
  for (const database of DATABASES) await zk.ensure(`/databases/${database}/providers`);
  out.line(`Config     ${SERVICE} = ${JSON.stringify(config.toJSON())}`);
  return {
    out,
    zk,
    config,
    servers: await zk.services(SERVERS),
    observer: await openObserver(connectionString),
    fleet: new Fleet(dataDir, { ...process.env, ZK_CONNECT: connectionString, LOG_LEVEL: 'info' }),
    dataDir,
    sessionTimeout,
    services: new Map(),
    providers: new Map(),
    names: new Map(),
  };
}
