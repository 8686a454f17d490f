// Preloaded into the Ponder process by bench/ponder.mjs (NODE_OPTIONS=
// --require): every TCP connection to a host outside the loopback range
// fails at once and is reported on stderr, so the benchmark can say that
// Ponder talked to the devnet and to nothing else (telemetry is off too:
// PONDER_TELEMETRY_DISABLED).  Unix sockets are left alone.
'use strict';
const net = require('node:net');

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // net.connect() passes its normalised arguments
  let host;
  if (a !== null && typeof a === 'object') {
    if (a.path) return connect.apply(this, args);
    host = a.host ?? 'localhost';
  } else if (typeof a === 'number' || /^\d+$/.test(String(a))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else {
    return connect.apply(this, args); // a path
  }
  host = String(host).replace(/^\[|\]$/g, '');
  if (LOOPBACK.test(host)) return connect.apply(this, args);
  process.stderr.write(`offline.cjs: refused a connection to ${host}\n`);
  process.nextTick(() => this.destroy(new Error(`offline.cjs: no network beyond loopback (${host})`)));
  return this;
};
