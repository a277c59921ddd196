/**
 * One stall trial's child process: a client (zkit or direct) holds registrations, then its main thread is
 * blocked for the asked time. The parent watches the registrations from an independent session.
 *
 *   parent                                    this process
 *   ──────                                    ────────────
 *          ◀── ready { sessionId, names } ─── connect, register N servers
 *          ── stall ─────────────────────────▶ main thread blocked (Atomics.wait) for stallMs
 *          ◀── resumed { blockedMs } ──────── (zkit's worker thread ran all along; the direct client did not)
 *          ◀── settled { expiries, ... } ──── after settleMs of normal running
 *          ── exit ──────────────────────────▶ close, exit
 */
import type { ZooKeeper } from '@zkit/client';
import { ParentChannel } from '../child-ipc.js';
import { DirectClient } from '../direct.js';
import { sleep } from '../pool.js';
import { connectZkit } from '../zkit.js';
import type { StallChildConfig, StallFromChild, StallToChild } from './stall-protocol.js';

interface Held {
  readonly sessionId: string;
  readonly names: readonly string[];
  readonly states: string[];
  expiries: number;
  /** Registrations the client itself believes are in place (zkit's diagnostics), null when it cannot tell. */
  present(): Promise<number | null>;
  close(): Promise<void>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as StallChildConfig;
const names = Array.from({ length: config.registrations }, (_, i) => `127.0.0.1:${i + 1}`);

await ParentChannel.run<StallToChild, StallFromChild>(async (parent) => {
  const held = config.kind === 'zkit' ? await holdWithZkit() : await holdDirect();
  await parent.send({ type: 'ready', sessionId: held.sessionId, names });
  await parent.next('stall', 120_000);
  const blockedMs = block(config.stallMs);
  await parent.send({ type: 'resumed', blockedMs });
  await sleep(config.settleMs);
  await parent.send({
    type: 'settled',
    expiries: held.expiries,
    states: held.states,
    present: await held.present(),
  });
  await parent.next('exit', 120_000);
  await held.close();
});

/**
 * Blocks this thread the way synchronous I/O does: the event loop does not turn. Atomics.wait rather than a busy
 * loop, because on a 2-core machine two spinning trials would starve ZooKeeper and zkit's worker of CPU, and the
 * comparison would then be about cores, not about where the session lives.
 */
function block(ms: number): number {
  const start = performance.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return performance.now() - start;
}

async function holdWithZkit(): Promise<Held> {
  // stallTimeout stays at its default (60 s), longer than any stall here: a stall past it withdraws the
  // registrations on purpose (a wedged process should get no traffic), which is not what this trial measures.
  const zk: ZooKeeper = await connectZkit(config.connectionString, { sessionTimeout: config.sessionTimeout });
  const held: Held = {
    sessionId: zk.sessionId ?? '',
    names,
    states: [],
    expiries: 0,
    present: async () => (await zk.diagnostics()).registrations.filter((r) => r.present).length,
    close: () => zk.close(),
  };
  zk.onState((state) => {
    held.states.push(state);
    if (state === 'expired') held.expiries++;
  });
  for (const name of names) {
    const port = Number(name.split(':')[1]);
    await zk.registerServer(config.parent, ['127.0.0.1', port]);
  }
  return held;
}

async function holdDirect(): Promise<Held> {
  const direct = await DirectClient.connect(config.connectionString, config.sessionTimeout);
  const held: Held = {
    sessionId: direct.sessionId,
    names,
    states: [],
    expiries: 0,
    present: async () => null,
    close: () => direct.close(),
  };
  direct.client.on('state', (state) => held.states.push(state.name));
  direct.client.on('expired', () => held.expiries++);
  const data = Buffer.from(JSON.stringify({ pid: process.pid }));
  for (const name of names) await direct.createEphemeral(`${config.parent}/${name}`, data);
  return held;
}
