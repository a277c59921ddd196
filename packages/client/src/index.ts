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
export { DEFAULT_CONNECTION_STRING } from '@zkit/protocol';
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
export type { Auth, ConnectOptions, OfflineCalls } from './options.js';
export {
  CREATOR_ALL_WORLD_READ,
  checkConnectionString,
  OPEN,
  WORLD_READ,
} from './options.js';
export type {
  RegisterOptions,
  Registration,
  RegistrationUpdateOptions,
  ServerData,
} from './registrations/registration.js';
export type { CallOptions } from './thread/abortable.js';
export type { Children } from './views/children.js';
export type { WatchCallback } from './views/live-view.js';
export type { Properties } from './views/properties.js';
export type { Subscription } from './views/subscription.js';
export type { DeleteOptions } from './zookeeper.js';
export { ZooKeeper } from './zookeeper.js';
