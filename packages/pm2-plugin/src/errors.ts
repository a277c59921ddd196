/** Codes of the plugin's own errors; ZooKeeper failures stay `ZkError`s from `@zkit/client`. */
export type PluginErrorCode =
  /** A setting (module conf or env var) holds a value the plugin cannot use. */
  | 'INVALID_CONFIG'
  /** A `zkit:register` message from an app is malformed; the app's other settings still apply. */
  | 'INVALID_MESSAGE'
  /** The PM2 daemon refused a call, or did not answer in time. */
  | 'PM2_ERROR';

export class PluginError extends Error {
  override readonly name = 'PluginError';

  constructor(
    readonly code: PluginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function isPluginError(error: unknown, code?: PluginErrorCode): error is PluginError {
  return error instanceof PluginError && (code === undefined || error.code === code);
}
