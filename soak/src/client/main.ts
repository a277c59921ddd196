/**
 * One soak client process: a zkit client (from the packages' dist) that registers, holds views, writes its
 * counter, and answers the soak's requests. Started by the soak with its ClientConfig as the one argument.
 */
import { connect, type ZooKeeper } from '@zkit/client';
import { pino } from 'pino';
import { WORKER_REPLACE_TIMEOUT_MS } from '../config.js';
import { identity, JOBS, WEB } from '../paths.js';
import { Prng } from '../prng.js';
import type { ClientConfig, Request } from '../protocol.js';
import { onRequest, release, send } from './channel.js';
import { busyLoop, terminateWorker } from './faults.js';
import { ViewSet } from './views.js';
import { CounterWriter } from './writer.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ClientConfig;

// Anything thrown outside a request is a crash the soak must hear of: it counts crashed processes.
process.on('uncaughtException', (error) => void die(error));
process.on('unhandledRejection', (error) => void die(error));

const id = identity(config.gen);
const { zk, views, writer } = await start().catch(die);
onRequest((request) => {
  handle(request).catch(die);
});
await send({ type: 'ready', state: zk.state, sessionId: zk.sessionId });
writer.start();
views.startTransient();

/** Connects, registers in both services, opens the views: what a service does when it starts. */
async function start(): Promise<{ zk: ZooKeeper; views: ViewSet; writer: CounterWriter }> {
  const client = await connect(config.connectionString, {
    sessionTimeout: config.sessionTimeout,
    stallTimeout: config.stallTimeout,
    logger: pino({ level: config.logLevel, base: { gen: config.gen } }),
  });
  client.onState((state) => void send({ type: 'state', state, sessionId: client.sessionId, at: Date.now() }));
  await client.registerServer(WEB, ['127.0.0.1', id.port], { data: { gen: id.gen } });
  await client.registerProcess(JOBS, id.jobName, { data: { gen: id.gen } });
  const viewSet = new ViewSet(client, new Prng(config.seed), config.transientViewMs, config.transientViews);
  await viewSet.open();
  return {
    zk: client,
    views: viewSet,
    writer: new CounterWriter(viewSet.config, id.key, config.writeInterval),
  };
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'report':
      await send({
        type: 'report',
        id: request.id,
        state: zk.state,
        sessionId: zk.sessionId,
        views: views.report(),
      });
      return;
    case 'pause':
      views.pause();
      await writer.pause();
      await send({ type: 'paused', id: request.id });
      return;
    case 'resume':
      views.resume();
      writer.resume();
      await send({ type: 'resumed', id: request.id });
      return;
    case 'stall': {
      // Sent before the thread blocks: the soak knows the stall began, and when it ended.
      await send({ type: 'stalling', id: request.id });
      const started = performance.now();
      busyLoop(request.ms);
      await send({ type: 'stall-ended', id: request.id, ms: Math.round(performance.now() - started) });
      return;
    }
    case 'terminate-worker': {
      const error = await terminateWorker(zk, WORKER_REPLACE_TIMEOUT_MS);
      await send({ type: 'worker-replaced', id: request.id, ...(error === undefined ? {} : { error }) });
      return;
    }
    case 'diagnose': {
      const json = await zk.diagnostics().then(
        (diagnostics) => JSON.stringify(diagnostics),
        (error: unknown) =>
          JSON.stringify({ failed: error instanceof Error ? error.message : String(error) }),
      );
      await send({ type: 'diagnostics', id: request.id, json });
      return;
    }
    case 'close': {
      await writer.stop();
      views.close();
      const started = performance.now();
      let error: string | undefined;
      try {
        await zk.close();
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      const ms = Math.round(performance.now() - started);
      await send({ type: 'closed', id: request.id, ms, ...(error === undefined ? {} : { error }) });
      // From here on nothing of the soak's holds the process: it must end by itself (the soak times it).
      release();
      return;
    }
    default:
      request satisfies never;
  }
}

async function die(error: unknown): Promise<never> {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  await send({ type: 'fatal', message });
  process.exit(1);
}
