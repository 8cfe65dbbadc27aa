#!/usr/bin/env node
/** govcheck command line. Exit codes: 0 pass, 1 fail, 2 error (bad arguments, unreachable database…). */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { UnknownCheckError } from '../site-check.js';
import { StoreError } from '../store/db.js';
import { EXIT, UsageError } from './common.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerChecks } from './commands/checks.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerNotice } from './commands/notice.js';
import { register as registerRegistry } from './commands/registry.js';
import { register as registerRun } from './commands/run.js';
import { register as registerServe } from './commands/serve.js';
import { register as registerTable } from './commands/table.js';
import { register as registerWorker } from './commands/worker.js';
import { register as registerCollect } from './commands/collect.js';
import { register as registerSchedule } from './commands/schedule.js';
import { register as registerScanText } from './commands/scan-text.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('govcheck')
    .description('政府网站与政务新媒体检查 — inspects government websites and new-media accounts')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerCheck(program);
  registerChecks(program);
  registerDemo(program);
  registerRegistry(program);
  registerRun(program);
  registerTable(program);
  registerNotice(program);
  registerServe(program);
  registerWorker(program);
  registerCollect(program);
  registerSchedule(program);
  registerScanText(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.error;
      return;
    }
    const known = e instanceof UsageError || e instanceof ConfigError || e instanceof StoreError || e instanceof UnknownCheckError;
    process.stderr.write(`govcheck: ${known ? (e as Error).message : (e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = EXIT.error;
  }
}

await main();
