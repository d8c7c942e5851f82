package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lark.oapi.Client;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.task.v2.model.Attachment;
import com.lark.oapi.service.task.v2.model.DeleteAttachmentReq;
import com.lark.oapi.service.task.v2.model.DeleteAttachmentResp;
import com.lark.oapi.service.task.v2.model.GetAttachmentReq;
import com.lark.oapi.service.task.v2.model.GetAttachmentResp;
import com.lark.oapi.service.task.v2.model.InputAttachment;
import com.lark.oapi.service.task.v2.model.ListAttachmentReq;
import com.lark.oapi.service.task.v2.model.ListAttachmentResp;
import com.lark.oapi.service.task.v2.model.UploadAttachmentReq;
import com.lark.oapi.service.task.v2.model.UploadAttachmentResp;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task v2 attachments (seed 002 and FOLLOWUP_APIS): upload, list, get, delete through the SDK's
 * typed calls.
 */
@FeishuMockSettings(args = "--no-rate-limits")
class TaskTest {
    private final FeishuMock mock;
    private final Client client;
    @TempDir
    Path dir;

    TaskTest(FeishuMock mock) {
        this.mock = mock;
        this.client = Sdk.client(mock);
    }

    private UploadAttachmentResp upload(String name, String content, String task, RequestOptions options)
            throws Exception {
        Path file = Sdk.write(dir, name, content.getBytes(StandardCharsets.UTF_8));
        UploadAttachmentReq req = UploadAttachmentReq.newBuilder().inputAttachment(InputAttachment.newBuilder()
                .resourceType("task").resourceId(task).file(file.toFile()).build()).build();
        return options == null ? client.task().v2().attachment().upload(req)
                : client.task().v2().attachment().upload(req, options);
    }

