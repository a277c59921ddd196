// The error classes are defined beside the thread protocol (both threads raise them); users import them from here.
export type { ZkErrorCode } from '@zkit/worker';
export { AuthError, InvalidInputError, isZkError, NodeError, SessionError, ZkError } from '@zkit/worker';
