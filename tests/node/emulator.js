'use strict';
// The Node recipe of the README: start `feishu-mock serve --port 0`, read the URL from its
// first stdout line, wait on /__mock/health, reset before each test, stop at the end.
// Node's own fetch and child_process only; the binary is $FEISHU_MOCK_BIN or `feishu-mock`.

const { spawn } = require('node:child_process');
const readline = require('node:readline');

async function control(url, method, route, body) {
  const resp = await fetch(`${url}/__mock/${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!resp.ok) throw new Error(`${method} /__mock/${route}: HTTP ${resp.status} ${await resp.text()}`);
  return resp.json();
}

async function waitHealthy(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/__mock/health`)).ok) return;
    } catch (_) {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/__mock/health not healthy in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts an emulator on a free port; resolves once it is healthy. */
async function start({ args = [], timeoutMs = 10000 } = {}) {
  const bin = process.env.FEISHU_MOCK_BIN || 'feishu-mock';
  const child = spawn(bin, ['serve', '--port', '0', '--log-format', 'off', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin}: no listening line in ${timeoutMs} ms`)), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${bin} exited ${code}: ${stderr}`)); });
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.replace('feishu-mock listening on ', ''));
    });
  });
  child.removeAllListeners('exit');
  await waitHealthy(url, timeoutMs);
  return {
    url,
    reset: () => control(url, 'POST', 'reset'),
    requests: async (query = {}) =>
      (await control(url, 'GET', `requests?${new URLSearchParams(query)}`)).requests
        .filter((e) => e.endpoint !== 'admin'),
    files: async () => (await control(url, 'GET', 'files')).files,
    fileBytes: async (token) => Buffer.from(await (await fetch(`${url}/__mock/files/${token}`)).arrayBuffer()),
    failNext: (endpoint, code, times = 1) => control(url, 'POST', 'faults', { endpoint, error_code: code, times }),
    advanceClock: (seconds) => control(url, 'POST', 'clock', { advance_seconds: seconds }),
    addToWorld: (fragment) => control(url, 'POST', 'world', fragment),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

module.exports = { start, APP_ID: 'cli_mock', APP_SECRET: 'mock-secret' };
