'use strict';
// Per-file setup shared by the suites: one emulator per test file, reset before each test, and
// a fresh official SDK client per test. The reset makes the emulator forget the tokens it
// issued, and the SDK caches tenant tokens process-wide by app id unless the client is given
// its own cache, so each client gets a new `lark.DefaultCache`.

const { before, after, beforeEach } = require('node:test');
const lark = require('@larksuiteoapi/node-sdk');
const { start, APP_ID, APP_SECRET } = require('./emulator');

function useEmulator({ args = ['--no-rate-limits'] } = {}) {
  const ctx = {};
  before(async () => { ctx.mock = await start({ args }); });
  after(() => ctx.mock.stop());
  beforeEach(async () => {
    await ctx.mock.reset();
    ctx.client = client(ctx.mock.url);
  });
  return ctx;
}

// The SDK logs every failed call at error level, and `loggerLevel: LoggerLevel.fatal` (0) is
// read as unset (`params.loggerLevel || info`), so a silent logger keeps the test output clean.
const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

function client(url, { appId = APP_ID, appSecret = APP_SECRET, ...more } = {}) {
  return new lark.Client({
    appId,
    appSecret,
    domain: url,
    cache: new lark.DefaultCache(),
    logger: silent,
    ...more,
  });
}

/** Asserts that `promise` rejects with an HTTP `status` whose Feishu body carries `code`. */
async function rejectsWith(promise, status, code) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (!error) throw new Error(`resolved, expected HTTP ${status} code ${code}`);
  if (!error.response) throw error;
  const { status: got, data } = error.response;
  if (got !== status || data.code !== code) {
    throw new Error(`expected HTTP ${status} code ${code}, got HTTP ${got} ${JSON.stringify(data)}`);
  }
  return data;
}

module.exports = {
  useEmulator,
  client,
  rejectsWith,
  TENANT_TOKEN: 't-43b270c035ddffdcf79c9eb548d06318ca4abcef',
  USER_TOKEN: 'u-7f1bcd13fc57d46bac21793a18e560',
  USER_OPEN_ID: 'ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f',
};
