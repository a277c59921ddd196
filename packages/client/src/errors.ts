// zkit's one error hierarchy is defined in @zkit/protocol (both threads raise it); users import it from here.
export type {
  AuthErrorCode,
  InvalidInputErrorCode,
  NodeErrorCode,
  SessionErrorCode,
  ZkErrorCode,
} from '@zkit/protocol';
export {
  AuthError,
  InvalidInputError,
  isZkError,
  isZkitError,
  NodeError,
  SessionError,
  ZkError,
  ZkitError,
} from '@zkit/protocol';
