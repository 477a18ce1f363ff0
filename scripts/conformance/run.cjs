'use strict';
// Node side of the dotenv conformance harness (see scripts/conformance.sh).
// Usage: node run.cjs MANIFEST.json OUT.json [LOADER]
// (with nodecall: lines, also each named JavaScript file's dotenv calls)
//
// conformance.sh copies this file beside the node_modules that hold the JS
// loaders, so require()/import() find them. One process per case: every run
// folder and every loader runs in turn, with process.env and the working
// directory reset before each, and @next/env (which caches module-level
// state) required afresh for each call. With LOADER, only that loader runs:
// gorunner falls back to one process per loader when a loader hangs or crashes
// the process, so the others still get their results.

const fs = require('fs');
const path = require('path');

const BOOKKEEPING = new Set(['__NEXT_PROCESSED_ENV']); // set by @next/env for itself

function pkgVersion(name) {
  return require(`${name}/package.json`).version;
}

// dotenv-flow parses with its own copy of dotenv, not the top-level one.
function flowDotenvVersion() {
  const flowDir = path.dirname(require.resolve('dotenv-flow/package.json'));
  return require(require.resolve('dotenv/package.json', { paths: [flowDir] })).version;
}

function resetEnv(start) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, start);
}

// What the application sees beyond the runner's baseline: every key the case's
// env: lines set, and every key that is new or changed since the start.
function diff(got, start, caseEnv) {
  const vars = {};
  for (const [k, v] of Object.entries(got)) {
    if (v === undefined || BOOKKEEPING.has(k)) continue;
    if (k in caseEnv || !(k in start) || start[k] !== v) vars[k] = String(v);
  }
  return vars;
}

function pgOnly(vars) {
  const out = {};
  for (const [k, v] of Object.entries(vars)) if (k.startsWith('PG')) out[k] = v;
  return out;
}

function firstLine(e) {
  const msg = e && e.message !== undefined ? e.message : String(e);
  return String(msg).trim().split('\n')[0];
}

function freshNextEnv() {
  const file = require.resolve('@next/env');
  delete require.cache[file];
  return require(file);
}

