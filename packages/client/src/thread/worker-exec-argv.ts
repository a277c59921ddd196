/**
 * The Node flags the session worker starts with: the parent's, less what a worker cannot take.
 *
 *   process.execArgv ── workerExecArgv() ──▶ new Worker(entry, { execArgv })
 *                                               │ throws ERR_WORKER_INVALID_EXEC_ARGV (a flag not listed here)
 *                                               ▼
 *                        without the flags it names ──▶ new Worker(...) once more, else the error stands
 *
 * Left to itself a Worker inherits the parent's options, and some of them kill it at start: under
 * `node --input-type=module -e ...` every worker dies with ERR_INPUT_TYPE_NOT_ALLOWED (measured, Node 20.20). An
 * explicit list is parsed again, and Node refuses in it V8 and process-wide flags (--max-old-space-size, --title,
 * --expose-gc, ...), so those must go too. NODE_OPTIONS are still applied in the worker either way (measured).
 */

/** Options whose value may come as the next argument even when it starts with '-' (`-e "-1"`). */
const TAKES_VALUE = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-pe',
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--input-type',
]);

/**
 * What a worker must not get, measured with `new Worker(entry, { execArgv })` on Node 20.20:
 * - the parent's program or mode: meaningless in a worker, or fatal there (--input-type: ERR_INPUT_TYPE_NOT_ALLOWED;
 *   --watch: refused; --inspect-brk and --inspect-wait: the worker waits for a debugger forever);
 * - process-wide and V8 flags: ERR_WORKER_INVALID_EXEC_ARGV (they apply to the worker anyway, being process-wide);
 * - --experimental-policy: the worker dies with ERR_MANIFEST_TDZ.
 */
const DROPPED = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-pe',
  '-i',
  '--interactive',
  '-c',
  '--check',
  '--input-type',
  '--test',
  '--watch',
  '--watch-path',
  '--watch-preserve-output',
  '--run',
  '--inspect-brk',
  '--inspect-brk-node',
  '--inspect-wait',
  '-h',
  '--help',
  '-v',
  '--version',
  '--v8-options',
  '--completion-bash',
  '--build-snapshot',
  '--snapshot-blob',
  '--experimental-sea-config',
  '--experimental-policy',
  '--policy-integrity',
  '--title',
  '--icu-data-dir',
  '--openssl-config',
  '--openssl-shared-config',
  '--openssl-legacy-provider',
  '--use-openssl-ca',
  '--use-bundled-ca',
  '--secure-heap',
  '--secure-heap-min',
  '--enable-fips',
  '--force-fips',
  '--zero-fill-buffers',
  '--node-memory-debug',
  '--disable-proto',
  '--trace-event-categories',
  '--trace-event-file-pattern',
  '--v8-pool-size',
  '--experimental-shadow-realm',
  '--huge-max-old-generation-size',
  '--abort-on-uncaught-exception',
  '--max-old-space-size',
  '--max-semi-space-size',
  '--stack-size',
  '--stack-trace-limit',
  '--expose-gc',
  '--jitless',
  '--prof',
  '--interpreted-frames-native-stack',
  '--allow-natives-syntax',
]);

/** Families dropped by prefix: the test runner's options, V8's --harmony-* and --perf-* flags. */
const DROPPED_PREFIXES = ['--test-', '--experimental-test-', '--harmony', '--perf-'];

/** The parent's flags a worker can start with (see DROPPED for what goes, and why). */
export function workerExecArgv(parent: readonly string[]): string[] {
  return options(parent)
    .filter((option) => !isDropped(option.name))
    .flatMap((option) => option.args);
}

/**
 * Starts a worker with the parent's flags. Should Node refuse one this file does not know (a V8 flag, say), the
 * worker starts once more without the flags Node named; any other failure, or a second refusal, is thrown.
 */
export function withParentFlags<W>(start: (execArgv: string[]) => W, parent: readonly string[]): W {
  const execArgv = workerExecArgv(parent);
  try {
    return start(execArgv);
  } catch (error) {
    const refused = refusedFlags(error);
    if (refused.size === 0) throw error;
    return start(
      options(execArgv)
        .filter((option) => !refused.has(option.name))
        .flatMap((option) => option.args),
    );
  }
}

interface ParsedOption {
  /** `--name` as Node reads it: before any '=', with '_' as '-'. */
  readonly name: string;
  /** The option as given, with its value when that came apart. */
  readonly args: readonly string[];
}

/**
 * execArgv holds only options and their values (the script and its arguments are in argv), so an argument that
 * does not start with '-' is the value of the option before it.
 */
function options(execArgv: readonly string[]): ParsedOption[] {
  const parsed: { name: string; args: string[] }[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const last = parsed.at(-1);
    if (!arg.startsWith('-') && last !== undefined) {
      last.args.push(arg);
      continue;
    }
    const name = nameOf(arg);
    const option = { name, args: [arg] };
    const next = execArgv[i + 1];
    if (!arg.includes('=') && TAKES_VALUE.has(name) && next !== undefined) {
      option.args.push(next);
      i++;
    }
    parsed.push(option);
  }
  return parsed;
}

function nameOf(arg: string): string {
  const name = arg.split('=', 1)[0] as string;
  return name.startsWith('--') ? `--${name.slice(2).replaceAll('_', '-')}` : name;
}

function isDropped(name: string): boolean {
  return DROPPED.has(name) || DROPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The flags Node named in ERR_WORKER_INVALID_EXEC_ARGV ("... invalid execArgv flags: --a, --b=1"). */
function refusedFlags(error: unknown): Set<string> {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof message !== 'string') return new Set();
  const list = /invalid execArgv flags: (.+)$/.exec(message)?.[1];
  if (list === undefined) return new Set();
  return new Set(
    list
      .split(', ')
      .filter((flag) => flag.startsWith('-'))
      .map(nameOf),
  );
}
