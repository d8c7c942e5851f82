package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lark.oapi.Client;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.drive.v1.model.DownloadMediaReq;
import com.lark.oapi.service.drive.v1.model.DownloadMediaResp;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReqBody;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaResp;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drive media upload_all (seed 004) through the SDK's typed call. */
@FeishuMockSettings(args = "--no-rate-limits")
class DriveTest {
    private final FeishuMock mock;
    private final Client client;
    @TempDir
    Path dir;

    DriveTest(FeishuMock mock) {
        this.mock = mock;
        this.client = Sdk.client(mock);
    }

    private UploadAllMediaResp uploadAll(Path file, String node, int size, String checksum, RequestOptions options)
            throws Exception {
        UploadAllMediaReqBody.Builder body = UploadAllMediaReqBody.newBuilder()
                .fileName("report.pdf").parentType("doc_file").parentNode(node).size(size).file(file.toFile());
        if (checksum != null) {
            body.checksum(checksum);
        }
        UploadAllMediaReq req = UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(body.build()).build();
        return options == null ? client.drive().v1().media().uploadAll(req)
                : client.drive().v1().media().uploadAll(req, options);
    }

    @Test
    void uploadAllAnswersABoxcnTokenAndTheEmulatorKeepsTheBytesUnderTheGivenFileName() throws Exception {
        byte[] data = Sdk.bytes(1000);
        Path file = Sdk.write(dir, "local-name.bin", data);
        UploadAllMediaResp resp = uploadAll(file, Sdk.DOC_NODE, data.length, Sdk.adler32(data, 0, data.length), null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals("success", resp.getMsg());
        String token = resp.getData().getFileToken();
        assertTrue(token.matches("boxcn[0-9A-Za-z]{22}"), token);
        assertArrayEquals(data, mock.fileBytes(token));
        assertEquals("report.pdf", mock.files().get(0).name());
        assertEquals(Sdk.DOC_NODE, mock.files().get(0).parent());
    }

    @Test
    void theSdkSendsTheFileAsAPartNamedFileWithTheLocalFileNameAndOctetStream() throws Exception {
        byte[] data = Sdk.bytes(10);
        Path file = Sdk.write(dir, "local-name.bin", data);
        assertEquals(0, uploadAll(file, Sdk.DOC_NODE, data.length, null, null).getCode());
        List<JournalEntry.Part> parts = mock.requests("drive.media.upload_all", 0).get(0).parts();
        assertEquals(1, parts.size(), parts.toString());
        assertEquals("file", parts.get(0).name());
        assertEquals("local-name.bin", parts.get(0).filename());
        assertEquals("application/octet-stream", parts.get(0).contentType());
        assertEquals(10, parts.get(0).size());
    }

    @Test
    void aChecksumOtherThanTheAdler32OfTheBytesIs1062008AndStoresNothing() throws Exception {
        byte[] data = Sdk.bytes(100);
        Path file = Sdk.write(dir, "a.bin", data);
        String wrong = Long.toString(Long.parseLong(Sdk.adler32(data, 0, data.length)) + 1);
        UploadAllMediaResp resp = uploadAll(file, Sdk.DOC_NODE, data.length, wrong, null);
        assertEquals(1062008, resp.getCode(), Sdk.describe(resp));
        assertEquals(400, resp.getRawResponse().getStatusCode());
        assertEquals("checksum param Invalid.", resp.getMsg());
        assertTrue(mock.files().isEmpty());
    }

    @Test
    void anUnknownParentNodeIs1061044WithTheSeedsMsg() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        UploadAllMediaResp resp = uploadAll(file, "doccnNoSuchNodeNoSuchNode12", 5, null, null);
        assertEquals(1061044, resp.getCode(), Sdk.describe(resp));
        assertEquals(400, resp.getRawResponse().getStatusCode());
        assertEquals("parent node not exist.", resp.getMsg());
        assertTrue(resp.getError().getLogId().length() > 0);
    }

    @Test
    void aFileOneBytePast20MiBIs1061043AndOneAtTheLimitIsAccepted() throws Exception {
        int limit = 20 * 1024 * 1024;
        Path over = Sdk.write(dir, "over.bin", new byte[limit + 1]);
        UploadAllMediaResp resp = uploadAll(over, Sdk.DOC_NODE, limit + 1, null, null);
        assertEquals(1061043, resp.getCode(), Sdk.describe(resp));
        assertEquals("file size beyond limit.", resp.getMsg());
        assertTrue(mock.files().isEmpty());
        Path at = Sdk.write(dir, "at.bin", new byte[limit]);
        UploadAllMediaResp ok = uploadAll(at, Sdk.DOC_NODE, limit, null, null);
        assertEquals(0, ok.getCode(), Sdk.describe(ok));
    }

