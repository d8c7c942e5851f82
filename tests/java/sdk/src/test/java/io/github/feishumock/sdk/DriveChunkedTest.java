package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonSyntaxException;
import com.lark.oapi.Client;
import com.lark.oapi.core.response.RawResponse;
import com.lark.oapi.core.token.AccessTokenType;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.drive.v1.model.BatchGetTmpDownloadUrlMediaReq;
import com.lark.oapi.service.drive.v1.model.BatchGetTmpDownloadUrlMediaResp;
import com.lark.oapi.service.drive.v1.model.DownloadMediaReq;
import com.lark.oapi.service.drive.v1.model.DownloadMediaResp;
import com.lark.oapi.service.drive.v1.model.MediaUploadInfo;
import com.lark.oapi.service.drive.v1.model.TmpDownloadUrl;
import com.lark.oapi.service.drive.v1.model.UploadFinishMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadFinishMediaReqBody;
import com.lark.oapi.service.drive.v1.model.UploadFinishMediaResp;
import com.lark.oapi.service.drive.v1.model.UploadPartMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadPartMediaReqBody;
import com.lark.oapi.service.drive.v1.model.UploadPartMediaResp;
import com.lark.oapi.service.drive.v1.model.UploadPrepareMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadPrepareMediaResp;
import com.lark.oapi.service.drive.v1.model.UploadPrepareMediaRespBody;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drive media past 20 MB: upload_prepare / upload_part / upload_finish, download whole and with
 * a Range, batch_get_tmp_download_url (FOLLOWUP_APIS §1–2), through the SDK's typed calls.
 */
@FeishuMockSettings(args = "--no-rate-limits")
class DriveChunkedTest {
    private static final int BLOCK = 4 * 1024 * 1024;
    private static final int SIZE = 25 * 1024 * 1024 + 123;
    private final FeishuMock mock;
    private final Client client;
    @TempDir
    Path dir;

    DriveChunkedTest(FeishuMock mock) {
        this.mock = mock;
        this.client = Sdk.client(mock);
    }

    private UploadPrepareMediaResp prepare(int size, RequestOptions options) throws Exception {
        MediaUploadInfo info = MediaUploadInfo.newBuilder().fileName("video.mp4").parentType("docx_file")
                .parentNode(Sdk.DOC_NODE).size(size).build();
        UploadPrepareMediaReq req = UploadPrepareMediaReq.newBuilder().mediaUploadInfo(info).build();
        return options == null ? client.drive().v1().media().uploadPrepare(req)
                : client.drive().v1().media().uploadPrepare(req, options);
    }

