import type { JsonObject } from '@zkit/client';
import { expireSession, workerThread } from '@zkit/client/internal';
import { waitFor } from '@zkit/testing';
import fc from 'fast-check';
import {
  CHILD_NAMES,
  DATA_NODES,
  type DataNode,
  type Model,
  PORTS,
  pathOf,
  type Real,
  registrationName,
  TARGETS,
  type Target,
  viewDifferences,
  zookeeperDifferences,
} from './model.js';
import { blockThread } from './sampler.js';
import { openView, type ViewKind } from './views.js';

/**
 * The commands of the model-based tests. Each acts on the real system and on the model alike, then waits (boundedly)
 * until they agree. A command's effect depends only on its arguments and the model, never on the clock, so
 * fast-check can replay and shrink a failing history.
 */
type Command = fc.AsyncCommand<Model, Real>;

/** How long the views and ZooKeeper may take to agree with the model after a command (faults included). */
export const SETTLE_MS = 10_000;
/** The stall: shorter than the client's stallTimeout, so nothing may change. */
export const STALL_MS = 400;

/** Waits until every open view and ZooKeeper agree with the model; throws what still differs. */
export async function settle(model: Model, real: Real, timeout = SETTLE_MS): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = [...viewDifferences(model, real), ...(await zookeeperDifferences(model, real))];
    if (found.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`not settled ${timeout} ms after the command:\n  ${found.join('\n  ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** zkit's promise: when a write of this client resolves, its views of the node already show it. */
function readYourWrites(model: Model, real: Real, target: Target, what: string): void {
  const found = viewDifferences(model, real, target);
  if (found.length > 0) throw new Error(`after ${what} resolved, views lag behind:\n  ${found.join('\n  ')}`);
}

/** A view picked by position among those the model holds, so the choice depends on the model alone. */
function pickView(
  model: Model,
  pick: number,
  accept: (id: number) => boolean = () => true,
): number | undefined {
  const ids = [...model.views.keys()].filter(accept);
  return ids.length === 0 ? undefined : ids[pick % ids.length];
}

class OpenViewCommand implements Command {
  constructor(
    readonly kind: ViewKind,
    readonly target: Target,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const node = model.nodes.get(this.target);
    const opening = openView(real.zk, this.kind, pathOf(real, this.target));
    if (!node) {
      await expectCode(opening, 'NO_NODE');
    } else {
      const id = model.nextView++;
      real.views.set(id, await opening);
      model.views.set(id, { kind: this.kind, target: this.target, incarnation: node.incarnation });
    }
    await settle(model, real);
  }
  toString = () => `open ${this.kind}(${this.target})`;
}

/**
 * Opens a view while another session changes the node, both at once: the change may reach zkit with the first
 * read's reply, in one socket read (the race of finding C1). The view must still end up showing the change.
 */
class OpenDuringChangeCommand implements Command {
  constructor(
    readonly kind: ViewKind,
    readonly target: DataNode,
    readonly name: string,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => model.nodes.has(this.target);
  async run(model: Model, real: Real): Promise<void> {
    const node = model.nodes.get(this.target);
    if (!node) return;
    const path = pathOf(real, this.target);
    const child = node.children.has(this.name)
      ? real.obs.remove(`${path}/${this.name}`)
      : real.obs.create(`${path}/${this.name}`);
    const [opened] = await Promise.all([
      openView(real.zk, this.kind, path),
      child,
      real.obs.setData(path, JSON.stringify({ v: this.value })),
    ]);
    if (!node.children.delete(this.name)) node.children.add(this.name);
    node.data = { v: this.value };
    node.version++;
    const id = model.nextView++;
    real.views.set(id, opened);
    model.views.set(id, { kind: this.kind, target: this.target, incarnation: node.incarnation });
    await settle(model, real);
  }
  toString = () =>
    `open ${this.kind}(${this.target}) while toggling ${this.name} and writing {v:${this.value}}`;
}

class CloseViewCommand implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.views.size > 0;
  async run(model: Model, real: Real): Promise<void> {
    const id = pickView(model, this.pick);
    if (id === undefined) return;
    real.views.get(id)?.view.close();
    real.views.delete(id);
    model.views.delete(id);
    await settle(model, real);
  }
  toString = () => `close view [${this.pick}]`;
}

class ObserverSetDataCommand implements Command {
  constructor(
    readonly target: DataNode,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => model.nodes.has(this.target);
  async run(model: Model, real: Real): Promise<void> {
    const node = model.nodes.get(this.target);
    if (!node) return;
    await real.obs.setData(pathOf(real, this.target), JSON.stringify({ v: this.value }));
    node.data = { v: this.value };
    node.version++;
    await settle(model, real);
  }
  toString = () => `observer setData(${this.target}, {v:${this.value}})`;
}

/** A write through an open properties view: `set` replaces, `update` merges (compare-and-set in the worker). */
class ViewWriteCommand implements Command {
  constructor(
    readonly mode: 'set' | 'update',
    readonly pick: number,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => pickView(model, 0, (id) => writable(model, id)) !== undefined;
  async run(model: Model, real: Real): Promise<void> {
    const id = pickView(model, this.pick, (id) => writable(model, id));
    const view = id === undefined ? undefined : real.views.get(id);
    const target = id === undefined ? undefined : model.views.get(id)?.target;
    const node = target === undefined ? undefined : model.nodes.get(target);
    if (view?.kind !== 'properties' || !node || target === undefined) return;
    if (this.mode === 'set') {
      await view.view.set({ v: this.value });
      node.data = { v: this.value };
    } else {
      await view.view.update({ w: this.value });
      node.data = { ...node.data, w: this.value };
    }
    node.version++;
    readYourWrites(model, real, target, `${this.mode}()`);
    await settle(model, real);
  }
  toString = () => `view [${this.pick}].${this.mode}(${this.mode === 'set' ? 'v' : 'w'}:${this.value})`;
}

function writable(model: Readonly<Model>, id: number): boolean {
  const view = model.views.get(id);
  const node = view && model.nodes.get(view.target);
  return view?.kind === 'properties' && node?.incarnation === view.incarnation;
}

/** Creates the child when it is missing, deletes it when it is there: it always applies, so histories stay dense. */
class ToggleChildCommand implements Command {
  constructor(
    readonly target: DataNode,
    readonly name: string,
  ) {}
  check = (model: Readonly<Model>) => model.nodes.has(this.target);
  async run(model: Model, real: Real): Promise<void> {
    const children = model.nodes.get(this.target)?.children;
    const path = `${pathOf(real, this.target)}/${this.name}`;
    if (children?.has(this.name)) {
      await real.obs.remove(path);
      children.delete(this.name);
    } else {
      await real.obs.create(path);
      children?.add(this.name);
    }
    await settle(model, real);
  }
  toString = () => `observer toggles ${this.target}/${this.name}`;
}

/**
 * Deletes a data node with its children (and with `recreate`, creates it again at once: views of it may end or
 * follow the new node), or creates it when it is missing.
 */
class ToggleNodeCommand implements Command {
  constructor(
    readonly target: DataNode,
    readonly recreate: boolean,
    readonly value: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const path = pathOf(real, this.target);
    const exists = model.nodes.has(this.target);
    if (exists) {
      await real.obs.removeRecursive(path);
      model.nodes.delete(this.target);
    }
    if (!exists || this.recreate) {
      await real.obs.create(path, JSON.stringify({ v: this.value }));
      model.nodes.set(this.target, {
        data: { v: this.value },
        version: 0,
        children: new Set(),
        incarnation: ++incarnations,
      });
    }
    await settle(model, real);
  }
  toString = () =>
    `observer ${this.recreate ? 'deletes+creates' : 'deletes or creates'} ${this.target} {v:${this.value}}`;
}

/** Incarnations only need to differ from every earlier one of the run; a counter shared by all runs does that. */
let incarnations = 1_000;

/** A port picked by position among those that are (or are not) registered, so the choice follows the model. */
function pickPort(model: Readonly<Model>, pick: number, registered: boolean): number | undefined {
  const ports = PORTS.filter((port) => model.registrations.has(port) === registered);
  return ports.length === 0 ? undefined : ports[pick % ports.length];
}

class RegisterCommand implements Command {
  constructor(
    readonly pick: number,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => pickPort(model, 0, false) !== undefined;
  async run(model: Model, real: Real): Promise<void> {
    const port = pickPort(model, this.pick, false);
    if (port === undefined) return;
    const data: JsonObject = { v: this.value };
    real.registrations.set(
      port,
      await real.zk.registerServer(pathOf(real, 'servers'), ['127.0.0.1', port], { data }),
    );
    model.registrations.set(port, data);
    model.nodes.get('servers')?.children.add(registrationName(port));
    readYourWrites(model, real, 'servers', 'registerServer()');
    await settle(model, real);
  }
  toString = () => `register free port [${this.pick}] {v:${this.value}}`;
}

class UpdateRegistrationCommand implements Command {
  constructor(
    readonly pick: number,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => model.registrations.size > 0;
  async run(model: Model, real: Real): Promise<void> {
    const port = pickPort(model, this.pick, true);
    if (port === undefined) return;
    const data: JsonObject = { v: this.value };
    await real.registrations.get(port)?.update(data);
    model.registrations.set(port, data);
    await settle(model, real);
  }
  toString = () => `update registration [${this.pick}] {v:${this.value}}`;
}

class UnregisterCommand implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.registrations.size > 0;
  async run(model: Model, real: Real): Promise<void> {
    const port = pickPort(model, this.pick, true);
    if (port === undefined) return;
    await real.registrations.get(port)?.unregister();
    real.registrations.delete(port);
    model.registrations.delete(port);
    model.nodes.get('servers')?.children.delete(registrationName(port));
    readYourWrites(model, real, 'servers', 'unregister()');
    // "Deletes the node at once": gone when the promise resolves, not some time later.
    const path = `${pathOf(real, 'servers')}/${registrationName(port)}`;
    if ((await real.obs.exists(path)) !== null) throw new Error(`${path} is still there after unregister()`);
    await settle(model, real);
  }
  toString = () => `unregister [${this.pick}]`;
}

// Faults change nothing in the model and do not wait to settle: the next command runs while zkit recovers (a write
// racing a restore, an unregister racing a re-registration), and its own settle checks the outcome.

class DropConnectionCommand implements Command {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    real.proxy.dropConnections();
  }
  toString = () => 'drop the connection';
}

/** A partition shorter than the session timeout, with a write by another session during it. */
class PartitionCommand implements Command {
  constructor(
    readonly target: DataNode,
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => model.nodes.has(this.target);
  async run(model: Model, real: Real): Promise<void> {
    const node = model.nodes.get(this.target);
    if (!node) return;
    real.proxy.pause();
    try {
      await real.obs.setData(pathOf(real, this.target), JSON.stringify({ v: this.value }));
    } finally {
      real.proxy.resume();
    }
    node.data = { v: this.value };
    node.version++;
    await settle(model, real);
  }
  toString = () => `partition while the observer writes ${this.target} {v:${this.value}}`;
}

class ExpireCommand implements Command {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    // A session still being replaced after the previous expiry has nothing to expire yet.
    await waitFor(() => real.zk.state === 'connected', {
      timeout: SETTLE_MS,
      message: 'a session to expire',
    });
    await expireSession(real.zk, { connectionString: real.direct });
  }
  toString = () => 'expire the session';
}

class TerminateWorkerCommand implements Command {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    await workerThread(real.zk)?.terminate();
  }
  toString = () => 'terminate the worker';
}

class StallCommand implements Command {
  check = () => true;
  async run(): Promise<void> {
    blockThread(STALL_MS);
  }
  toString = () => `stall the main thread ${STALL_MS} ms`;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const outcome = await promise.then(
    () => 'resolved',
    (error: { code?: unknown }) => error.code,
  );
  if (outcome !== code) throw new Error(`expected ${code}, got ${String(outcome)}`);
}

const dataNode = fc.constantFrom(...DATA_NODES);
const value = fc.integer({ min: 0, max: 9 });
const pick = fc.nat({ max: 7 });
const viewKind = fc.constantFrom<ViewKind>('children', 'properties');

/** Every command, weighted by repetition: opening views and writing are the common case, faults the seasoning. */
export const commands: fc.Arbitrary<Command>[] = [
  fc.tuple(viewKind, fc.constantFrom(...TARGETS)).map(([kind, target]) => new OpenViewCommand(kind, target)),
  fc.tuple(viewKind, fc.constantFrom(...TARGETS)).map(([kind, target]) => new OpenViewCommand(kind, target)),
  fc
    .tuple(viewKind, dataNode, fc.constantFrom(...CHILD_NAMES), value)
    .map(([kind, target, name, v]) => new OpenDuringChangeCommand(kind, target, name, v)),
  pick.map((p) => new CloseViewCommand(p)),
  fc.tuple(dataNode, value).map(([target, v]) => new ObserverSetDataCommand(target, v)),
  fc
    .tuple(fc.constantFrom<'set' | 'update'>('set', 'update'), pick, value)
    .map(([mode, p, v]) => new ViewWriteCommand(mode, p, v)),
  fc
    .tuple(dataNode, fc.constantFrom(...CHILD_NAMES))
    .map(([target, name]) => new ToggleChildCommand(target, name)),
  fc
    .tuple(dataNode, fc.constantFrom(...CHILD_NAMES))
    .map(([target, name]) => new ToggleChildCommand(target, name)),
  fc
    .tuple(dataNode, fc.boolean(), value)
    .map(([target, again, v]) => new ToggleNodeCommand(target, again, v)),
  fc.tuple(pick, value).map(([p, v]) => new RegisterCommand(p, v)),
  fc.tuple(pick, value).map(([p, v]) => new RegisterCommand(p, v)),
  fc.tuple(pick, value).map(([p, v]) => new UpdateRegistrationCommand(p, v)),
  pick.map((p) => new UnregisterCommand(p)),
  fc.constant(new DropConnectionCommand()),
  fc.tuple(dataNode, value).map(([target, v]) => new PartitionCommand(target, v)),
  fc.constant(new ExpireCommand()),
  fc.constant(new TerminateWorkerCommand()),
  fc.constant(new StallCommand()),
];

/** Histories that once failed, replayed before the generated ones (the first failing command last). */
export const knownHistories: Command[][] = [
  // A registration made while the worker is being replaced: the replacement adopts it from the client's list,
  // then the call itself reaches the new worker, which answers NODE_EXISTS.
  [new TerminateWorkerCommand(), new RegisterCommand(0, 0)],
];
