// comlink ships this adapter as .mjs without matching types.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { MessagePort, Worker } from 'node:worker_threads';
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: Worker | MessagePort): Endpoint;
}