    private Attachment uploaded(String name, String content) throws Exception {
        UploadAttachmentResp resp = upload(name, content, Sdk.TASK, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals(1, resp.getData().getItems().length);
        return resp.getData().getItems()[0];
    }

    private ListAttachmentResp list(Integer pageSize, String pageToken, RequestOptions options) throws Exception {
        ListAttachmentReq.Builder req = ListAttachmentReq.newBuilder().resourceType("task").resourceId(Sdk.TASK);
        if (pageSize != null) {
            req.pageSize(pageSize);
        }
        if (pageToken != null) {
            req.pageToken(pageToken);
        }
        return options == null ? client.task().v2().attachment().list(req.build())
                : client.task().v2().attachment().list(req.build(), options);
    }

    private GetAttachmentResp get(String guid, RequestOptions options) throws Exception {
        GetAttachmentReq req = GetAttachmentReq.newBuilder().attachmentGuid(guid).build();
        return options == null ? client.task().v2().attachment().get(req)
                : client.task().v2().attachment().get(req, options);
    }

    private DeleteAttachmentResp delete(String guid, RequestOptions options) throws Exception {
        DeleteAttachmentReq req = DeleteAttachmentReq.newBuilder().attachmentGuid(guid).build();
        return options == null ? client.task().v2().attachment().delete(req)
                : client.task().v2().attachment().delete(req, options);
    }

    private static byte[] fetch(String url) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    @Test
    void anUploadIsNamedAfterTheLocalFileTheSdkSendsAndAnsweredWithTypedFields() throws Exception {
        Attachment item = uploaded("minutes.txt", "hello");
        assertTrue(item.getGuid().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
                item.getGuid());
        assertEquals("minutes.txt", item.getName());
        assertEquals(5, item.getSize());
        assertEquals("task", item.getResource().getType());
        assertEquals(Sdk.TASK, item.getResource().getId());
        assertEquals("cli_mock", item.getUploader().getId());
        assertEquals("app", item.getUploader().getType());
        assertTrue(item.getUploadedAt().matches("[0-9]{13}"), item.getUploadedAt());
        assertFalse(item.getFileToken().isEmpty());
        // upload answers no url (seed 002); list and get hand one out
        assertEquals(null, item.getUrl());
        List<JournalEntry.Part> parts = mock.requests("task.attachment.upload", 0).get(0).parts();
        assertEquals(1, parts.size());
        assertEquals("file", parts.get(0).name());
        assertEquals("minutes.txt", parts.get(0).filename());
        assertEquals("application/octet-stream", parts.get(0).contentType());
    }

    @Test
    void listPagesThroughUploadsInOrderAndGetReturnsOneWhoseUrlServesTheBytes() throws Exception {
        Attachment first = uploaded("first.txt", "first");
        Attachment second = uploaded("second.txt", "second");
        ListAttachmentResp page = list(1, null, null);
        assertEquals(0, page.getCode(), Sdk.describe(page));
        assertEquals(1, page.getData().getItems().length);
        assertEquals(first.getGuid(), page.getData().getItems()[0].getGuid());
        assertEquals(true, page.getData().getHasMore());
        ListAttachmentResp next = list(1, page.getData().getPageToken(), null);
        assertEquals(second.getGuid(), next.getData().getItems()[0].getGuid());
        assertEquals(false, next.getData().getHasMore());

        GetAttachmentResp got = get(second.getGuid(), null);
        assertEquals(0, got.getCode(), Sdk.describe(got));
        Attachment a = got.getData().getAttachment();
        assertEquals(second.getGuid(), a.getGuid());
        assertEquals("second.txt", a.getName());
        assertArrayEquals("second".getBytes(StandardCharsets.UTF_8), fetch(a.getUrl()));
    }

    @Test
    void deleteRemovesAnAttachmentAndGettingItAgainIs1470404WithHttp404() throws Exception {
        Attachment item = uploaded("gone.txt", "gone");
        DeleteAttachmentResp deleted = delete(item.getGuid(), null);
        assertEquals(0, deleted.getCode(), Sdk.describe(deleted));
        GetAttachmentResp gone = get(item.getGuid(), null);
        assertEquals(1470404, gone.getCode(), Sdk.describe(gone));
        assertEquals(404, gone.getRawResponse().getStatusCode());
        assertEquals("附件不存在或已删除。", gone.getMsg());
        DeleteAttachmentResp twice = delete(item.getGuid(), null);
        assertEquals(1470404, twice.getCode(), Sdk.describe(twice));
        assertEquals(0, list(null, null, null).getData().getItems().length);
    }

    @Test
    void withAUserTokenTheUploaderIsTheUserByOpenId() throws Exception {
        UploadAttachmentResp resp = upload("mine.txt", "mine", Sdk.TASK,
                RequestOptions.newBuilder().userAccessToken(mock.userAccessToken()).build());
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals(mock.userOpenId(), resp.getData().getItems()[0].getUploader().getId());
        assertEquals("user", resp.getData().getItems()[0].getUploader().getType());
    }

    @Test
    void anUnknownTaskIs1470403WithHttp403AndATaskTheAppMayNotEditIs1470404WithHttp404() throws Exception {
        UploadAttachmentResp unknown = upload("x.txt", "x", "00000000-0000-4000-8000-000000000000", null);
        assertEquals(1470403, unknown.getCode(), Sdk.describe(unknown));
        assertEquals(403, unknown.getRawResponse().getStatusCode());
        UploadAttachmentResp foreign = upload("x.txt", "x", Sdk.TASK_OF_SECOND_USER, null);
        assertEquals(1470404, foreign.getCode(), Sdk.describe(foreign));
        assertEquals(404, foreign.getRawResponse().getStatusCode());
        assertTrue(mock.files().isEmpty());
    }

    @Test
    void listOfAnUnknownTaskIs1470404AndABadPageSizeIs1470400() throws Exception {
        ListAttachmentResp unknown = client.task().v2().attachment().list(ListAttachmentReq.newBuilder()
                .resourceType("task").resourceId("00000000-0000-4000-8000-000000000000").build());
        assertEquals(1470404, unknown.getCode(), Sdk.describe(unknown));
        ListAttachmentResp bad = list(101, null, null);
        assertEquals(1470400, bad.getCode(), Sdk.describe(bad));
        assertEquals(400, bad.getRawResponse().getStatusCode());
        assertEquals(0, list(100, null, null).getCode());
    }

    @Test
    void everyAttachmentCallTakesTheForced1470500ThroughRequestOptions() throws Exception {
        Attachment item = uploaded("a.txt", "a");
        List<Integer> codes = new ArrayList<>();
        codes.add(upload("b.txt", "b", Sdk.TASK, Sdk.forced(mock, 1470500)).getCode());
        codes.add(list(null, null, Sdk.forced(mock, 1470500)).getCode());
        codes.add(get(item.getGuid(), Sdk.forced(mock, 1470500)).getCode());
        DeleteAttachmentResp d = delete(item.getGuid(), Sdk.forced(mock, 1470500));
        codes.add(d.getCode());
        assertEquals(List.of(1470500, 1470500, 1470500, 1470500), codes);
        assertEquals(500, d.getRawResponse().getStatusCode());
        assertEquals("服务器错误。", d.getMsg());
        assertEquals(1, mock.files().size());
        assertEquals(0, get(item.getGuid(), null).getCode());
    }
}
