/**
 * Parsed YAML kept in the cache folder (issue 20): a hit is what a parse gives; an edited text is parsed again, never
 * answered from an older file; values JSON cannot give back exactly and texts with warnings are not kept.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIR, loadConfig } from '../src/config.js';
import { parseYaml, parseYamlCached, yamlCacheFile } from '../src/yaml.js';
import { ownCacheDir } from './helpers.js';

const dir = ownCacheDir('govcheck-yaml-cache-', 'cache');

const kept = () => readdirSync(path.join(dir, 'cache')).filter((f) => /^yaml-[0-9a-f]{24}\.json$/.test(f));

describe('YAML cache', () => {
  it('gives back what a parse gives, for every shipped config file', () => {
    for (const f of readdirSync(CONFIG_DIR).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(path.join(CONFIG_DIR, f), 'utf8');
      const fresh = parseYaml(text);
      expect(parseYamlCached(text)).toEqual(fresh);
      expect(existsSync(yamlCacheFile(text)!)).toBe(true);
      expect(parseYamlCached(text)).toStrictEqual(JSON.parse(JSON.stringify(fresh)));
    }
  });

  it('reads the kept value, and an edited text is parsed again', () => {
    const text = 'a: 1\nlist: [x, y]\n';
    expect(parseYamlCached(text)).toEqual({ a: 1, list: ['x', 'y'] });
    const file = yamlCacheFile(text)!;
    // the kept file is what answers (planted value), so a change of the text must not reach it
    writeFileSync(file, '{"planted":true}');
    expect(parseYamlCached(text)).toEqual({ planted: true });
    const edited = 'a: 2\nlist: [x, y]\n';
    expect(yamlCacheFile(edited)).not.toBe(file);
    expect(parseYamlCached(edited)).toEqual({ a: 2, list: ['x', 'y'] });
    // a damaged file is read around
    writeFileSync(yamlCacheFile(edited)!, '{"not":');
    expect(parseYamlCached(edited)).toEqual({ a: 2, list: ['x', 'y'] });
  });

  it('keeps no value JSON would change, nor a text with warnings, and errors stay errors', () => {
    const n = kept().length;
    expect(parseYamlCached('x: .inf\n')).toEqual({ x: Number.POSITIVE_INFINITY });
    expect(parseYamlCached('x: -0\n')).toEqual({ x: -0 });
    expect(parseYamlCached('x: !unknowntag 1\n')).toEqual(parseYaml('x: !unknowntag 1\n'));
    expect(kept().length).toBe(n);
    expect(() => parseYamlCached('a: [1, 2\n')).toThrow();
    expect(kept().length).toBe(n);
  });

  it('loads the same config with and without the cache folder', () => {
    const withCache = loadConfig();
    process.env.GOVCHECK_CACHE_DIR = 'off';
    try {
      expect(loadConfig()).toEqual(withCache);
    } finally {
      process.env.GOVCHECK_CACHE_DIR = path.join(dir, 'cache');
    }
  });
});