    private UploadPrepareMediaRespBody prepared(int size) throws Exception {
        UploadPrepareMediaResp resp = prepare(size, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        return resp.getData();
    }

    private UploadPartMediaResp part(String uploadId, int seq, byte[] block, String checksum, RequestOptions options)
            throws Exception {
        Path file = Sdk.write(dir, "block-" + seq, block);
        UploadPartMediaReqBody.Builder body = UploadPartMediaReqBody.newBuilder().uploadId(uploadId).seq(seq)
                .size(block.length).file(file.toFile());
        if (checksum != null) {
            body.checksum(checksum);
        }
        UploadPartMediaReq req = UploadPartMediaReq.newBuilder().uploadPartMediaReqBody(body.build()).build();
        return options == null ? client.drive().v1().media().uploadPart(req)
                : client.drive().v1().media().uploadPart(req, options);
    }

    private UploadFinishMediaResp finish(String uploadId, int blockNum, RequestOptions options) throws Exception {
        UploadFinishMediaReq req = UploadFinishMediaReq.newBuilder().uploadFinishMediaReqBody(
                UploadFinishMediaReqBody.newBuilder().uploadId(uploadId).blockNum(blockNum).build()).build();
        return options == null ? client.drive().v1().media().uploadFinish(req)
                : client.drive().v1().media().uploadFinish(req, options);
    }

    private DownloadMediaResp download(String token, RequestOptions options) throws Exception {
        DownloadMediaReq req = DownloadMediaReq.newBuilder().fileToken(token).build();
        return options == null ? client.drive().v1().media().download(req)
                : client.drive().v1().media().download(req, options);
    }

    private BatchGetTmpDownloadUrlMediaResp links(String[] tokens, RequestOptions options) throws Exception {
        BatchGetTmpDownloadUrlMediaReq req = BatchGetTmpDownloadUrlMediaReq.newBuilder().fileTokens(tokens).build();
        return options == null ? client.drive().v1().media().batchGetTmpDownloadUrl(req)
                : client.drive().v1().media().batchGetTmpDownloadUrl(req, options);
    }

    /** A file of {@code data} through prepare, its blocks with their Adler-32, and finish. */
    private String uploadChunked(byte[] data) throws Exception {
        UploadPrepareMediaRespBody plan = prepared(data.length);
        for (int seq = 0; seq < plan.getBlockNum(); seq++) {
            int from = seq * plan.getBlockSize();
            byte[] block = Arrays.copyOfRange(data, from, Math.min(data.length, from + plan.getBlockSize()));
            UploadPartMediaResp resp = part(plan.getUploadId(), seq, block, Sdk.adler32(block, 0, block.length), null);
            assertEquals(0, resp.getCode(), "block " + seq + ": " + Sdk.describe(resp));
        }
        UploadFinishMediaResp done = finish(plan.getUploadId(), plan.getBlockNum(), null);
        assertEquals(0, done.getCode(), Sdk.describe(done));
        return done.getData().getFileToken();
    }

    @Test
    void a25MbFileGoesUpInSevenBlocksAndComesBackWholeAndThroughATemporaryLink() throws Exception {
        byte[] data = Sdk.bytes(SIZE);
        UploadPrepareMediaRespBody plan = prepared(SIZE);
        assertEquals(BLOCK, plan.getBlockSize());
        assertEquals(7, plan.getBlockNum());
        assertTrue(plan.getUploadId().matches("[0-9]{19}"), plan.getUploadId());

        String token = uploadChunked(data);
        assertTrue(token.matches("boxcn[0-9A-Za-z]{22}"), token);

        DownloadMediaResp whole = download(token, null);
        assertEquals(200, whole.getRawResponse().getStatusCode());
        assertEquals("video.mp4", whole.getFileName());
        assertArrayEquals(data, whole.getData().toByteArray());

        BatchGetTmpDownloadUrlMediaResp links = links(new String[] {token, token}, null);
        assertEquals(0, links.getCode(), Sdk.describe(links));
        TmpDownloadUrl[] urls = links.getData().getTmpDownloadUrls();
        assertEquals(2, urls.length);
        assertEquals(token, urls[0].getFileToken());
        assertEquals(token, urls[1].getFileToken());
        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(urls[0].getTmpDownloadUrl())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fetched.statusCode());
        assertArrayEquals(data, fetched.body());
    }

    @Test
    void theSdkSendsEachBlockAsAPartNamedFileWithItsLocalFileName() throws Exception {
        UploadPrepareMediaRespBody plan = prepared(3);
        assertEquals(0, part(plan.getUploadId(), 0, new byte[] {1, 2, 3}, null, null).getCode());
        List<JournalEntry.Part> parts = mock.requests("drive.media.upload_part", 0).get(0).parts();
        assertEquals(1, parts.size());
        assertEquals("file", parts.get(0).name());
        assertEquals("block-0", parts.get(0).filename());
        assertEquals("application/octet-stream", parts.get(0).contentType());
    }

