import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkConnectionString, type ServiceFormat } from '@zkit/client';
import {
  addressName,
  type BackoffOptions,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_CONNECTION_STRING,
  DEFAULT_SESSION_TIMEOUT,
  isPlainObject,
  validatePath,
} from '@zkit/protocol';
import type { LevelWithSilent } from 'pino';
import { primaryAddress } from './address.js';
import { PluginError } from './errors.js';
import {
  checkSecureSettings,
  readSecureSettings,
  refuseSecretKeys,
  SECURE_DEFAULTS,
  SECURE_SETTINGS,
  type SecureSettings,
} from './secure.js';

/** pino's level names with 'silent' (@zkit/protocol's LogLevel is what crosses the threads: no 'silent'). */
type LogLevel = LevelWithSilent;

/** The plugin's settings, resolved (TLS and SASL: `SecureSettings`, file paths only). */
export interface PluginConfig extends SecureSettings {
  /** ZooKeeper connection string, `host:port[,host:port...][/chroot]`. @default '127.0.0.1:2181' */
  readonly connect: string;
  /**
   * Root of the service tree: an app registers under `<root>/<app name>/servers` (format `zkit`), or as an
   * instance of the service `<root>/<app name>` (format `curator`). @default '/services'
   */
  readonly root: string;
  /**
   * How apps are written: `zkit`, zc.zk style `HOST:PORT` nodes holding the pid; `curator`, Apache Curator
   * x-discovery instances (`<root>/<app name>/pm2-<pm_id>@<host>` holding Curator 5's JSON), which Curator and
   * Spring Cloud Zookeeper clients discover. @default 'zkit'
   */
  readonly format: ServiceFormat;
  /** Host advertised in node names. @default the machine's primary non-loopback address (see `primaryAddress`) */
  readonly host: string;
  /** ZooKeeper session timeout in ms (the server clamps it): how long nodes outlive a crashed plugin. @default 10000 */
  readonly sessionTimeout: number;
  /** App name patterns to register; `*` matches any run of characters. @default ['*'] */
  readonly include: readonly string[];
  /** App name patterns never registered; wins over `include`. @default [] */
  readonly exclude: readonly string[];
  /**
   * Whether other PM2 modules (`pm2_env.pmx_module`: pm2-logrotate, ...) are registered like apps. They serve nothing
   * for other machines as a rule. @default false
   */
  readonly registerModules: boolean;
  /**
   * Where announced ports are kept, so a restarted plugin knows them without the apps announcing again.
   * @default '<PM2_HOME>/<plugin name>.announcements.json' (PM2_HOME defaults to ~/.pm2)
   */
  readonly stateFile: string;
  /** pino level. @default 'info' */
  readonly logLevel: LogLevel;
}

/** One setting: its `pm2 set <plugin>:<key>` key and its environment variable. */
interface Setting {
  readonly key: string;
  readonly env: string;
}

/** The settings' names in one table, so the README, the parser and `pm2 set` agree. */
export const SETTINGS = {
  connect: { key: 'connect', env: 'ZK_CONNECT' },
  root: { key: 'root', env: 'ZKIT_ROOT' },
  format: { key: 'format', env: 'ZKIT_FORMAT' },
  host: { key: 'host', env: 'ZKIT_HOST' },
  sessionTimeout: { key: 'session_timeout', env: 'ZKIT_SESSION_TIMEOUT' },
  include: { key: 'include', env: 'ZKIT_INCLUDE' },
  exclude: { key: 'exclude', env: 'ZKIT_EXCLUDE' },
  registerModules: { key: 'register_modules', env: 'ZKIT_REGISTER_MODULES' },
  stateFile: { key: 'state_file', env: 'ZKIT_STATE_FILE' },
  logLevel: { key: 'log_level', env: 'ZKIT_LOG_LEVEL' },
  ...SECURE_SETTINGS,
} as const satisfies Record<keyof PluginConfig, Setting>;

/** What `DEFAULTS` holds beyond the settings: the defaults of `startPlugin`'s, `connectPm2`'s and main's options. */
interface RuntimeDefaults {
  readonly retry: BackoffOptions;
  readonly connectTimeout: number;
  readonly listTimeout: number;
  readonly closeBudget: number;
  readonly announceGrace: number;
  readonly restartGrace: number;
}

