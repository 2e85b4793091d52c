// Make every TCP server of this Node process listen on 127.0.0.1 only.
//
// The PDS, AppView (bsky), Ozone, bsync, the dataplane and the PLC of @atproto/dev-env all call
// `listen(port)` with no host, i.e. on every interface. Import this module FIRST (before
// @atproto/dev-env): it patches net.Server.prototype.listen, which http.Server inherits.
// Unix sockets, file descriptors and explicit loopback hosts are left alone; a wildcard or any
// other host is replaced by 127.0.0.1.
import net from 'node:net'

const HOST = '127.0.0.1'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

const isPort = (v) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))

export function loopbackListenArgs(args) {
  const [first, second] = args
  // listen() / listen(callback): a random port on every interface
  if (args.length === 0 || typeof first === 'function') return [0, HOST, ...args]
  // listen(port[, host][, backlog][, callback])
  if (isPort(first) || first === undefined || first === null) {
    if (typeof second === 'string') {
      return LOOPBACK.has(second) ? args : [first ?? 0, HOST, ...args.slice(2)]
    }
    return [first ?? 0, HOST, ...args.slice(1)]
  }
  // listen({ port, host, ... }[, callback]); a path, fd or handle is not TCP
  if (
    first &&
    typeof first === 'object' &&
    first.path === undefined &&
    first.fd === undefined &&
    first.handle === undefined &&
    first._handle === undefined
  ) {
    if (first.host && LOOPBACK.has(first.host)) return args
    return [{ ...first, host: HOST }, ...args.slice(1)]
  }
  return args
}

const originalListen = net.Server.prototype.listen
if (!originalListen.hygieLoopback) {
  const listen = function (...args) {
    return originalListen.apply(this, loopbackListenArgs(args))
  }
  listen.hygieLoopback = true
  net.Server.prototype.listen = listen
}
