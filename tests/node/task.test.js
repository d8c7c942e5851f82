'use strict';
// Task v2 attachments (seed 002) through the official Node SDK: task.v2.attachment
// upload / list / get / delete, and the attachment URL.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const lark = require('@larksuiteoapi/node-sdk');
const { useEmulator, rejectsWith, USER_TOKEN, USER_OPEN_ID } = require('./setup');

const ctx = useEmulator();
const TASK = 'fe96108d-b004-4a47-b2f8-6886e758b3a5';
const FOREIGN_TASK = '9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d';

const upload = (file, resourceId = TASK, options) => ctx.client.task.v2.attachment.upload({
  params: { user_id_type: 'open_id' },
  data: { resource_type: 'task', resource_id: resourceId, file },
}, options);

test('two Buffers in one upload travel as file[] parts and come back in order', async () => {
  const data = await upload([Buffer.from('aaa'), Buffer.from('bbbbbb')]);
  assert.deepEqual(data.items.map((i) => i.size), [3, 6]);
  const [entry] = await ctx.mock.requests({ endpoint: 'task.attachment.upload' });
  assert.deepEqual(entry.parts.map((p) => p.name), ['file[]', 'file[]']);
  const item = data.items[0];
  assert.deepEqual(item.resource, { type: 'task', id: TASK });
  assert.deepEqual(item.uploader, { id: 'cli_mock', type: 'app', role: 'creator' });
});

test('list shows uploads in order with URLs, get returns one, and its URL serves the bytes', async () => {
  const first = (await upload(Buffer.from('first'))).items[0];
  const second = (await upload(Buffer.from('second'))).items[0];
  const listed = await ctx.client.task.v2.attachment.list({
    params: { resource_type: 'task', resource_id: TASK, page_size: 1 },
  });
  assert.equal(listed.code, 0);
  assert.deepEqual(listed.data.items.map((i) => i.guid), [first.guid]);
  assert.equal(listed.data.has_more, true);
  const next = await ctx.client.task.v2.attachment.list({
    params: { resource_type: 'task', resource_id: TASK, page_size: 1, page_token: listed.data.page_token },
  });
  assert.deepEqual(next.data.items.map((i) => i.guid), [second.guid]);
  const got = await ctx.client.task.v2.attachment.get({ path: { attachment_guid: second.guid } });
  assert.equal(got.data.attachment.guid, second.guid);
  const bytes = await (await fetch(got.data.attachment.url)).text();
  assert.equal(bytes, 'second');
});

test('listWithIterator walks every page', async () => {
  for (const n of [1, 2, 3]) await upload(Buffer.from(`f${n}`));
  const sizes = [];
  for await (const page of await ctx.client.task.v2.attachment.listWithIterator({
    params: { resource_type: 'task', resource_id: TASK, page_size: 2 },
  })) {
    for (const item of page.items) sizes.push(item.size);
  }
  assert.deepEqual(sizes, [2, 2, 2]);
});

test('delete removes an attachment; getting it again is 1470404 with HTTP 404, as the get page says', async () => {
  const { guid } = (await upload(Buffer.from('gone'))).items[0];
  const deleted = await ctx.client.task.v2.attachment.delete({ path: { attachment_guid: guid } });
  assert.equal(deleted.code, 0);
  await rejectsWith(ctx.client.task.v2.attachment.get({ path: { attachment_guid: guid } }), 404, 1470404);
});

test('with a user token the uploader is the user by open_id', async () => {
  const data = await upload(Buffer.from('mine'), TASK, lark.withUserAccessToken(USER_TOKEN));
  assert.deepEqual(data.items[0].uploader, { id: USER_OPEN_ID, type: 'user', role: 'creator' });
});

test('an unknown task is 1470403 (HTTP 403) and a task the app may not edit is 1470404 (HTTP 404)', async () => {
  await rejectsWith(upload(Buffer.from('x'), '00000000-0000-4000-8000-000000000000'), 403, 1470403);
  await rejectsWith(upload(Buffer.from('x'), FOREIGN_TASK), 404, 1470404);
});

test('six files in one upload are 1470400 and store nothing', async () => {
  const six = Array.from({ length: 6 }, (_, i) => Buffer.from(`file ${i}`));
  await rejectsWith(upload(six), 400, 1470400);
  assert.deepEqual(await ctx.mock.files(), []);
});
