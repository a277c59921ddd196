import type { MessagePort, Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

/** comlink's Node adapter, typed: the main thread wraps the Worker with it, the worker its parentPort. */
export function endpointOf(target: Worker | MessagePort): Endpoint {
  return nodeEndpoint(target);
}
