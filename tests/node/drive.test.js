'use strict';
// Drive media upload_all (seed 004) through the official Node SDK: drive.media.uploadAll.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { useEmulator, client, rejectsWith } = require('./setup');

const ctx = useEmulator();
const DOC_NODE = 'doccnFivLCfJfblZjGZtxgabcef';

function adler32(buf) {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const uploadAll = (file, fields = {}, options) => ctx.client.drive.media.uploadAll({
  data: {
    file_name: 'demo.jpeg', parent_type: 'doc_image', parent_node: DOC_NODE,
    size: file.length ?? fs.statSync(file.path).size, file, ...fields,
  },
}, options);

test('uploadAll of a Buffer answers a boxcn token and the emulator keeps the bytes', async () => {
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(1020, 7)]);
  const data = await uploadAll(bytes);
  assert.match(data.file_token, /^boxcn[0-9A-Za-z]{22}$/);
  assert.deepEqual(await ctx.mock.fileBytes(data.file_token), bytes);
  const [entry] = await ctx.mock.requests({ endpoint: 'drive.media.upload_all' });
  assert.equal(entry.code, 0);
  assert.deepEqual(entry.parts.map((p) => [p.name, p.size]), [['file', 1024]]);
});

test('uploadAll of a ReadStream sends the file\'s bytes', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fm-')), 'report.txt');
  fs.writeFileSync(file, 'streamed from disk');
  const data = await uploadAll(fs.createReadStream(file), { size: 18, file_name: 'report.txt', parent_type: 'doc_file' });
  const [stored] = await ctx.mock.files();
  assert.equal(stored.file_token, data.file_token);
  assert.equal(stored.name, 'report.txt');
  assert.equal((await ctx.mock.fileBytes(data.file_token)).toString(), 'streamed from disk');
});

test('uploadAll with the Adler-32 checksum as a decimal string is accepted, a wrong one is 1062008', async () => {
  const bytes = Buffer.from('feishu-mock'.repeat(100));
  const data = await uploadAll(bytes, { checksum: String(adler32(bytes)) });
  assert.match(data.file_token, /^boxcn/);
  await rejectsWith(uploadAll(bytes, { checksum: String(adler32(bytes) + 1) }), 400, 1062008);
});

test('an unknown parent node throws HTTP 400 with 1061044 and the seed\'s msg', async () => {
  const body = await rejectsWith(uploadAll(Buffer.from('x'), { parent_node: 'doccnDoesNotExist' }), 400, 1061044);
  assert.equal(body.msg, 'parent node not exist.');
  assert.match(body.error.log_id, /^\d{14}[0-9A-F]{20}$/);
});

test('a size other than the byte count is 1062009 and stores nothing', async () => {
  await rejectsWith(uploadAll(Buffer.from('x'.repeat(10)), { size: 11 }), 400, 1062009);
  assert.deepEqual(await ctx.mock.files(), []);
});

test('X-Mock-Error-Code in the SDK\'s request options forces a documented code and stores nothing', async () => {
  const forced = (code) => uploadAll(Buffer.from('x'), {}, { headers: { 'X-Mock-Error-Code': String(code) } });
  await rejectsWith(forced(1061043), 400, 1061043);
  // 1061045 is documented with HTTP 200: the SDK's upload helper returns only `data`, so the
  // caller sees null; the journal keeps the code.
  assert.equal(await forced(1061045), null);
  assert.deepEqual((await ctx.mock.requests()).map((e) => [e.status, e.code]).slice(-2), [[400, 1061043], [200, 1061045]]);
  assert.deepEqual(await ctx.mock.files(), []);
});

test('a fault rule with times 2 fails two uploads, then the SDK succeeds', async () => {
  await ctx.mock.failNext('drive.media.upload_all', 1061043, 2);
  await rejectsWith(uploadAll(Buffer.from('1')), 400, 1061043);
  await rejectsWith(uploadAll(Buffer.from('2')), 400, 1061043);
  assert.match((await uploadAll(Buffer.from('3'))).file_token, /^boxcn/);
});

test('a node added to the world at runtime takes uploads until the next reset', async () => {
  await ctx.mock.addToWorld({ drive: { nodes: [{ token: 'doxcnAddedByNode', type: 'docx' }] } });
  assert.match((await uploadAll(Buffer.from('n'), { parent_node: 'doxcnAddedByNode' })).file_token, /^boxcn/);
  await ctx.mock.reset();
  // The reset forgot the token this test's client holds: a new client fetches a new one.
  ctx.client = client(ctx.mock.url);
  await rejectsWith(uploadAll(Buffer.from('n'), { parent_node: 'doxcnAddedByNode' }), 400, 1061044);
});
