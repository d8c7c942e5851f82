'use strict';
// Token fetching through the official Node SDK's typed calls and its own token manager.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const lark = require('@larksuiteoapi/node-sdk');
const { useEmulator, client, rejectsWith, TENANT_TOKEN } = require('./setup');

const ctx = useEmulator();
const DOC_NODE = 'doccnFivLCfJfblZjGZtxgabcef';

const uploadAll = (c, options) => c.drive.media.uploadAll({
  data: { file_name: 'a.txt', parent_type: 'doc_file', parent_node: DOC_NODE, size: 1, file: Buffer.from('a') },
}, options);

// A client with disableTokenCache sends no token of its own, so its typed token call is the
// first mint; an ordinary client's token manager fetches one before any typed call.
const fetchToken = (c) => c.auth.tenantAccessToken.internal({
  data: { app_id: 'cli_mock', app_secret: 'mock-secret' },
});

test('typed tenantAccessToken.internal mints a t- token with expire 7200 at top level, then hands it out again', async () => {
  const bare = client(ctx.mock.url, { disableTokenCache: true });
  const body = await fetchToken(bare);
  assert.equal(body.code, 0);
  assert.match(body.tenant_access_token, /^t-[0-9a-f]{40}$/);
  assert.equal(body.expire, 7200);
  assert.equal(body.data, undefined);
  await ctx.mock.advanceClock(60);
  const again = await fetchToken(bare);
  assert.equal(again.tenant_access_token, body.tenant_access_token);
  assert.ok(again.expire <= 7140 && again.expire > 7130, String(again.expire));
});

test('below 30 minutes left a new token is minted and the old one still works', async () => {
  const bare = client(ctx.mock.url, { disableTokenCache: true });
  const old = (await fetchToken(bare)).tenant_access_token;
  await ctx.mock.advanceClock(7200 - 1799);
  const fresh = await fetchToken(bare);
  assert.notEqual(fresh.tenant_access_token, old);
  assert.equal(fresh.expire, 7200);
  assert.match((await uploadAll(bare, lark.withTenantToken(old))).file_token, /^boxcn/);
});

test('typed appAccessToken.internal of a self-built app equals its tenant token', async () => {
  const app = await ctx.client.auth.appAccessToken.internal({
    data: { app_id: 'cli_mock', app_secret: 'mock-secret' },
  });
  assert.equal(app.code, 0);
  assert.equal(app.app_access_token, app.tenant_access_token);
});

test('a wrong secret is HTTP 200 code 10003, which the typed call returns', async () => {
  const body = await ctx.client.auth.tenantAccessToken.internal({
    data: { app_id: 'cli_mock', app_secret: 'wrong' },
  });
  assert.equal(body.code, 10003);
  assert.equal(body.msg, 'invalid param');
});

test('the token manager fetches one token and reuses it for later calls', async () => {
  await uploadAll(ctx.client);
  await uploadAll(ctx.client);
  const calls = await ctx.mock.requests();
  assert.deepEqual(calls.map((e) => e.endpoint), ['auth.tenant_access_token', 'drive.media.upload_all', 'drive.media.upload_all']);
  assert.ok(calls.every((e) => e.caller === null || e.caller === 'app:cli_mock'), JSON.stringify(calls));
});

test('withTenantToken is sent as given only by a client with disableTokenCache', async () => {
  // An ordinary client fetches its own token and overwrites the header withTenantToken set.
  await uploadAll(ctx.client, lark.withTenantToken('t-not-a-token'));
  const bare = client(ctx.mock.url, { disableTokenCache: true });
  await uploadAll(bare, lark.withTenantToken(TENANT_TOKEN));
  await rejectsWith(uploadAll(bare, lark.withTenantToken('t-not-a-token')), 400, 99991663);
  const calls = await ctx.mock.requests();
  assert.deepEqual(calls.map((e) => [e.endpoint, e.code]), [
    ['auth.tenant_access_token', 0],
    ['drive.media.upload_all', 0],
    ['drive.media.upload_all', 0],
    ['drive.media.upload_all', 99991663],
  ]);
});

test('a token the SDK still caches is refused with 99991663 once the emulator clock passes its expiry', async () => {
  await uploadAll(ctx.client);
  await ctx.mock.advanceClock(7200);
  await rejectsWith(uploadAll(ctx.client), 400, 99991663);
});

test('an app with none of the scopes gets 99991672 naming them', async () => {
  const noScope = client(ctx.mock.url, { appId: 'cli_mock_noscope' });
  const body = await rejectsWith(uploadAll(noScope), 400, 99991672);
  const subjects = body.error.permission_violations.map((v) => v.subject);
  assert.ok(subjects.includes('drive:drive'), JSON.stringify(subjects));
});
