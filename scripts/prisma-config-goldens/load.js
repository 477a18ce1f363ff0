// Loads the Prisma config file of one case folder with Prisma's own
// loader (@prisma/config's loadConfigFromFile, as the prisma CLI does)
// and prints what dbguard must read from it. Every environment variable
// the case's files spell that the config reads and no env file sets reads as "var:NAME file:-"; each
// case's env files set "var:NAME file:FILE", so the URL says which
// variable and which env file Prisma used.
'use strict'
const path = require('path')
const dir = path.resolve(process.argv[2])
const fs = require('fs')
const real = process.env
// The names the case's files spell: only those read as unset-but-known,
// so the loader's own variables (BABEL_*, DEBUG) stay what they are.
const names = new Set()
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue
    const p = path.join(d, e.name)
    if (e.isDirectory()) walk(p)
    else for (const m of fs.readFileSync(p, 'utf8').matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g)) names.add(m[0])
  }
}
walk(dir)
process.env = new Proxy({}, {
  get: (t, k) => (k in t ? t[k] : names.has(k) && !(k in real) ? `var:${k} file:-` : real[k]),
  set: (t, k, v) => { t[k] = String(v); return true },
  has: (t, k) => k in t || k in real,
  deleteProperty: (t, k) => delete t[k],
  ownKeys: (t) => [...new Set([...Reflect.ownKeys(t), ...Reflect.ownKeys(real)])],
  getOwnPropertyDescriptor: (t, k) => Object.getOwnPropertyDescriptor(t, k) ?? Object.getOwnPropertyDescriptor(real, k),
})
process.chdir(dir)
// A URL written in the config is recorded as such, never quoted.
const shown = (u) => (u === undefined ? '' : u.startsWith('var:') ? u : 'literal')
const rel = (p) => (p ? path.relative(dir, p).split(path.sep).join('/') : '')
require(require.resolve('@prisma/config', { paths: [process.cwd()] })).loadConfigFromFile({ configRoot: dir }).then((r) => {
  const c = r.config ?? {}
  const out = {
    prisma: require(require.resolve('prisma/package.json', { paths: [dir] })).version,
    file: r.error ? '' : rel(r.resolvedPath),
    error: r.error ? r.error._tag : '',
    schema: rel(c.schema),
    migrations: rel(c.migrations?.path),
    url: shown(c.datasource?.url),
    shadowDatabaseUrl: shown(c.datasource?.shadowDatabaseUrl),
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
})
