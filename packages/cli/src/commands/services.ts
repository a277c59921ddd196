import type { Instance, ServiceFormat } from '@zkit/client';
import { Command, Option } from 'commander';
import type { ContextFactory } from '../command-context.js';
import type { Output } from '../output.js';

/** `zkit services PATH`: the instances of a service as a table (zkit's registrations, or Curator's). */
export function servicesCommand(context: ContextFactory): Command {
  return new Command('services')
    .description('list the instances of a service')
    .argument('<path>', "the service's node")
    .addOption(
      new Option('--format <format>', 'how instances are written')
        .choices(['zkit', 'curator'])
        .default('zkit'),
    )
    .action(async (path: string, flags: { format: ServiceFormat }, command: Command) => {
      const { out, client } = context(command);
      const services = await (await client()).services(path, { format: flags.format });
      const instances = services.toArray();
      services.close();
      if (out.json) out.data(instances);
      else printTable(out, instances);
    });
}

function printTable(out: Output, instances: readonly Instance[]): void {
  if (instances.length === 0) {
    out.line(out.colors.dim('no instances'));
    return;
  }
  const rows = instances.map((instance) => [
    instance.id,
    instance.address,
    instance.port === null ? '-' : String(instance.port),
    instance.sslPort === null ? '-' : String(instance.sslPort),
    instance.enabled ? 'yes' : 'no',
    typeof instance.data.pid === 'number' ? String(instance.data.pid) : '-',
  ]);
  const header = ['ID', 'ADDRESS', 'PORT', 'SSL', 'ENABLED', 'PID'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  out.line(out.colors.bold(format(header)));
  for (const row of rows) out.line(format(row));
}
