package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lark.oapi.Client;
import com.lark.oapi.core.httpclient.ApacheHttpClientTransport;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReqBody;
import com.lark.oapi.service.okr.v1.model.ContentBlock;
import com.lark.oapi.service.okr.v1.model.ContentBlockElement;
import com.lark.oapi.service.okr.v1.model.ContentParagraph;
import com.lark.oapi.service.okr.v1.model.ContentParagraphElement;
import com.lark.oapi.service.okr.v1.model.ContentTextRun;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordReq;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordReqBody;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordResp;
import com.lark.oapi.service.task.v2.model.InputAttachment;
import com.lark.oapi.service.task.v2.model.ListAttachmentReq;
import com.lark.oapi.service.task.v2.model.UploadAttachmentReq;
import com.lark.oapi.service.task.v2.model.UploadAttachmentResp;
import com.sun.net.httpserver.HttpServer;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.http.impl.client.HttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SDK puts on the wire, read by a capture server on 127.0.0.1, for its default transport
 * (OkHttp) and the Apache HttpClient transport it also ships; and that the emulator takes both
 * (docs/sdk-wire-facts-java.md).
 */
@FeishuMockSettings(args = "--no-rate-limits")
class WireFormatTest {
    private static final String OK = "{\"code\":0,\"msg\":\"success\",\"data\":{},"
            + "\"tenant_access_token\":\"t-capturecapturecapturecapturecapture1234\",\"expire\":7200}";
    private final FeishuMock mock;
    private HttpServer capture;
    private final List<Captured> seen = new ArrayList<>();
    @TempDir
    Path dir;

    WireFormatTest(FeishuMock mock) {
        this.mock = mock;
    }

    /** One request as the capture server read it. */
    static final class Captured {
        String method;
        String path;
        String contentType;
        String body;
    }

