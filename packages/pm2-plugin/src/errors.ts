import { isZkitError, ZkitError } from '@zkit/protocol';

/** Codes of the plugin's own errors; ZooKeeper failures stay `ZkError`s from `@zkit/client`. */
export type PluginErrorCode =
  /** A setting (module conf or env var) holds a value the plugin cannot use. */
  | 'INVALID_CONFIG'
  /** A `zkit:register` message from an app is malformed; the app's other settings still apply. */
  | 'INVALID_MESSAGE'
  /** The PM2 daemon refused a call, or did not answer in time. */
  | 'PM2_ERROR';

/** The plugin's errors, under zkit's one root (`ZkitError`): `isZkitError` holds for them too. */
export class PluginError extends ZkitError<PluginErrorCode> {
  override readonly name = 'PluginError';
}

const CODES: ReadonlySet<string> = new Set<PluginErrorCode>([
  'INVALID_CONFIG',
  'INVALID_MESSAGE',
  'PM2_ERROR',
]);

/** True for a PluginError (of any installed copy of the plugin, by its code); `code`, when given, must match too. */
export function isPluginError(error: unknown, code?: PluginErrorCode): error is PluginError {
  return isZkitError(error, code) && CODES.has(error.code);
}
