// @zkit/protocol: what crosses between the main thread (@zkit/client) and the session worker (@zkit/worker), and
// the domain both threads check: paths, addresses, JSON, errors, retry policies and defaults. No node-zookeeper-client.

export type { Address } from './address.js';
export { addressName } from './address.js';
export * from './defaults.js';
export type {
  AuthErrorCode,
  InvalidInputErrorCode,
  NodeErrorCode,
  SessionErrorCode,
  ZkErrorCode,
  ZkErrorOptions,
} from './errors.js';
export {
  AuthError,
  abortedError,
  asZkError,
  closedError,
  fromWire,
  InvalidInputError,
  isZkError,
  isZkitError,
  NodeError,
  SessionError,
  ZkError,
  ZkitError,
  zkError,
} from './errors.js';
export { beat, heartbeatBuffer, heartbeatInterval, readBeats } from './heartbeat.js';
export type { DecodedProperties } from './json.js';
export { decodeProperties, encodeJsonObject, isPlainObject } from './json.js';
export type { ResolveRead, ResolveReader } from './links.js';
export { normalizePath, resolvePath } from './links.js';
export type {
  AclEntry,
  AuthInfo,
  CallContext,
  DataSnapshot,
  Diagnostics,
  Failure,
  JsonObject,
  JsonValue,
  LogLevel,
  MultiOp,
  NodeListing,
  NodeStat,
  Permission,
  PropertiesWrite,
  RegisterRequest,
  SaslConfig,
  SessionHandle,
  SessionInfo,
  SessionState,
  TaggedCommand,
  TaggedEvent,
  TlsConfig,
  TlsSource,
  TlsSummary,
  TlsVersion,
  WatchKind,
  WireError,
  WireTreeNode,
  WorkerApi,
  WorkerCommand,
  WorkerConfig,
  WorkerEvent,
} from './messages.js';
export { COMMAND_TAG, EVENT_TAG, isTaggedCommand, isTaggedEvent, PROTOCOL_VERSION } from './messages.js';
export type { Outcome, OutcomeApi } from './outcome.js';
export { failed, settle, settlingApi, toWireError, unwrapOutcome } from './outcome.js';
export { ILLEGAL_PATH_CHARS, joinPath, parentOf, splitPath, validatePath } from './paths.js';
export type { PortEndpoint, PortListener, PortMessageEvent } from './port.js';
export { CoalescingPort } from './port.js';
export type { BackoffOptions, EndlessBackoffOptions, EndlessRetryPolicy, RetryPolicy } from './retry.js';
export { delay, exponentialBackoff, sleep } from './retry.js';