    @BeforeEach
    void startCapture() throws Exception {
        capture = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        capture.createContext("/", ex -> {
            Captured c = new Captured();
            c.method = ex.getRequestMethod();
            c.path = ex.getRequestURI().toString();
            c.contentType = ex.getRequestHeaders().getFirst("Content-Type");
            try (InputStream in = ex.getRequestBody()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                c.body = out.toString(StandardCharsets.ISO_8859_1);
            }
            synchronized (seen) {
                seen.add(c);
            }
            byte[] answer = OK.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        capture.start();
    }

    @AfterEach
    void stopCapture() {
        capture.stop(0);
    }

    private String captureUrl() {
        return "http://127.0.0.1:" + capture.getAddress().getPort();
    }

    private Captured last(String pathPrefix) {
        synchronized (seen) {
            for (int i = seen.size() - 1; i >= 0; i--) {
                if (seen.get(i).path.startsWith(pathPrefix)) {
                    return seen.get(i);
                }
            }
        }
        throw new AssertionError("no request to " + pathPrefix + " in " + seen.size());
    }

    /** The header block of the part named {@code name}, lower-cased. */
    private static String partHeaders(Captured c, String name) {
        Matcher m = Pattern.compile("boundary=\"?([^\";]+)").matcher(c.contentType);
        assertTrue(m.find(), c.contentType);
        for (String part : c.body.split("--" + Pattern.quote(m.group(1)))) {
            int end = part.indexOf("\r\n\r\n");
            if (end < 0) {
                continue;
            }
            String head = part.substring(0, end).toLowerCase(Locale.ROOT);
            if (head.contains("name=\"" + name + "\"")) {
                return head.trim();
            }
        }
        throw new AssertionError("no part " + name + " in " + c.body);
    }

    private static ApacheHttpClientTransport apache() {
        return ApacheHttpClientTransport.newBuilder().httpclient(HttpClients.createDefault()).build();
    }

    private UploadAttachmentReq taskUpload(String name) throws Exception {
        Path file = Sdk.write(dir, name, "hello".getBytes(StandardCharsets.UTF_8));
        return UploadAttachmentReq.newBuilder().inputAttachment(InputAttachment.newBuilder()
                .resourceType("task").resourceId(Sdk.TASK).file(file.toFile()).build()).build();
    }

    @Test
    void okHttpSendsTextPartsWithoutContentTypeAndTheFileAsItsLocalNameInOctetStream() throws Exception {
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(captureUrl()).build();
        Path file = Sdk.write(dir, "local.bin", new byte[] {1, 2, 3});
        client.drive().v1().media().uploadAll(UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(
                UploadAllMediaReqBody.newBuilder().fileName("a.pdf").parentType("doc_file").parentNode(Sdk.DOC_NODE)
                        .size(3).file(file.toFile()).build()).build(),
                RequestOptions.newBuilder().tenantAccessToken(mock.tenantAccessToken()).build());
        Captured c = last("/open-apis/drive/v1/medias/upload_all");
        assertTrue(c.contentType.startsWith("multipart/form-data;charset=UTF-8; boundary="), c.contentType);
        assertEquals("content-disposition: form-data; name=\"size\"\r\ncontent-length: 1", partHeaders(c, "size"));
        assertFalse(partHeaders(c, "parent_type").contains("content-type"));
        assertEquals("content-disposition: form-data; name=\"file\"; filename=\"local.bin\"\r\n"
                + "content-type: application/octet-stream\r\ncontent-length: 3", partHeaders(c, "file"));
        Captured token = last("/open-apis/auth/v3/tenant_access_token/internal");
        assertEquals("application/json; charset=utf-8", token.contentType);
        // a GET (and a DELETE) without a body still says application/json
        client.task().v2().attachment().list(ListAttachmentReq.newBuilder().resourceType("task")
                .resourceId(Sdk.TASK).build(), RequestOptions.newBuilder().tenantAccessToken(mock.tenantAccessToken()).build());
        Captured list = last("/open-apis/task/v2/attachments?");
        assertEquals("GET", list.method);
        assertEquals("application/json; charset=utf-8", list.contentType);
        assertEquals("", list.body);
    }

    @Test
    void apacheSendsTextPartsWithoutContentTypeAndItsJsonBodiesAsTextPlain() throws Exception {
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(captureUrl())
                .httpTransport(apache()).build();
        client.task().v2().attachment().upload(taskUpload("notes.txt"));
        Captured c = last("/open-apis/task/v2/attachments/upload");
        assertTrue(c.contentType.startsWith("multipart/form-data; boundary="), c.contentType);
        assertEquals("content-disposition: form-data; name=\"resource_id\"", partHeaders(c, "resource_id"));
        assertEquals("content-disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
                + "content-type: application/octet-stream", partHeaders(c, "file"));
        Captured token = last("/open-apis/auth/v3/tenant_access_token/internal");
        assertEquals("text/plain; charset=UTF-8", token.contentType);
    }

    @Test
    void theEmulatorTakesTheApacheTransportsUploadsButSeed001RefusesItsTextPlainJson() throws Exception {
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(mock.url())
                .httpTransport(apache()).build();
        UploadAttachmentResp resp = client.task().v2().attachment().upload(taskUpload("notes.txt"));
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals("notes.txt", resp.getData().getItems()[0].getName());
        JournalEntry.Part part = mock.requests("task.attachment.upload", 0).get(0).parts().get(0);
        assertEquals("notes.txt", part.filename());
        assertEquals("application/octet-stream", part.contentType());

        ContentTextRun run = ContentTextRun.newBuilder().text("进展").build();
        ContentBlockElement block = ContentBlockElement.newBuilder().type("paragraph")
                .paragraph(ContentParagraph.newBuilder().elements(new ContentParagraphElement[] {
                    ContentParagraphElement.newBuilder().type("textRun").textRun(run).build()}).build())
                .build();
        CreateProgressRecordResp record = client.okr().v1().progressRecord().create(CreateProgressRecordReq
                .newBuilder().createProgressRecordReqBody(CreateProgressRecordReqBody.newBuilder()
                        .sourceTitle("周报").sourceUrl("https://example.com").targetId(Sdk.OBJECTIVE).targetType(2)
                        .content(ContentBlock.newBuilder().blocks(new ContentBlockElement[] {block}).build())
                        .build())
                .build());
        // Seed 001's header table makes Content-Type application/json; charset=utf-8 required.
        assertEquals(1001001, record.getCode(), Sdk.describe(record));
        assertEquals(400, record.getRawResponse().getStatusCode());
        assertEquals(1, mock.requests("okr.progress_record.create", 1001001).size());
    }

    @Test
    void theApacheTransportCannotSendAFormWithANumberField() throws Exception {
        // ApacheHttpClientTransport casts every form value to String; Drive's size and OKR's
        // target_type are Integer, so those uploads never leave the client.
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(mock.url())
                .httpTransport(apache()).build();
        Path file = Sdk.write(dir, "a.bin", new byte[] {1});
        assertThrows(ClassCastException.class, () -> client.drive().v1().media().uploadAll(
                UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(UploadAllMediaReqBody.newBuilder()
                        .fileName("a").parentType("doc_file").parentNode(Sdk.DOC_NODE).size(1).file(file.toFile())
                        .build()).build()));
        assertTrue(mock.requests("drive.media.upload_all").isEmpty());
    }
}
