export type {
  AclEntry,
  Address,
  Diagnostics,
  JsonObject,
  JsonValue,
  Permission,
  SessionState,
} from '@zkit/worker';
export { Children } from './children.js';
export { connect } from './connect.js';
export type { ZkErrorCode } from './errors.js';
export { AuthError, InvalidInputError, isZkError, NodeError, SessionError, ZkError } from './errors.js';
export type { Auth, ConnectOptions } from './options.js';
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
