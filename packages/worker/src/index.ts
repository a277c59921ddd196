// The worker package's public face: what the main thread needs to start the worker and speak its protocol.

export { CoalescingPort } from './coalescing-port.js';
export type { Address, DecodedProperties } from './data.js';
export {
  addressName,
  DEFAULT_MAX_DATA_BYTES,
  decodeProperties,
  encodeJsonObject,
  isPlainObject,
  joinPath,
  parentOf,
  validatePath,
} from './data.js';
export { workerEntryUrl } from './entry.js';
export {
  AuthError,
  closedError,
  fromWire,
  InvalidInputError,
  isZkError,
  NodeError,
  SessionError,
  ZkError,
  zkError,
} from './errors.js';
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
  NodeStat,
  Permission,
  PropertiesWrite,
  RegisterRequest,
  SessionHandle,
  SessionInfo,
  SessionState,
  TaggedCommand,
  TaggedEvent,
  WatchKind,
  WireError,
  WorkerApi,
  WorkerCommand,
  WorkerConfig,
  WorkerEvent,
  ZkErrorCode,
} from './protocol.js';
export { COMMAND_TAG, EVENT_TAG, isTaggedCommand, isTaggedEvent } from './protocol.js';
export type { BackoffOptions, RetryPolicy } from './retry.js';
export { exponentialBackoff } from './retry.js';
export { DEFAULT_INCREMENTAL_CHILDREN_FROM } from './watches.js';
export type { Outcome, OutcomeApi } from './wire-errors.js';
export { failed, settle, settlingApi, toWireError, unwrapOutcome } from './wire-errors.js';
