// The data types, the one error hierarchy and the path and address checks are @zkit/protocol's (both threads use
// them); applications import them from here.
export type {
  AclEntry,
  Address,
  AuthErrorCode,
  Diagnostics,
  InvalidInputErrorCode,
  JsonObject,
  JsonValue,
  NodeErrorCode,
  NodeStat,
  Permission,
  SessionErrorCode,
  SessionState,
  TlsSummary,
  TlsVersion,
  ZkErrorCode,
} from '@zkit/protocol';
export {
  AuthError,
  addressName,
  DEFAULT_CONNECTION_STRING,
  InvalidInputError,
  isZkError,
  isZkitError,
  joinPath,
  NodeError,
  SessionError,
  validatePath,
  ZkError,
  ZkitError,
} from '@zkit/protocol';
export { connect } from './connect.js';
export type {
  Instance,
  ServiceChange,
  ServiceFormat,
  UriSpecPart,
} from './discovery/instance.js';
export type { Provider, ProviderOptions } from './discovery/provider.js';
export type { InstanceOptions, InstanceRegistration } from './discovery/register-instance.js';
export type { Services, ServicesCallback, ServicesOptions } from './discovery/services.js';
export type { Strategy } from './discovery/strategies.js';
export type { FailureListener, ZkFailure } from './failures.js';
export type { Auth, ConnectOptions, OfflineCalls, SaslOptions } from './options.js';
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
export type { TlsMaterial, TlsOptions } from './tls-options.js';
export type { DeleteOptions } from './tree/delete-node.js';
export type { DeleteResult } from './tree/delete-plan.js';
export type { ExportOptions } from './tree/export-tree.js';
export type { PlanImportOptions } from './tree/import-plan.js';
export { planImport } from './tree/import-plan.js';
export type { ImportOptions } from './tree/import-tree.js';
export { parseTree } from './tree/parse-tree.js';
export { serializeTree } from './tree/serialize-tree.js';
export type { ImportPlan, TreeNode } from './tree/tree-model.js';
export type { WalkNode, WalkOptions } from './tree/walk.js';
export type { Children } from './views/children.js';
export type { WatchCallback } from './views/live-view.js';
export type { Properties } from './views/properties.js';
export type { Subscription } from './views/subscription.js';
export { ZooKeeper } from './zookeeper.js';