    @Test
    void aSizeOtherThanTheByteCountIs1062009() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        UploadAllMediaResp resp = uploadAll(file, Sdk.DOC_NODE, 6, null, null);
        assertEquals(1062009, resp.getCode(), Sdk.describe(resp));
        assertTrue(mock.files().isEmpty());
    }

    @Test
    void xMockErrorCodeInTheSdksRequestOptionsForcesADocumentedCodeAndStoresNothing() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        UploadAllMediaResp resp = uploadAll(file, Sdk.DOC_NODE, 5, null, Sdk.forced(mock, 1061045));
        assertEquals(1061045, resp.getCode(), Sdk.describe(resp));
        assertEquals(200, resp.getRawResponse().getStatusCode());
        assertEquals("can retry.", resp.getMsg());
        assertTrue(mock.files().isEmpty());
        assertEquals(1, mock.requests("drive.media.upload_all", 1061045).size());
    }

    @Test
    void aForcedCodeWithAnHttp4xxStatusReachesTheSdkAsCodeAndMsgToo() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        UploadAllMediaResp resp = uploadAll(file, Sdk.DOC_NODE, 5, null,
                Sdk.headers(Map.of("X-Mock-Error-Code", List.of("1061005"))));
        assertEquals(1061005, resp.getCode(), Sdk.describe(resp));
        assertEquals(401, resp.getRawResponse().getStatusCode());
        assertEquals("auth failed.", resp.getMsg());
    }

    @Test
    void aFaultRuleWithTimes2FailsTwoUploadsThenTheSdkSucceeds() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        mock.failNext("drive.media.upload_all", 1061001, 2);
        assertEquals(1061001, uploadAll(file, Sdk.DOC_NODE, 5, null, null).getCode());
        assertEquals(1061001, uploadAll(file, Sdk.DOC_NODE, 5, null, null).getCode());
        assertEquals(0, uploadAll(file, Sdk.DOC_NODE, 5, null, null).getCode());
        assertEquals(1, mock.files().size());
    }

    @Test
    void aNodeAddedToTheWorldAtRuntimeTakesUploadsUntilTheNextReset() throws Exception {
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        String node = "doxcnAddedAtRuntimeForJava1";
        assertEquals(1061044, uploadAll(file, node, 5, null, null).getCode());
        mock.addToWorld("{\"drive\":{\"nodes\":[{\"token\":\"" + node + "\",\"type\":\"docx\"}]}}");
        UploadAllMediaReqBody body = UploadAllMediaReqBody.newBuilder().fileName("a.png").parentType("docx_image")
                .parentNode(node).size(5).file(file.toFile()).build();
        UploadAllMediaResp resp = client.drive().v1().media()
                .uploadAll(UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(body).build());
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        mock.reset();
        assertEquals(1061044, uploadAll(file, node, 5, null, null).getCode());
    }

    @Test
    void downloadNamesTheFileAsUploadedThroughContentDispositionsFilenameStar() throws Exception {
        byte[] data = Sdk.bytes(7);
        Path file = Sdk.write(dir, "local.bin", data);
        for (String name : new String[] {"report.pdf", "周报.pdf"}) {
            UploadAllMediaReqBody body = UploadAllMediaReqBody.newBuilder().fileName(name).parentType("doc_file")
                    .parentNode(Sdk.DOC_NODE).size(7).file(file.toFile()).build();
            UploadAllMediaResp up = client.drive().v1().media()
                    .uploadAll(UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(body).build());
            assertEquals(0, up.getCode(), Sdk.describe(up));
            DownloadMediaResp down = client.drive().v1().media().download(
                    DownloadMediaReq.newBuilder().fileToken(up.getData().getFileToken()).build());
            assertEquals(200, down.getRawResponse().getStatusCode());
            assertArrayEquals(data, down.getData().toByteArray());
            // the file part's type as the SDK sent it
            assertEquals(List.of("application/octet-stream"), down.getRawResponse().getHeaders().get("Content-Type"));
            // FileNameParser decodes filename*=UTF-8''… (core/utils/FileNameParser.java:93-101), so
            // a non-ASCII name comes through whole
            assertEquals(name, down.getFileName());
        }
    }

    @Test
    void anAppWithoutAnyDriveScopeGets99991672AndStoresNothing() throws Exception {
        Client noScope = Sdk.client(mock, FeishuMock.NO_SCOPE_APP_ID, mock.appSecret());
        Path file = Sdk.write(dir, "a.bin", Sdk.bytes(5));
        UploadAllMediaResp resp = noScope.drive().v1().media().uploadAll(UploadAllMediaReq.newBuilder()
                .uploadAllMediaReqBody(UploadAllMediaReqBody.newBuilder().fileName("a").parentType("doc_file")
                        .parentNode(Sdk.DOC_NODE).size(5).file(file.toFile()).build()).build());
        assertEquals(99991672, resp.getCode(), Sdk.describe(resp));
        assertEquals(400, resp.getRawResponse().getStatusCode());
        assertTrue(resp.getMsg().contains("drive:drive"), resp.getMsg());
        assertTrue(mock.files().isEmpty());
    }
}