/**
 * Every default of the plugin, in one place. First the settings' (`host` and `stateFile` need machine facts and are
 * derived in `loadConfig`); where the plugin has no reason to differ, they are `@zkit/client`'s own. package.json's
 * `"config"` lists the same (PM2's convention: `pm2 install` copies it into the module conf, so `pm2 conf pm2-zkit`
 * shows it; `""` there for the derived ones); a unit test keeps the two equal.
 */
export const DEFAULTS = {
  connect: DEFAULT_CONNECTION_STRING,
  root: '/services',
  format: 'zkit',
  sessionTimeout: DEFAULT_SESSION_TIMEOUT,
  include: ['*'],
  exclude: [],
  registerModules: false,
  logLevel: 'info',
  ...SECURE_DEFAULTS,
  /**
   * `startPlugin`'s `retry`: between retries of a failed sync or ZooKeeper connection, 200 ms doubling to 10 s, with
   * full jitter (every plugin of a fleet that lost the same ensemble must not come back in lockstep), never giving
   * up: a plugin that stops retrying would leave its host's apps unregistered for good.
   */
  retry: { initial: 200, max: 10_000 },
  /** `startPlugin`'s `connectTimeout`: how long one `connect()` to ZooKeeper tries before the plugin starts over. */
  connectTimeout: DEFAULT_CONNECT_TIMEOUT,
  /** `connectPm2`'s `listTimeout`: how long a call waits for the daemon, which queues calls while unreachable. */
  listTimeout: 5000,
  /** PM2 sends SIGINT and SIGKILLs after kill_timeout (1600 ms by default): closing must fit well inside it. */
  closeBudget: 1200,
  /**
   * `startPlugin`'s `announceGrace`: how long a process with a new pid (restarted, redeployed) keeps the port its
   * previous pid announced, for it to announce again. A restart thus does not move the node to the env port and back;
   * a redeployed app that no longer announces goes back to its env port after this.
   */
  announceGrace: 10_000,
  /**
   * `startPlugin`'s `restartGrace`: how long a process PM2 lists as stopped keeps its node, in case PM2 is restarting
   * it (`pm2 restart` passes through 'stopped' for about PM2's kill check interval, 100 ms, before it launches the
   * new process). A `pm2 stop` thus removes the node this much later.
   */
  restartGrace: 500,
} as const satisfies Partial<PluginConfig> & RuntimeDefaults;

/** The plugin's name as a PM2 module (the package name); PM2 keys its module conf by the process name. */
export const PLUGIN_NAME = 'pm2-zkit';

export interface LoadedConfig {
  readonly config: PluginConfig;
  /** Module conf keys the plugin does not know (a typo in `pm2 set`), to be logged. */
  readonly unknownKeys: readonly string[];
}

export interface ConfigSources {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default primaryAddress() */
  readonly primaryAddress?: () => string;
}

