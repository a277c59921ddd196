import { parseArgs } from 'node:util';

/** A command line that makes no sense: the program prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

type StringOption = { type: 'string'; default?: string };
type BooleanOption = { type: 'boolean'; default?: boolean };
export type OptionSpec = Record<string, StringOption | BooleanOption>;

/** parseArgs' values, with an option that has a default typed as always present. */
type Values<S extends OptionSpec> = {
  [K in keyof S]: S[K] extends { default: infer D }
    ? D extends boolean
      ? boolean
      : string
    : S[K] extends BooleanOption
      ? boolean | undefined
      : string | undefined;
};

/** Options every example takes; ZooKeeper's address comes from --zk, else $ZK_CONNECT, else 127.0.0.1:2181. */
export const COMMON_OPTIONS = {
  zk: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '0' },
  'session-timeout': { type: 'string', default: '10000' },
} as const satisfies OptionSpec;

export interface CommonValues {
  /** undefined: connect() then uses $ZK_CONNECT, else 127.0.0.1:2181. */
  readonly zk: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly sessionTimeout: number;
}

/** The COMMON_OPTIONS values, checked (before anything connects or listens). */
export function commonValues(values: {
  zk: string | undefined;
  host: string;
  port: string;
  'session-timeout': string;
}): CommonValues {
  return {
    zk: values.zk,
    host: values.host,
    port: intOption('port', values.port, 0, 65535),
    sessionTimeout: intOption('session-timeout', values['session-timeout'], 1000, 600_000),
  };
}

/** node:util's parseArgs, strict, with unknown or malformed options reported as a UsageError. */
export function parseOptions<S extends OptionSpec>(spec: S, argv = process.argv.slice(2)): Values<S> {
  const { values, positionals } = parseCommand(spec, argv);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  return values;
}

/** parseOptions for commands that also take plain arguments. */
export function parseCommand<S extends OptionSpec>(
  spec: S,
  argv = process.argv.slice(2),
): { values: Values<S>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      options: spec,
      args: argv,
      strict: true,
      allowPositionals: true,
    });
    // parseArgs fills in every default, which its own (generic) types cannot express.
    return { values: values as unknown as Values<S>, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** An integer option within [min, max]. */
export function intOption(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}

/** A ZooKeeper path option: absolute, no trailing slash. */
export function pathOption(name: string, value: string): string {
  if (!/^\/[^/]/.test(value) || value.endsWith('/')) {
    throw new UsageError(
      `--${name} must be an absolute ZooKeeper path like /fooservice, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}