    @Test
    void aRangeIsAnswered206WithContentRangeWhichTheTypedDownloadCannotReadButTheRawCallCan() throws Exception {
        byte[] data = Sdk.bytes(100);
        String token = uploadChunked(data);
        // download() takes only HTTP 200 as data and parses anything else as a JSON error body
        // (drive/v1/resource/Media.java), so the 206 a Range gets throws there.
        assertThrows(JsonSyntaxException.class,
                () -> download(token, Sdk.headers(Map.of("Range", List.of("bytes=10-19")))));
        List<JournalEntry> downloads = mock.requests("drive.media.download");
        assertEquals(1, downloads.size());
        assertEquals(206, downloads.get(0).status());
        // The SDK's raw call sends the same request with the same token handling.
        RawResponse part = client.get("/open-apis/drive/v1/medias/" + token + "/download", null,
                AccessTokenType.Tenant, Sdk.headers(Map.of("Range", List.of("bytes=10-19"))));
        assertEquals(206, part.getStatusCode());
        assertEquals(List.of("bytes 10-19/100"), part.getHeaders().get("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 10, 20), part.getBody());
        RawResponse tail = client.get("/open-apis/drive/v1/medias/" + token + "/download", null,
                AccessTokenType.Tenant, Sdk.headers(Map.of("Range", List.of("bytes=90-"))));
        assertEquals(206, tail.getStatusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 90, 100), tail.getBody());
        RawResponse past = client.get("/open-apis/drive/v1/medias/" + token + "/download", null,
                AccessTokenType.Tenant, Sdk.headers(Map.of("Range", List.of("bytes=100-"))));
        assertEquals(400, past.getStatusCode());
        assertTrue(new String(past.getBody(), java.nio.charset.StandardCharsets.UTF_8).contains("\"code\":1061002"));
    }

    @Test
    void blockErrorsReachTheSdkWithTheirDocumentedCodeAndMsg() throws Exception {
        UploadPrepareMediaRespBody plan = prepared(BLOCK + 1);
        assertEquals(2, plan.getBlockNum());
        String id = plan.getUploadId();
        UploadPartMediaResp resp = part(id, 2, new byte[] {'x'}, null, null);
        assertEquals(1062011, resp.getCode(), Sdk.describe(resp));
        assertEquals("block num out of bounds.", resp.getMsg());
        resp = part(id, 1, new byte[] {'x'}, "1", null);
        assertEquals(1062008, resp.getCode(), Sdk.describe(resp));
        assertEquals("checksum param Invalid.", resp.getMsg());
        resp = part(id, 1, new byte[] {'x', 'y'}, null, null);
        assertEquals(1062009, resp.getCode(), Sdk.describe(resp));
        assertEquals(0, part(id, 1, new byte[] {'x'}, null, null).getCode());
        UploadFinishMediaResp done = finish(id, 2, null);
        assertEquals(1062010, done.getCode(), Sdk.describe(done));
        assertEquals("block missing, please upload all blocks.", done.getMsg());
        resp = part("7111211691345512356", 0, new byte[] {'x'}, null, null);
        assertEquals(1061021, resp.getCode(), Sdk.describe(resp));
        assertEquals("upload id expire.", resp.getMsg());
    }

    @Test
    void prepareRefusesAnUnknownParentNodeAndAForcedCode() throws Exception {
        MediaUploadInfo info = MediaUploadInfo.newBuilder().fileName("v.mp4").parentType("docx_file")
                .parentNode("doxcnNoSuchNodeNoSuchNode12").size(10).build();
        UploadPrepareMediaResp resp = client.drive().v1().media()
                .uploadPrepare(UploadPrepareMediaReq.newBuilder().mediaUploadInfo(info).build());
        assertEquals(1061044, resp.getCode(), Sdk.describe(resp));
        assertEquals("parent node not exist.", resp.getMsg());
        UploadPrepareMediaResp forced = prepare(10, Sdk.forced(mock, 1061001));
        assertEquals(1061001, forced.getCode(), Sdk.describe(forced));
        assertEquals("internal error.", forced.getMsg());
    }

    @Test
    void partAndFinishTakeForcedCodesThroughRequestOptions() throws Exception {
        UploadPrepareMediaRespBody plan = prepared(1);
        UploadPartMediaResp p = part(plan.getUploadId(), 0, new byte[] {'x'}, null, Sdk.forced(mock, 1061045));
        assertEquals(1061045, p.getCode(), Sdk.describe(p));
        assertEquals("can retry.", p.getMsg());
        assertEquals(0, part(plan.getUploadId(), 0, new byte[] {'x'}, null, null).getCode());
        UploadFinishMediaResp f = finish(plan.getUploadId(), 1, Sdk.forced(mock, 1061022));
        assertEquals(1061022, f.getCode(), Sdk.describe(f));
        assertEquals(500, f.getRawResponse().getStatusCode());
        assertEquals("file version conflict.", f.getMsg());
        assertEquals(0, finish(plan.getUploadId(), 1, null).getCode());
    }

    @Test
    void downloadOfAnUnknownTokenIs1061003AndAForcedCodeReadsAsJsonToo() throws Exception {
        DownloadMediaResp resp = download("boxcnUnknownUnknownUnknown1", null);
        assertEquals(404, resp.getRawResponse().getStatusCode());
        assertEquals(1061003, resp.getCode(), Sdk.describe(resp));
        assertEquals("not found.", resp.getMsg());
        String token = uploadChunked(Sdk.bytes(10));
        DownloadMediaResp forced = download(token, Sdk.forced(mock, 1061004));
        assertEquals(1061004, forced.getCode(), Sdk.describe(forced));
        assertEquals(403, forced.getRawResponse().getStatusCode());
        assertEquals("forbidden.", forced.getMsg());
    }

    @Test
    void batchGetTmpDownloadUrlRefusesSixTokensAndTakesAForcedCode() throws Exception {
        String token = uploadChunked(Sdk.bytes(10));
        String[] six = {token, token, token, token, token, token};
        BatchGetTmpDownloadUrlMediaResp resp = links(six, null);
        assertEquals(1061002, resp.getCode(), Sdk.describe(resp));
        assertEquals("params error.", resp.getMsg());
        assertEquals(0, links(Arrays.copyOf(six, 5), null).getCode());
        BatchGetTmpDownloadUrlMediaResp forced = links(new String[] {token}, Sdk.forced(mock, 1061004));
        assertEquals(1061004, forced.getCode(), Sdk.describe(forced));
        assertEquals(403, forced.getRawResponse().getStatusCode());
    }
}
