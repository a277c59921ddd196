// @zkit/worker/nzc: node-zookeeper-client (pinned at 1.1.3, see version.ts) as zkit extends it. The worker imports
// each file of nzc/ directly; what is exported here is for the other packages that hold a client of their own
// (@zkit/testing's observers and the client's test door).
export type { ClosableClient } from './close.js';
export { closeClient } from './close.js';
export { toZkError } from './exceptions.js';
export type { TlsFailure, TlsHooks, TlsStage } from './tls-connect.js';
export { connectOverTls } from './tls-connect.js';
