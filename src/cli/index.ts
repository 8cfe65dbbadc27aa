#!/usr/bin/env node
/**
 * govcheck command line. Exit codes: 0 pass, 1 fail, 2 error (bad arguments, unreachable database…). Each command
 * lives in its own module under ./commands/ and is loaded only when it is the one invoked (all of them for help).
 * Notes: docs/modules.md.
 */
import module from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { Command, CommanderError } from 'commander';
import { cacheDir } from '../analysis/text/cache-dir.js';
import { EXIT } from './common.js';

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising compile of it cost ≈ 130 ms of CPU and
// ≈ 35 MB of memory at the first request; its baseline (Liftoff) code parsed 20,000 responses in the same CPU time
// (BENCHMARKS.md, cold start second pass). Read when the module is compiled, i.e. at the first request.
v8.setFlagsFromString('--liftoff-only');
// Functions tier up to optimised code after 4× V8's default budget of executed bytecode (Node 20: 67,584): most
// start-up code runs a few times, and its optimising compiles cost ≈ 65 ms of CPU on V8's threads in a one-page check;
// a 3,000-page crawl took the same CPU either way (BENCHMARKS.md, "Cold start, fourth pass").
v8.setFlagsFromString('--interrupt-budget=270336');

// V8's compiled code of the modules kept in the cache folder (Node ≥ 22.1; Node 20 has no such cache and skips this):
// compiling ≈ 430 modules is ≈ 0.15 s of CPU at every start. Node checks each entry against the file's contents.
const dir = cacheDir();
const enableCompileCache = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (dir && enableCompileCache && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    enableCompileCache(path.join(dir, 'v8-compile'));
  } catch {
    // a folder that cannot be made: compiled as before
  }
}

type Register = (program: Command) => void;

/** Command name → its module (add a line here for a new command). */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  check: () => import('./commands/check.js'),
  checks: () => import('./commands/checks.js'),
  demo: () => import('./commands/demo.js'),
  registry: () => import('./commands/registry.js'),
  run: () => import('./commands/run.js'),
  table: () => import('./commands/table.js'),
  notice: () => import('./commands/notice.js'),
  serve: () => import('./commands/serve.js'),
  worker: () => import('./commands/worker.js'),
  collect: () => import('./commands/collect.js'),
  schedule: () => import('./commands/schedule.js'),
  'scan-text': () => import('./commands/scan-text.js'),
  user: () => import('./commands/user.js'),
};

/** Errors whose message is the whole story: printed as one line, exit 2. */
const KNOWN_ERRORS = new Set([
  'UsageError',
  'ConfigError',
  'StoreError',
  'UnknownCheckError',
  'ServeConfigError',
  'DictionaryError',
  'RollupError',
  'RegistryFileError',
  'ReviewError',
  'QuarterError',
  'RunError',
  'RedisCheckError',
  'AccountError',
  'RectificationError',
]);

/** A file the command could not read or write (permissions, a missing folder, a full disk): its message is one line naming the file. */
function isFileSystemError(e: Error): boolean {
  const x = e as Error & { code?: unknown; syscall?: unknown };
  return typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code) && typeof x.syscall === 'string' && !e.message.includes('\n');
}

/** The command named on the command line, if any (the first argument that is not an option). */
function invokedCommand(argv: string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first && first in COMMANDS ? first : undefined;
}

/** Every command (and subcommand) answers a usage error with a hint naming its own --help. */
function hintAfterErrors(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(see: ${path} --help)`);
  for (const sub of cmd.commands) {
    sub.configureOutput(cmd.configureOutput());
    hintAfterErrors(sub, `${path} ${sub.name()}`);
  }
}

export async function buildProgram(argv = process.argv): Promise<Command> {
  const program = new Command();
  program
    .name('govcheck')
    .description('政府网站与政务新媒体检查 — inspects government websites and new-media accounts')
    .version('0.1.0')
    .exitOverride()
    // An option error is one line on stderr, then a hint where the help is (not the whole help).
    .configureOutput({ outputError: (str, write) => write(`govcheck: ${str.replace(/^error: /, '').trimEnd()}\n`) });
  const only = invokedCommand(argv);
  const versionOnly = !only && argv.slice(2).some((a) => a === '-V' || a === '--version');
  if (!versionOnly) for (const name of only ? [only] : Object.keys(COMMANDS)) (await COMMANDS[name]()).register(program);
  hintAfterErrors(program, 'govcheck');
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.error;
      return;
    }
    // Database failures of any command (a statement on a damaged, locked or full database) become one line.
    if (e instanceof Error && e.name === 'SqliteError') e = (await import('../store/db.js')).storeErrorFrom(e);
    const known = e instanceof Error && (KNOWN_ERRORS.has(e.name) || isFileSystemError(e));
    process.stderr.write(`govcheck: ${known ? (e as Error).message : ((e as Error)?.stack ?? String(e))}\n`);
    process.exitCode = EXIT.error;
  }
}

await main();