async function main() {
  const [manifestPath, outPath, only] = process.argv.slice(2);
  const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const base = { ...process.env };
  delete base.PWD;

  const dotenv = require('dotenv');
  const { expand } = require('dotenv-expand');
  const dotenvFlow = require('dotenv-flow');
  const vite = await import('vite');
  const silent = { info() {}, warn() {}, error() {}, log() {} };

  const loaders = {
    dotenv: () => {
      const r = dotenv.config({ quiet: true });
      if (r.error) throw r.error;
      return process.env;
    },
    'dotenv-expand': () => {
      const r = expand(dotenv.config({ quiet: true }));
      if (r && r.error) throw r.error;
      return process.env;
    },
    'dotenv-flow': () => {
      const r = dotenvFlow.config({ node_env: m.mode, silent: true });
      if (r && r.error) throw r.error;
      return process.env;
    },
    next: (dir, start) => {
      if (m.mode === 'test') {
        process.env.NODE_ENV = 'test';
        start.NODE_ENV = 'test'; // the runner's doing, not the loader's
      }
      freshNextEnv().loadEnvConfig(dir, m.mode === 'development', silent, true);
      return process.env;
    },
    vite: (dir) => vite.loadEnv(m.mode, dir, ''),
  };
  const versions = {
    dotenv: pkgVersion('dotenv'),
    'dotenv-expand': pkgVersion('dotenv-expand'),
    'dotenv-flow': `${pkgVersion('dotenv-flow')} (dotenv ${flowDotenvVersion()})`,
    next: pkgVersion('@next/env'),
    vite: `${pkgVersion('vite')} (node ${process.version})`,
  };
  if (!m.next) {
    delete loaders.next;
    delete versions.next;
  }
  if (only) {
    for (const name of Object.keys(loaders)) if (name !== only) delete loaders[name];
  }

  const results = {};
  for (const name of Object.keys(loaders)) results[name] = {};
  for (const run of m.runs) {
    const dir = path.join(m.root, run);
    for (const [name, load] of Object.entries(loaders)) {
      const start = { ...base, PWD: dir };
      resetEnv(start);
      let res;
      try {
        process.chdir(dir);
        const got = { ...load(dir, start) };
        // What a driver in this process reads: process.env after loading
        // (Vite's loadEnv only returns a map), its PG* variables.
        res = { vars: diff(got, start, m.env), driver: pgOnly(diff({ ...process.env }, start, m.env)) };
      } catch (e) {
        res = { error: firstLine(e) };
      }
      results[name][run] = res;
    }
  }
  // nodecall: lines (dotenv's runner only): each JavaScript file of the case
  // runs as the application would run it (required under its own path, so
  // __dirname is its folder; 'dotenv' resolved to this install) in each run
  // folder; process.env afterwards is recorded.
  const nodecalls = {};
  if (loaders.dotenv) {
    const Module = require('module');
    const resolve = Module._resolveFilename;
    // A package the case's file requires (dotenv, @nestjs/config) is this
    // install's; its own relative requires stay its own.
    Module._resolveFilename = function (req, parent, ...rest) {
      if (!req.startsWith('.') && !path.isAbsolute(req)) return resolve.call(this, req, module, ...rest);
      return resolve.call(this, req, parent, ...rest);
    };
    for (const rel of m.nodecalls || []) {
      const file = path.join(m.root, rel);
      nodecalls[rel] = {};
      for (const run of m.runs) {
        const dir = path.join(m.root, run);
        const start = { ...base, PWD: dir };
        resetEnv(start);
        let res;
        try {
          process.chdir(dir);
          // Each run executes the file and dotenv/config's import afresh.
          delete require.cache[file];
          delete require.cache[require.resolve('dotenv/config')];
          delete require.cache[require.resolve('@dotenvx/dotenvx/config')];
          require(file);
          const vars = diff({ ...process.env }, start, m.env);
          const src = fs.readFileSync(file, 'utf8');
          const pkg = src.includes('@nestjs/config') ? '@nestjs/config' : src.includes('@dotenvx/dotenvx') ? '@dotenvx/dotenvx' : 'dotenv';
          res = { vars, driver: pgOnly(vars), version: `${pkg} ${pkgVersion(pkg)}` };
        } catch (e) {
          res = { error: firstLine(e) };
        }
        nodecalls[rel][run] = res;
      }
    }
    Module._resolveFilename = resolve;
  }
  // viteconfig: lines (vite's runner only): Vite's resolveConfig started in
  // that folder reads its vite.config (envDir, root); what loadEnv(mode,
  // config.envDir, '') then returns is recorded, as SvelteKit, Astro and a
  // vite.config's own loadEnv hand it to the server.
  const viteconfigs = {};
  if (loaders.vite) {
    for (const d of m.viteconfigs || []) {
      const dir = path.join(m.root, d);
      const start = { ...base, PWD: dir };
      resetEnv(start);
      let res;
      try {
        process.chdir(dir);
        const c = await vite.resolveConfig({ logLevel: 'silent' }, 'serve', m.mode);
        // resolveConfig sets NODE_ENV for the dev server; loadEnv would
        // then return it as if a file had set it.
        if ('NODE_ENV' in start) process.env.NODE_ENV = start.NODE_ENV;
        else delete process.env.NODE_ENV;
        const got = c.envDir === false ? {} : vite.loadEnv(m.mode, c.envDir, '');
        res = { vars: diff({ ...got }, start, m.env), driver: pgOnly(diff({ ...process.env }, start, m.env)) };
      } catch (e) {
        res = { error: firstLine(e) };
      }
      viteconfigs[d] = res;
    }
  }
  resetEnv(base);
  fs.writeFileSync(outPath, JSON.stringify({ versions, results, nodecalls, viteconfigs }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
