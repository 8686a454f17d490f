// bench/lib.mjs - what the HTTP benchmarks share: the machine line and a
// wrk run parsed into numbers.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try { cpu = execFileSync('lscpu', { encoding: 'utf8' }).match(/Model name:\s*(.+)/)?.[1] ?? cpu; } catch { /* no lscpu */ }
  let mhd = '?';
  try { mhd = execFileSync('pkg-config', ['--modversion', 'libmicrohttpd'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  let sqlite = '?';
  try { sqlite = execFileSync('pkg-config', ['--modversion', 'sqlite3'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  return `${cpu}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `${os.type()} ${os.release()}, libmicrohttpd ${mhd}, SQLite ${sqlite}`;
}

// Latency text from wrk ("812.00us", "3.10ms", "1.2s") in milliseconds.
function ms(s) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2]];
}

// One wrk run: {rps, p50, p99, non2xx, errors}.
export function wrk(url, { duration = 10, connections = 64, threads = 2 } = {}) {
  const out = execFileSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${duration}s`, '--latency', url],
    { encoding: 'utf8', maxBuffer: 1 << 24 });
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = ms(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors:(.*)/.exec(out)?.[1]?.trim() ?? '';
  return { rps, p50, p99, non2xx, errors, raw: out };
}