const FORMATS: readonly ServiceFormat[] = ['zkit', 'curator'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the settings: the module conf first, then environment variables, then the defaults. The module conf is
 * `@pm2/io`'s `initModule` merge done by PM2 itself: `pm2 install` copies package.json's `"config"` into it, and
 * `pm2 set <name>:<key> <value>` overrides a key. It wins because PM2 children inherit the daemon's environment: a
 * stray ZK_CONNECT in the shell that started PM2 must not override what was set for the plugin on purpose (for an
 * installed module, then, env vars only fill what the conf leaves empty: `host`, `state_file`).
 *
 * PM2 hands a module (and any app whose name has module conf) its conf as the JSON env var named after the process
 * (`process.env['pm2-zkit']`), with every value a string; the process name is in `process.env.name`.
 */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const env = sources.env ?? process.env;
  const name = env.name ?? PLUGIN_NAME;
  const conf = moduleConf(name, env[name]);
  refuseSecretKeys(conf, name);
  const known = new Set<string>(Object.values(SETTINGS).map((setting) => setting.key));
  const unknownKeys = Object.keys(conf).filter((key) => !known.has(key));
  const read = (setting: Setting): string | undefined => {
    const value = conf[setting.key] ?? env[setting.env];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const pm2Home = env.PM2_HOME ?? join(homedir(), '.pm2');
  const config: PluginConfig = {
    connect: parseConnect(read(SETTINGS.connect) ?? DEFAULTS.connect),
    root: checkPath('root', read(SETTINGS.root) ?? DEFAULTS.root),
    format: parseFormat(read(SETTINGS.format)) ?? DEFAULTS.format,
    host: parseHost(read(SETTINGS.host) ?? (sources.primaryAddress ?? primaryAddress)()),
    sessionTimeout: parseTimeout(read(SETTINGS.sessionTimeout)) ?? DEFAULTS.sessionTimeout,
    include: parsePatterns(read(SETTINGS.include)) ?? DEFAULTS.include,
    exclude: parsePatterns(read(SETTINGS.exclude)) ?? DEFAULTS.exclude,
    registerModules:
      parseBoolean('register_modules', read(SETTINGS.registerModules)) ?? DEFAULTS.registerModules,
    stateFile: read(SETTINGS.stateFile) ?? join(pm2Home, `${name}.announcements.json`),
    logLevel: parseLogLevel(read(SETTINGS.logLevel)) ?? DEFAULTS.logLevel,
    ...readSecureSettings(read),
  };
  checkSecureSettings(config);
  return { config, unknownKeys };
}

/**
 * The settings in effect as module conf, by `pm2 set` key (lists joined by commas): what `pm2 show` lists as the
 * process configuration, as `io.initModule()` would report it.
 */
export function moduleConfOf(config: PluginConfig): Record<string, string | number | boolean> {
  const conf: Record<string, string | number | boolean> = {};
  for (const [field, { key }] of Object.entries(SETTINGS)) {
    const value = config[field as keyof PluginConfig];
    conf[key] = Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
  }
  return conf;
}

/** The module conf JSON, values as strings (PM2 stores what `pm2 set` got; a package.json default may be a number). */
function moduleConf(name: string, json: string | undefined): Record<string, string> {
  if (json === undefined || json.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalid(`the module conf in env var ${JSON.stringify(name)} is not JSON`, error);
  }
  if (!isPlainObject(parsed)) {
    throw invalid(`the module conf in env var ${JSON.stringify(name)} is not an object`);
  }
  const conf: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') conf[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') conf[key] = String(value);
    else throw invalid(`module conf key ${JSON.stringify(key)} must be a string`);
  }
  return conf;
}

/** Checked here, by `@zkit/client`'s own rule: a typo must stop the plugin with a clear error, not be retried forever. */
function parseConnect(value: string): string {
  try {
    return checkConnectionString(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(
      `connect ${JSON.stringify(value)} is not HOST:PORT[,HOST:PORT...][/chroot] (${reason})`,
      error,
    );
  }
}

/** By ZooKeeper's own rules (`validatePath`), so that a root the server would refuse stops the plugin at once. */
function checkPath(what: string, value: string): string {
  try {
    return validatePath(value);
  } catch (error) {
    throw invalid(
      `${what} ${JSON.stringify(value)} must be an absolute ZooKeeper path like /services`,
      error,
    );
  }
}

/** By `@zkit/client`'s own rule for hosts in node names (`addressName`). */
function parseHost(value: string): string {
  // '[::1]' as written in URLs: node names bracket IPv6 themselves.
  const host = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  try {
    addressName([host, 1]);
  } catch (error) {
    throw invalid(`host ${JSON.stringify(value)} must be a name or IP without spaces or "/"`, error);
  }
  return host;
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0)
    throw invalid(`session timeout ${JSON.stringify(value)} must be a number of ms`);
  return ms;
}

function parsePatterns(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/** `pm2 set` stores strings; package.json's default is a JSON boolean (made a string by `moduleConf`). */
function parseBoolean(what: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw invalid(`${what} ${JSON.stringify(value)} must be true or false`);
}

function parseFormat(value: string | undefined): ServiceFormat | undefined {
  if (value === undefined) return undefined;
  const format = FORMATS.find((candidate) => candidate === value.toLowerCase());
  if (format === undefined)
    throw invalid(`format ${JSON.stringify(value)} must be one of ${FORMATS.join(', ')}`);
  return format;
}

function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return undefined;
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (level === undefined)
    throw invalid(`log level ${JSON.stringify(value)} must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Whether an app is registered, by its name: some `include` pattern matches and no `exclude` pattern does. */
export function appFilter(include: readonly string[], exclude: readonly string[]): (name: string) => boolean {
  const included = include.map(patternRegExp);
  const excluded = exclude.map(patternRegExp);
  return (name) => included.some((re) => re.test(name)) && !excluded.some((re) => re.test(name));
}

function patternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function invalid(message: string, cause?: unknown): PluginError {
  return new PluginError('INVALID_CONFIG', message, { cause });
}
