// demo.test.mjs - `make demo`'s script (tests/demo/demo.mjs) as a newcomer
// runs it: in a process group of its own, as a terminal would start it.
// It prints the URL; the pages show the month of images, the images load
// from the gateway stub as PNGs, comments are there; then SIGINT to the
// whole group (Ctrl-C) stops the daemon, the gateway and the devnet, and
// the temporary directory is gone.  Expected values come from the daemon's
// own JSON and the devnet, never typed in.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

import { BIN, ROOT, waitFor } from './harness.mjs';

let proc = null;

// A failed test still stops the demo the way Ctrl-C does, then for sure.
after(async () => {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  process.kill(-proc.pid, 'SIGINT');
  const t = setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }, 20000);
  await gone;
  clearTimeout(t);
});

const up = async (url) => {
  try {
    await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                       body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}', signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
};

test('make demo: a month of pictures with comments; Ctrl-C stops everything it started', async () => {
  proc = spawn(process.execPath, [path.join(ROOT, 'tests/demo/demo.mjs'), '--bin', BIN, '--port', '0'],
               { cwd: path.join(ROOT, 'tests'), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  const url = await waitFor(() => /arbiusd demo: open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1],
                            { timeoutMs: 240000, intervalMs: 250, what: `the demo URL (stderr: ${err})` });
  const rpc = /demo: devnet on (\S+)/.exec(err)[1];
  const [, gateway, dir] = /demo: IPFS gateway stub on (\S+); files in (\S+)/.exec(err);
  assert.ok(fs.existsSync(dir));

  // The dashboard, the gallery and an image page answer; the gallery holds a
  // month of images (more than the `full` scenario's own).
  const dash = await fetch(url + '/');
  assert.equal(dash.status, 200);
  const stats = await (await fetch(url + '/api/v1/stats')).json();
  assert.ok(stats.images_total >= 50, `images: ${stats.images_total}`);
  const daily = await (await fetch(url + '/api/v1/charts/daily?days=30')).json();
  assert.ok(daily.points.filter((p) => p.images > 0).length >= 20, 'images on most days of the month');
  const page = await (await fetch(url + '/api/v1/images?limit=24')).json();
  assert.equal(page.items.length, 24);
  const first = page.items[0];
  assert.ok(first.image_url.startsWith(gateway + '/ipfs/'), first.image_url);
  const png = await fetch(first.image_url);
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await png.arrayBuffer());
  assert.equal(bytes.readUInt32BE(16), 256, 'a 256 px picture, not the tests\' 8 px square');
  // Comments, upvotes and reactions from the throwaway wallets.
  const withComments = [];
  for (const it of page.items.slice(0, 8)) {
    const s = await (await fetch(`${url}/api/v1/image/${it.id}/social`)).json();
    if (s.comments.length) withComments.push(s);
  }
  assert.ok(withComments.length >= 3, 'comments on the newest images');
  assert.ok(page.items.slice(0, 8).some((x) => x.upvotes > 0));
  const html = (await (await fetch(`${url}/image/${withComments[0].task}`)).text()).replaceAll('&#47;', '/');
  assert.match(html, /<img [^>]*src="http:\/\/127\.0\.0\.1:\d+\/ipfs\//);
  assert.equal(await up(rpc), true);

  // Ctrl-C: the terminal sends SIGINT to the whole foreground group.
  process.kill(-proc.pid, 'SIGINT');
  const r = await exited;
  assert.equal(r.code, 0, err);
  assert.match(err, /demo: stopped/);
  await assert.rejects(fetch(url + '/health', { signal: AbortSignal.timeout(2000) }), 'the daemon is gone');
  await assert.rejects(fetch(gateway + '/ipfs/x', { signal: AbortSignal.timeout(2000) }), 'the gateway is gone');
  assert.equal(await up(rpc), false, 'the devnet is gone');
  assert.equal(fs.existsSync(dir), false, 'the temporary directory is removed');
  // Nothing of the group is left running.
  let alive = true;
  try { process.kill(-proc.pid, 0); } catch { alive = false; }
  assert.equal(alive, false, 'no process of the demo\'s group is left');
});
