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
export type { CallOptions } from './thread/abortable.js';
export { Children } from './views/children.js';
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
export type { WatchCallback } from './views/live-view.js';
export type { Auth, ConnectOptions, OfflineCalls } from './options.js';
export {
  CREATOR_ALL_WORLD_READ,
  checkConnectionString,
  DEFAULT_CONNECTION_STRING,
  OPEN,
  WORLD_READ,
} from './options.js';
export { Properties } from './views/properties.js';
export { Registration } from './registrations/registration.js';
export type { RegisterOptions, ServerData } from './registrations/registration-list.js';
export type { Subscription } from './views/subscription.js';
export type { DeleteOptions } from './zookeeper.js';
export { ZooKeeper } from './zookeeper.js';
