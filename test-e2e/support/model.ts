import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, Registration, ZooKeeper } from '@zkit/client';
import type { Observer, ProxyHandle } from '@zkit/testing';
import type { OpenView, ViewKind } from './views.js';

/**
 * The model of the model-based tests: what ZooKeeper should hold under one base path, and what every open zkit
 * view and registration should show. Commands change it beside the real system; after each, both must agree.
 *
 *   <base>/n0, <base>/n1     data nodes: JSON { v }, children from CHILD_NAMES (written by the observer and zkit)
 *   <base>/servers           registrations only: 127.0.0.1:<port>, data { v, pid }
 */
export const DATA_NODES = ['n0', 'n1'] as const;
export const TARGETS = [...DATA_NODES, 'servers'] as const;
export const CHILD_NAMES = ['x', 'y', 'z'] as const;
export const PORTS = [1, 2, 3] as const;

export type DataNode = (typeof DATA_NODES)[number];
export type Target = (typeof TARGETS)[number];

export interface NodeModel {
  data: JsonObject;
  version: number;
  children: Set<string>;
  /** Bumped when the node is created again: a view of an earlier incarnation has ended. */
  incarnation: number;
}

export interface ViewModel {
  readonly kind: ViewKind;
  readonly target: Target;
  readonly incarnation: number;
}

export interface Model {
  /** A node that is missing has no entry. */
  readonly nodes: Map<Target, NodeModel>;
  /** Open views by id, in the order they were opened. */
  readonly views: Map<number, ViewModel>;
  nextView: number;
  /** Live registrations: port -> the data given (pid is added by zkit). */
  readonly registrations: Map<number, JsonObject>;
}

/** The real system the commands act on: a zkit client (through a proxy), and an observer beside it. */
export interface Real {
  readonly zk: ZooKeeper;
  readonly obs: Observer;
  readonly proxy: ProxyHandle;
  readonly base: string;
  /** The server's own connection string (not through the proxy). */
  readonly direct: string;
  readonly views: Map<number, OpenView>;
  readonly registrations: Map<number, Registration>;
}

export function initialModel(): Model {
  const node = (data: JsonObject): NodeModel => ({ data, version: 0, children: new Set(), incarnation: 0 });
  return {
    nodes: new Map<Target, NodeModel>([
      ['n0', node({ v: 0 })],
      ['n1', node({ v: 0 })],
      ['servers', node({})],
    ]),
    views: new Map(),
    nextView: 0,
    registrations: new Map(),
  };
}

export function pathOf(real: Pick<Real, 'base'>, target: Target): string {
  return `${real.base}/${target}`;
}

export function registrationName(port: number): string {
  return `127.0.0.1:${port}`;
}

/**
 * What a view may show now: the node's current state, or `deleted` once the node is gone. A view of a node deleted
 * and created again may show either: zkit takes a deletion as a cue to read again (a registration's update is a
 * delete and create in one transaction), so it ends the view only if that read finds the node missing, and the
 * one-shot watch may have fired for an earlier change, leaving no watch to see the deletion at all.
 */
export function expectedViews(model: Model, view: ViewModel): unknown[] {
  const node = model.nodes.get(view.target);
  if (!node) return ['deleted'];
  const current =
    view.kind === 'children' ? [...node.children].sort() : { data: node.data, version: node.version };
  return node.incarnation === view.incarnation ? [current] : ['deleted', current];
}

export function shownBy(open: OpenView): unknown {
  if (open.view.deleted) return 'deleted';
  return open.kind === 'children'
    ? open.view.toArray()
    : { data: structuredClone(open.view.toJSON()), version: open.view.version };
}

/** Every way the open views differ from the model, one line each. */
export function viewDifferences(model: Model, real: Real, only?: Target): string[] {
  const found: string[] = [];
  for (const [id, view] of model.views) {
    if (only !== undefined && view.target !== only) continue;
    const open = real.views.get(id);
    const expected = expectedViews(model, view);
    const shown = open ? shownBy(open) : 'no such view';
    if (!expected.some((one) => isDeepStrictEqual(shown, one))) {
      const model = expected.map((one) => JSON.stringify(one)).join(' or ');
      found.push(`view #${id} ${view.kind}(${view.target}): shows ${JSON.stringify(shown)}, model ${model}`);
    }
  }
  return found;
}

/** Every way ZooKeeper differs from the model (nodes, children, data, versions, registrations and owners). */
export async function zookeeperDifferences(model: Model, real: Real): Promise<string[]> {
  const found: string[] = [];
  for (const target of TARGETS) {
    const path = pathOf(real, target);
    const node = model.nodes.get(target);
    const stat = await real.obs.exists(path);
    if (!node || !stat) {
      if (Boolean(node) !== Boolean(stat)) found.push(`${target}: ZooKeeper ${stat ? 'has it' : 'has none'}`);
      continue;
    }
    const children = await real.obs.getChildren(path);
    if (!isDeepStrictEqual(children, [...node.children].sort())) {
      found.push(
        `${target} children: ZooKeeper ${JSON.stringify(children)}, model ${JSON.stringify([...node.children].sort())}`,
      );
    }
    if (target === 'servers') continue;
    const { data, stat: dataStat } = await real.obs.getData(path);
    const json = data === undefined || data.length === 0 ? {} : JSON.parse(data.toString());
    if (
      !isDeepStrictEqual(
        { data: json, version: dataStat.version },
        { data: node.data, version: node.version },
      )
    ) {
      found.push(
        `${target} data: ZooKeeper ${JSON.stringify({ data: json, version: dataStat.version })}, model ${JSON.stringify({ data: node.data, version: node.version })}`,
      );
    }
  }
  found.push(...(await registrationDifferences(model, real)));
  return found;
}

/** Each live registration is in ZooKeeper with its data and this client's session as owner. */
async function registrationDifferences(model: Model, real: Real): Promise<string[]> {
  const found: string[] = [];
  for (const [port, data] of model.registrations) {
    const path = `${pathOf(real, 'servers')}/${registrationName(port)}`;
    const stat = await real.obs.exists(path);
    if (!stat) {
      found.push(`registration ${port}: missing`);
      continue;
    }
    if (stat.ephemeralOwner !== real.zk.sessionId) {
      found.push(
        `registration ${port}: owned by ${stat.ephemeralOwner}, the client's session is ${real.zk.sessionId}`,
      );
    }
    const held = JSON.parse(String((await real.obs.getData(path)).data));
    if (!isDeepStrictEqual(held, { ...data, pid: process.pid })) {
      found.push(`registration ${port}: holds ${JSON.stringify(held)}, model ${JSON.stringify(data)}`);
    }
  }
  return found;
}
