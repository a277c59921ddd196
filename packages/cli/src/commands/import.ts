import type { AclEntry, ImportPlan, Permission } from '@zkit/client';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';
import { UsageError } from '../exit-codes.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';
import { readInput } from '../read-input.js';
import { repeatable } from '../repeatable.js';

interface ImportFlags {
  readonly trim: boolean;
  readonly dryRun: boolean;
  readonly acl: readonly string[];
}

/**
 * `zkit import [FILE|-] [PATH] [--trim] [--dry-run] [--acl ...]` (zc.zk's zookeeper_import): makes the tree under
 * PATH what the text says, by compare-and-set; prints the plan it applied (or, with --dry-run, would apply).
 */
export function importCommand(context: ContextFactory): Command {
  return new Command('import')
    .description('make the tree under a node what a tree text says (--dry-run: only show the plan)')
    .argument('[file]', 'the tree text, or - for stdin', '-')
    .argument('[path]', 'the node the text is imported under', '/')
    .option('--trim', 'delete persistent nodes the text does not have (ephemeral ones are spared)', false)
    .option('--dry-run', 'show what would change, change nothing', false)
    .option(
      '--acl <scheme:id:perms>',
      'ACL of created nodes, e.g. world:anyone:r (repeatable)',
      repeatable,
      [],
    )
    .action(async (file: string, path: string, flags: ImportFlags, command: Command) => {
      const { out, client } = context(command);
      const acl = flags.acl.map(parseAcl);
      const text = await readInput(file);
      const progress = new Progress('importing');
      const plan = await (await client())
        .importTree(text, path, {
          trim: flags.trim,
          dryRun: flags.dryRun,
          ...(acl.length > 0 ? { acl } : {}),
          onProgress: (done, total) => progress.update(done, total),
        })
        .finally(() => progress.stop());
      if (out.json) out.data(plan);
      else printPlan(out, plan, flags.dryRun);
    });
}

const PERMISSIONS: Readonly<Record<string, Permission>> = {
  r: 'read',
  w: 'write',
  c: 'create',
  d: 'delete',
  a: 'admin',
};

/** ZooKeeper's built-in schemes; x509 (`x509:CN=...`, mutual TLS) and sasl (`sasl:user`) for secure ensembles. */
const SCHEMES = ['world', 'auth', 'digest', 'ip', 'x509', 'sasl'];

/** zkCli's spelling: `scheme:id:perms`, perms letters of `rwcda`; the id may hold colons (`digest:user:hash:rw`). */
export function parseAcl(flag: string): AclEntry {
  const first = flag.indexOf(':');
  const last = flag.lastIndexOf(':');
  const scheme = flag.slice(0, first);
  if (first <= 0 || last === first || !SCHEMES.includes(scheme))
    throw new UsageError(
      `--acl ${JSON.stringify(flag)}: expected scheme:id:perms, scheme ${SCHEMES.join(', ')}`,
    );
  const perms = [...flag.slice(last + 1)].map((letter) => {
    const perm = PERMISSIONS[letter];
    if (perm === undefined)
      throw new UsageError(`--acl ${JSON.stringify(flag)}: permissions are letters of rwcda`);
    return perm;
  });
  return { scheme: scheme as AclEntry['scheme'], id: flag.slice(first + 1, last), perms };
}

function printPlan(out: Output, plan: ImportPlan, dryRun: boolean): void {
  const { green, yellow, red, dim, cyan } = out.colors;
  for (const path of plan.added) out.line(`${green('+')} ${path}`);
  for (const { path, before, after } of plan.changed)
    out.line(`${yellow('~')} ${path} ${dim(JSON.stringify(before))} → ${JSON.stringify(after)}`);
  for (const { path, name, before, after } of plan.links)
    out.line(`${cyan('>')} ${path} ${name} -> ${before ?? dim('(none)')} → ${after ?? dim('(removed)')}`);
  for (const path of plan.trimmed) out.line(`${red('-')} ${path}`);
  for (const { path, reason } of plan.skipped) out.line(`${dim('=')} ${path} ${dim(`(skipped: ${reason})`)}`);
  for (const path of plan.extra)
    out.line(`${dim('?')} ${path} ${dim('(not in the text; --trim deletes it)')}`);
  const counts = `${plan.added.length} added, ${plan.changed.length} changed, ${plan.links.length} links, ${plan.trimmed.length} trimmed`;
  out.line(dryRun ? `${dim('dry run:')} ${counts} (nothing written)` : counts);
}
