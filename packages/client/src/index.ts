export type {
  AclEntry,
  Address,
  Diagnostics,
  JsonObject,
  JsonValue,
  NodeStat,
  Permission,
  SessionState,
} from '@zkit/protocol';
export type { CallOptions } from './abortable.js';
export { Children } from './children.js';
export { connect } from './connect.js';
export type {
  AuthErrorCode,
  InvalidInputErrorCode,
  NodeErrorCode,
  SessionErrorCode,
  ZkErrorCode,
} from './errors.js';
export {
  AuthError,
  InvalidInputError,
  isZkError,
  isZkitError,
  NodeError,
  SessionError,
  ZkError,
  ZkitError,
} from './errors.js';
export type { FailureListener, ZkFailure } from './failures.js';
export type { WatchCallback } from './live-view.js';
export type { Auth, ConnectOptions, OfflineCalls } from './options.js';
export {
  CREATOR_ALL_WORLD_READ,
  checkConnectionString,
  DEFAULT_CONNECTION_STRING,
  OPEN,
  WORLD_READ,
} from './options.js';
export { Properties } from './properties.js';
export { Registration } from './registration.js';
export type { RegisterOptions, ServerData } from './registrations.js';
export type { Subscription } from './subscription.js';
export type { DeleteOptions } from './zookeeper.js';
export { ZooKeeper } from './zookeeper.js';
