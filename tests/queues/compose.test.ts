/**
 * docker-compose.yml and the Dockerfile cannot be run here (no Docker on this machine): this checks that
 * the compose file parses, that Redis is configured as the workers require (noeviction, AOF), and that
 * every govcheck command and flag it uses exists.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { register as registerCollect } from '../../src/cli/commands/collect.js';
import { register as registerServe } from '../../src/cli/commands/serve.js';
import { register as registerWorker } from '../../src/cli/commands/worker.js';
import { ROOT } from '../helpers.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

describe('docker-compose.yml (parsed, not run: no Docker here)', () => {
  it('runs Redis with noeviction and an append-only file', () => {
    const cmd = compose.services.redis.command!.join(' ');
    expect(cmd).toContain('--maxmemory-policy noeviction');
    expect(cmd).toContain('--appendonly yes');
    expect(compose.services.redis.volumes).toEqual(['redis-data:/data']);
  });

  it('has workers, one coordinator and the web app, on the govcheck image and that Redis', () => {
    for (const name of ['worker', 'collect', 'web']) {
      const s = compose.services[name];
      expect(s.build).toBe('.');
      expect(s.environment?.GOVCHECK_REDIS_URL).toBe('redis://redis:6379');
      expect(s.depends_on?.redis.condition).toBe('service_healthy');
    }
    expect(compose.services.worker.command![0]).toBe('worker');
    expect(compose.services.collect.command![0]).toBe('collect');
    expect(compose.services.web.command![0]).toBe('serve');
    // The coordinator and the web app share the SQLite volume; workers never touch it.
    expect(compose.services.collect.volumes).toEqual(['govcheck-data:/data']);
    expect(compose.services.web.volumes).toEqual(['govcheck-data:/data']);
    expect(compose.services.worker.volumes).toBeUndefined();
  });

  it('uses only commands and flags govcheck has', () => {
    const program = new Command();
    registerWorker(program);
    registerCollect(program);
    registerServe(program);
    for (const name of ['worker', 'collect', 'web']) {
      const [cmdName, ...args] = compose.services[name].command!;
      const cmd = program.commands.find((c) => c.name() === cmdName);
      expect(cmd, cmdName).toBeDefined();
      const known = cmd!.options.map((o) => o.long);
      for (const a of args.filter((x) => x.startsWith('--'))) expect(known, `${cmdName} ${a}`).toContain(a);
    }
  });

  it("the image installs Debian's Chromium and never downloads a browser", () => {
    const docker = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(docker).toMatch(/apt-get install[^\n]*chromium/);
    expect(docker).not.toMatch(/playwright install|npx playwright/);
    expect(docker).toMatch(/^FROM .* AS build$/m);
  });
});
