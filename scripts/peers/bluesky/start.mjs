// Start a real Bluesky network on loopback (Mode B of /work/shared/research/peers.md):
// in-memory PLC + PDS + AppView (bsky) + bsync + Ozone from @atproto/dev-env.
//
// Prints exactly one line `READY <pds_url> <appview_url>` on stdout once every service is up,
// then runs until SIGTERM/SIGINT (or stdin EOF when HYGIE_BSKY_EXIT_ON_STDIN_EOF=1), and closes
// the network cleanly. Errors go to stderr with a non-zero exit status.
//
// Run it with Node >= 22 (scripts/peers/bluesky/install.sh puts one in the cache) and with
// TMPDIR set to a directory of its own: the PDS leaves its data and blob dirs there.
//
// Environment:
//   HYGIE_BSKY_APP_DIR      dir holding node_modules/@atproto/dev-env
//                           (default ${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/bluesky/app)
//   HYGIE_BSKY_PORT_BASE    default 2582: PLC = base, PDS = base+1, AppView = base+2, Ozone = base+5
//   HYGIE_BSKY_PLC_PORT, HYGIE_BSKY_PDS_PORT, HYGIE_BSKY_APPVIEW_PORT, HYGIE_BSKY_OZONE_PORT
//                           override one port. bsync, the dataplane and a throw-away second PDS
//                           take free random ports (loopback too).
//   DB_POSTGRES_URL         default postgresql://postgres@127.0.0.1:5432/hygie_bsky
//   DB_POSTGRES_SCHEMA      required, [a-z_] only, FRESH for every start. dev-env creates the
//                           schemas appview_<s>, bsync_<s> and ozone_<s> from it.
//   REDIS_HOST              default 127.0.0.1:6379. dev-env asserts it is set, but
//                           @atproto/bsky 0.0.280 never connects to it (no db index to pick).
//   LOG_ENABLED             default false (the atproto services' pino logs)
import './loopback.mjs'

import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const env = process.env
const fail = (message) => {
  process.stderr.write(`bluesky peer: ${message}\n`)
  process.exit(1)
}

const major = Number(process.versions.node.split('.')[0])
if (major < 22) fail(`Node >= 22 is required, this is ${process.version} (run install.sh)`)

const schema = env.DB_POSTGRES_SCHEMA ?? ''
// bsync rejects digits; a reused schema keeps an old firehose cursor and never indexes.
if (!/^[a-z_]{1,40}$/.test(schema)) fail('DB_POSTGRES_SCHEMA must be set to 1-40 chars of [a-z_]')

const port = (name, fallback) => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name}=${raw} is not a port`)
  return value
}
const base = port('HYGIE_BSKY_PORT_BASE', 2582)
const ports = {
  plc: port('HYGIE_BSKY_PLC_PORT', base),
  pds: port('HYGIE_BSKY_PDS_PORT', base + 1),
  appview: port('HYGIE_BSKY_APPVIEW_PORT', base + 2),
  ozone: port('HYGIE_BSKY_OZONE_PORT', base + 5),
}
for (const [name, value] of Object.entries(ports)) {
  if (value > 65535) fail(`the ${name} port ${value} is out of range (lower HYGIE_BSKY_PORT_BASE)`)
}

env.DB_POSTGRES_URL ||= 'postgresql://postgres@127.0.0.1:5432/hygie_bsky'
env.REDIS_HOST ||= '127.0.0.1:6379'
env.LOG_ENABLED ||= 'false'

const appDir =
  env.HYGIE_BSKY_APP_DIR ||
  path.join(env.HYGIE_PEERS_CACHE || path.join(os.homedir(), '.cache/hygie/peers'), 'bluesky/app')
let devEnv
try {
  const resolved = createRequire(path.join(appDir, 'package.json')).resolve('@atproto/dev-env')
  devEnv = await import(pathToFileURL(resolved).href)
} catch (err) {
  fail(`cannot load @atproto/dev-env from ${appDir} (run install.sh): ${err?.message ?? err}`)
}

let network = null
let stopping = false
const stop = async (signal) => {
  if (stopping) return
  stopping = true
  if (!network) process.exit(143) // still starting: nothing of ours to close yet
  const timer = setTimeout(() => {
    process.stderr.write(`bluesky peer: close() took more than 15 s after ${signal}\n`)
    process.exit(1)
  }, 15_000)
  timer.unref()
  try {
    await network.close()
    process.exit(0)
  } catch (err) {
    process.stderr.write(`bluesky peer: close() failed: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
if (env.HYGIE_BSKY_EXIT_ON_STDIN_EOF === '1') {
  // The parent holds our stdin: if it dies without stopping us, we do not outlive it.
  process.stdin.on('end', () => void stop('stdin EOF'))
  process.stdin.on('error', () => void stop('stdin error'))
  process.stdin.resume()
}

try {
  network = await devEnv.TestNetwork.create({
    dbPostgresUrl: env.DB_POSTGRES_URL,
    dbPostgresSchema: schema,
    plc: { port: ports.plc },
    pds: { port: ports.pds, hostname: 'localhost', enableDidDocWithSession: true },
    bsky: { port: ports.appview, publicUrl: `http://localhost:${ports.appview}` },
    ozone: {
      port: ports.ozone,
      chatUrl: 'http://127.0.0.1:9', // nothing listens there: fails fast, no DNS
      chatDid: 'did:example:chat',
      dbMaterializedViewRefreshIntervalMs: 30_000,
    },
  })
} catch (err) {
  fail(`TestNetwork.create failed: ${err?.stack ?? err}`)
}
if (stopping) {
  // A signal arrived while starting: close what was just created.
  stopping = false
  await stop('a signal during start')
}

// Explicit loopback addresses: no resolver involved, whatever localhost maps to.
const loopbackUrl = (url) => url.replace('//localhost:', '//127.0.0.1:')
process.stdout.write(`READY ${loopbackUrl(network.pds.url)} ${loopbackUrl(network.bsky.url)}\n`)
