// What `pm2 show pm2-zkit` and `pm2 monit` show of the plugin, and what `pm2 trigger pm2-zkit <action>` runs,
// through @pm2/io (PM2's own library for module metrics and actions):
//
//   plugin.status() <--every ~1 s-- @pm2/io --IPC axm:monitor--> PM2 daemon: pm2_env.axm_monitor (pm2 show/monit)
//   pm2 trigger pm2-zkit resync --> PM2 daemon --IPC--> @pm2/io action --> plugin.resync() --axm:reply--> CLI
//
// @pm2/io patches the process by default, and importing its package entry point applies those defaults at once.
// So its PMX class is loaded directly and started with what the plugin wants: no exception or rejection handlers
// (they would swallow an unhandled rejection, which must end the plugin: main.ts), no http/network patching, no
// profiler, and its inspector session closed again.
import { createRequire } from 'node:module';
import type { IOConfig } from '@pm2/io/build/main/pmx.js';
import type { Logger } from 'pino';
import type { Plugin, PluginStatus } from './plugin.js';

/** Metric names as PM2 shows them. */
export const METRICS = {
  nodes: 'Registered nodes',
  session: 'ZooKeeper session',
  lastSync: 'Last sync',
  errors: 'Errors',
  refused: 'Refused nodes',
} as const;

/** Action names, for `pm2 trigger pm2-zkit <name>`. */
export const ACTIONS = { resync: 'resync', list: 'list' } as const;

const IO_CONFIG: IOConfig = {
  catchExceptions: false,
  profiling: false,
  // Passive reads only (heap statistics, event loop delay): no patching of http or net.
  metrics: { v8: true, eventLoop: true, http: false, network: false, runtime: false },
  actions: { eventLoopDump: false },
  standalone: false,
};

export interface Monitor {
  close(): void;
}

type Reply = (data: unknown) => void;

/** The little of @pm2/io's services used here (its ServiceManager is typed `any`). */
interface Service {
  destroy(): void;
  setOptions?(options: Record<string, unknown>): void;
}

/** Starts publishing the plugin's metrics and actions to PM2 (harmless outside PM2: nothing is sent). */
export interface MonitorOptions {
  /** The settings in effect, by `pm2 set` key: shown by `pm2 show` as the process configuration. */
  readonly conf: Readonly<Record<string, string | number | boolean>>;
  readonly log: Logger;
}

export function startMonitor(plugin: Pick<Plugin, 'status' | 'resync'>, options: MonitorOptions): Monitor {
  const { conf, log } = options;
  const require = createRequire(import.meta.url);
  const pmx = require('@pm2/io/build/main/pmx.js') as typeof import('@pm2/io/build/main/pmx.js');
  const { ServiceManager } = require('@pm2/io/build/main/serviceManager.js') as {
    ServiceManager: { get(name: string): Service | undefined; reset(name: string): boolean };
  };
  const io = new pmx.default().init({ ...IO_CONFIG });
  // Opened by init() whatever the config (for profiling on demand, which is off): not needed.
  ServiceManager.get('inspector')?.destroy();
  ServiceManager.reset('inspector');
  // What io.initModule() would tell PM2, with the settings as the plugin resolved them (defaults, pm2 set, env).
  ServiceManager.get('transport')?.setOptions?.({ module_conf: conf });

  const status = (): PluginStatus => plugin.status();
  io.metric({ name: METRICS.nodes, value: () => status().nodes.size });
  io.metric({ name: METRICS.session, value: text(() => status().session) });
  io.metric({ name: METRICS.lastSync, value: text(() => status().lastSync?.toISOString() ?? 'never') });
  io.metric({ name: METRICS.errors, value: () => status().errors });
  io.metric({ name: METRICS.refused, value: () => status().refused });

  io.action(ACTIONS.resync, (reply: Reply) => {
    plugin.resync().then(
      (after) => reply({ success: true, ...summary(after) }),
      (error: unknown) => {
        log.error({ err: error }, 'resync failed');
        reply({ success: false, error: error instanceof Error ? error.message : String(error) });
      },
    );
  });
  io.action(ACTIONS.list, (reply: Reply) => {
    const { nodes } = status();
    reply({ success: true, nodes: Object.fromEntries(nodes) });
  });
  return { close: () => io.destroy() };
}

/** @pm2/io types a metric's value as a number; it sends strings as they are (and PM2 shows them). */
function text(read: () => string): () => number {
  return read as unknown as () => number;
}

function summary(status: PluginStatus): Record<string, unknown> {
  return {
    nodes: status.nodes.size,
    session: status.session,
    lastSync: status.lastSync?.toISOString() ?? null,
    errors: status.errors,
    refused: status.refused,
  };
}
