/**
 * The zkit demo (`npm run demo`): HTTP services behind a live load balancer, with ZODB-style database wiring,
 * all coordinated through ZooKeeper, and what happens when things fail. Prints a readable story; exits 0 when
 * every claim it makes held (no request through the balancer failed).
 *
 *   node packages/examples/dist/demo.js [--keep]       (ZK_CONNECT=host:port uses an existing ZooKeeper)
 */
import { rm } from 'node:fs/promises';
import type { Subscription } from '@zkit/client';
import type { ZooKeeperHandle } from '@zkit/testing';
import { balancerOf, DATABASES, type Demo } from './demo/context.js';
import { printRemovals } from './demo/registrations.js';
import { databaseMoves } from './demo/scenes/database.js';
import { gracefulStop, killNine, newServer, stall } from './demo/scenes/failures.js';
import { liveConfig, printRouting, roundRobin } from './demo/scenes/routing.js';
import { startUp } from './demo/scenes/start-up.js';
import { fleetTree } from './demo/scenes/tree.js';
import { setUp, startOrBorrowZooKeeper } from './demo/setup.js';
import { Printer, seconds } from './demo/terminal.js';
import { parseOptions, UsageError } from './shared/args.js';

const USAGE = 'usage: demo [--keep]   --keep leaves everything running until Ctrl-C';
/** The HTTP services' session timeout: short, so a killed one's node goes quickly. */
const SESSION_TIMEOUT_MS = 2500;
/** The demo's promise: done in under a minute, whatever happens. */
const WATCHDOG_MS = 55_000;

class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly code = 'INTERRUPTED';
}

const out = new Printer();
const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

async function scenes(demo: Demo): Promise<void> {
  await startUp(demo);
  await roundRobin(demo);
  await liveConfig(demo);
  const { traffic } = balancerOf(demo);
  traffic.start();
  out.live(() => {
    const { ok, failed, perBackend } = traffic.total;
    const routes = [...perBackend].map(
      ([address, count]) => `${demo.names.get(address) ?? address} ${count}`,
    );
    return `        traffic: ${ok} ok, ${failed} failed  │  ${routes.join('  ')}`;
  });
  await killNine(demo);
  await newServer(demo);
  await gracefulStop(demo);
  await stall(demo);
  await traffic.stop();
  out.clearLive();
  await databaseMoves(demo);
  await fleetTree(demo);
}

/** The exit code: 0 when the story ran and every claim held, 130 when interrupted, 1 otherwise. */
async function main(keep: boolean): Promise<number> {
  out.line(out.paint('bold', 'zkit demo: HTTP services behind a live load balancer, ZODB-style databases'));
  let zookeeper: ZooKeeperHandle | undefined;
  let demo: Demo | undefined;
  let succeeded = false;
  let interrupted = false;
  const watchers: Subscription[] = [];
  const watchdog = setTimeout(() => {
    out.line(out.paint('red', `the demo took over ${seconds(WATCHDOG_MS)}: stopping`));
    process.kill(process.pid, 'SIGTERM');
  }, WATCHDOG_MS);
  try {
    zookeeper = await startOrBorrowZooKeeper(out);
    demo = await setUp(out, zookeeper.connectionString, SESSION_TIMEOUT_MS);
    watchers.push(printRemovals(demo, demo.servers, 'server'));
    for (const database of DATABASES) {
      watchers.push(
        printRemovals(demo, await demo.zk.services(`/databases/${database}/providers`), 'provider'),
      );
    }
    const story = scenes(demo);
    story.catch(() => {}); // when interrupted, the story is abandoned mid-scene
    await Promise.race([
      story,
      stopRequested.then((signal) => {
        throw new Interrupted(`interrupted by ${signal}`);
      }),
    ]);
    const { total } = balancerOf(demo).traffic;
    out.heading(`Done: ${total.ok + total.failed} requests through the load balancer`);
    printRouting(demo, total);
    succeeded = total.failed === 0;
    if (keep) {
      clearTimeout(watchdog);
      await keepRunning(demo);
    }
  } catch (error) {
    out.clearLive();
    interrupted = error instanceof Interrupted;
    const message = error instanceof Error ? error.message : String(error);
    out.line(out.paint(interrupted ? 'yellow' : 'red', `demo stopped: ${message}`));
  } finally {
    clearTimeout(watchdog);
    for (const stop of watchers) stop(); // the processes stopped below are not news
    await cleanUp(demo, zookeeper, !succeeded && !interrupted);
  }
  return succeeded ? 0 : interrupted ? 130 : 1;
}

async function keepRunning(demo: Demo): Promise<void> {
  const { url } = balancerOf(demo);
  out.heading('Left running: try these, then Ctrl-C to stop everything');
  out.detail(`curl ${url}            curl ${url}_status            curl ${url}db`);
  out.detail(`ZK_CONNECT=${demo.fleet.env.ZK_CONNECT} node packages/examples/dist/http-service.js`);
  await stopRequested;
}

async function cleanUp(demo: Demo | undefined, zookeeper: ZooKeeperHandle | undefined, keepLogs: boolean) {
  out.clearLive();
  const started = Date.now();
  await demo?.balancer?.traffic.stop();
  await demo?.fleet.stopAll();
  await demo?.observer.close();
  await demo?.zk.close();
  await zookeeper?.stop();
  // Logs are kept only when something went wrong, to be read.
  if (demo !== undefined && keepLogs) out.line(`logs kept in ${demo.dataDir}`);
  else if (demo !== undefined) await rm(demo.dataDir, { recursive: true, force: true });
  out.event(
    `stopped every process${zookeeper?.provider === 'env' ? '' : ' and ZooKeeper'} in ${Date.now() - started} ms`,
  );
}

function parseKeep(): boolean {
  try {
    const options = parseOptions({
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    });
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    return options.keep;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

main(parseKeep()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
