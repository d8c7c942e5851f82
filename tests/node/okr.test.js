'use strict';
// OKR image upload and progress record create (seeds 000, 001) through the official Node SDK:
// okr.image.upload and okr.progressRecord.create, camelCase rich text as Node sends it.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useEmulator, rejectsWith } = require('./setup');

const ctx = useEmulator();
const OBJECTIVE = '6974586812998174252';
const KEY_RESULT = '7041430377642082323';
const COLLEAGUE = 'ou_3bbe8a09c20e89cce9bff989ed840674';
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d'
  + '0000000049454e44ae426082', 'hex',
);

const uploadImage = (data, targetId = OBJECTIVE, targetType = 2) => ctx.client.okr.image.upload({
  data: { data, target_id: targetId, target_type: targetType },
});

const paragraph = (text, indentLevel = 1) => ({
  type: 'paragraph',
  paragraph: {
    style: { list: { type: 'number', indentLevel, number: 1 } },
    elements: [
      { type: 'textRun', textRun: { text, style: { bold: true, strikeThrough: true, textColor: { red: 216, green: 57, blue: 49, alpha: 1 } } } },
      { type: 'person', person: { openId: COLLEAGUE } },
    ],
  },
});

const gallery = (fileToken, src) => ({
  type: 'gallery',
  gallery: { imageList: [{ fileToken, src, width: 458, height: 372 }] },
});

const create = (blocks, targetId = OBJECTIVE) => ctx.client.okr.progressRecord.create({
  params: { user_id_type: 'open_id' },
  data: {
    source_title: '周报系统',
    source_url: 'https://www.zhoubao.com',
    target_id: targetId,
    target_type: 2,
    content: { blocks },
    progress_rate: { percent: 50.21, status: 0 },
  },
});

test('image upload answers a boxbc token whose URL serves the PNG with image/png', async () => {
  const data = await uploadImage(PNG);
  assert.match(data.file_token, /^boxbc[0-9A-Za-z]{22}$/);
  const got = await fetch(data.url);
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);
});

test('an image for a key result is accepted with target_type 3', async () => {
  assert.match((await uploadImage(PNG, KEY_RESULT, 3)).file_token, /^boxbc/);
});

test('a progress record whose gallery uses the uploaded image is answered in camelCase', async () => {
  const image = await uploadImage(PNG);
  const body = await create([paragraph('周报内容'), gallery(image.file_token, image.url)]);
  assert.equal(body.code, 0, JSON.stringify(body));
  assert.match(body.data.progress_id, /^\d{19}$/);
  assert.match(body.data.modify_time, /^\d{13}$/);
  assert.deepEqual(body.data.progress_rate, { percent: 50.21, status: 0 });
  const [text, pictures] = body.data.content.blocks;
  assert.deepEqual(text.paragraph.style.list, { indentLevel: 1, number: 1, type: 'number' });
  assert.equal(text.paragraph.elements[0].textRun.style.strikeThrough, true);
  assert.deepEqual(pictures.gallery.imageList, [{ fileToken: image.file_token, height: 372, src: image.url, width: 458 }]);
});

test('bytes that are no image are 1001001 and an unknown objective is 1001004, both HTTP 400', async () => {
  await rejectsWith(uploadImage(Buffer.from('%PDF-1.7 not an image')), 400, 1001001);
  await rejectsWith(uploadImage(PNG, '7000000000000000000'), 400, 1001004);
});

test('indentLevel 17 and a gallery token never uploaded are each 1001001', async () => {
  await rejectsWith(create([paragraph('x', 17)]), 400, 1001001);
  await rejectsWith(create([gallery('boxbcNeverUploaded0000000000', 'https://example.com/x.png')]), 400, 1001001);
});
