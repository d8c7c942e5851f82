package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.lark.oapi.Client;
import com.lark.oapi.core.exception.ObtainAccessTokenException;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.core.response.error.ErrorPermissionViolation;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenReq;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenReqBody;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenResp;
import com.lark.oapi.service.task.v2.model.ListAttachmentReq;
import com.lark.oapi.service.task.v2.model.ListAttachmentResp;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tenant tokens through the SDK: the typed call, the token manager's cache, the refusals. */
@FeishuMockSettings(args = "--no-rate-limits")
class AuthTest {
    private final FeishuMock mock;

    AuthTest(FeishuMock mock) {
        this.mock = mock;
    }

    private static ListAttachmentResp listAttachments(Client client, RequestOptions options) throws Exception {
        ListAttachmentReq req = ListAttachmentReq.newBuilder().resourceType("task").resourceId(Sdk.TASK).build();
        return options == null ? client.task().v2().attachment().list(req)
                : client.task().v2().attachment().list(req, options);
    }

    @Test
    void typedInternalTenantTokenIsATTokenWithExpire7200AtTopLevelAndIsHandedOutAgain() throws Exception {
        Client client = Sdk.client(mock);
        InternalTenantAccessTokenReq req = InternalTenantAccessTokenReq.newBuilder()
                .internalTenantAccessTokenReqBody(InternalTenantAccessTokenReqBody.newBuilder()
                        .appId(mock.appId()).appSecret(mock.appSecret()).build())
                .build();
        InternalTenantAccessTokenResp first = client.auth().v3().tenantAccessToken().internal(req);
        assertEquals(0, first.getCode(), Sdk.describe(first));
        JsonObject body = Sdk.body(first);
        String token = body.get("tenant_access_token").getAsString();
        assertTrue(token.matches("t-[0-9a-z]{40}"), token);
        assertEquals(7200, body.get("expire").getAsInt());
        assertTrue(!body.has("data"), body.toString());

        mock.advanceClock(60);
        JsonObject again = Sdk.body(client.auth().v3().tenantAccessToken().internal(req));
        assertEquals(token, again.get("tenant_access_token").getAsString());
        int expire = again.get("expire").getAsInt();
        // whole seconds left: 7140, or 7139 once the wall clock moved past a second boundary
        assertTrue(expire == 7140 || expire == 7139, "expire " + expire);
    }

    @Test
    void theTokenManagerFetchesOneTenantTokenAndReusesItForLaterCalls() throws Exception {
        Client client = Sdk.client(mock);
        for (int i = 0; i < 3; i++) {
            ListAttachmentResp resp = listAttachments(client, null);
            assertEquals(0, resp.getCode(), Sdk.describe(resp));
        }
        assertEquals(1, mock.requests("auth.tenant_access_token").size());
        List<JournalEntry> lists = mock.requests("task.attachment.list", 0);
        assertEquals(3, lists.size());
        assertEquals("app:cli_mock", lists.get(0).caller());
    }

    @Test
    void resetDropsTheTokenTheSdkCachedProcessWideSoTheNextCallFetchesANewOne() throws Exception {
        Client client = Sdk.client(mock);
        assertEquals(0, listAttachments(client, null).getCode());
        mock.reset();
        ListAttachmentResp resp = listAttachments(client, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals(1, mock.requests("auth.tenant_access_token", 0).size());
    }

    @Test
    void aCachedTokenIsRefusedWith99991663OnceTheEmulatorClockPassesItsExpiry() throws Exception {
        Client client = Sdk.client(mock);
        assertEquals(0, listAttachments(client, null).getCode());
        mock.advanceClock(7200);
        ListAttachmentResp resp = listAttachments(client, null);
        assertEquals(99991663, resp.getCode(), Sdk.describe(resp));
        assertEquals(400, resp.getRawResponse().getStatusCode());
        assertTrue(resp.getMsg().startsWith("Invalid access token for authorization."), resp.getMsg());
        assertTrue(!resp.getError().getLogId().isEmpty());
    }

    @Test
    void aWrongSecretIsCode10003WhichTheTokenManagerThrowsAsObtainAccessTokenException() throws Exception {
        Client client = Sdk.client(mock, mock.appId(), "wrong-secret");
        ObtainAccessTokenException e = assertThrows(ObtainAccessTokenException.class,
                () -> listAttachments(client, null));
        assertTrue(e.toString().contains("code:10003"), e.toString());
        assertTrue(mock.requests("task.attachment.list").isEmpty());
        List<JournalEntry> tokens = mock.requests("auth.tenant_access_token", 10003);
        assertEquals(1, tokens.size());
        assertEquals(200, tokens.get(0).status());
    }

    @Test
    void anAppWithNoneOfTheScopesGets99991672NamingThemAsPermissionViolations() throws Exception {
        Client client = Sdk.client(mock, FeishuMock.NO_SCOPE_APP_ID, mock.appSecret());
        ListAttachmentResp resp = listAttachments(client, null);
        assertEquals(99991672, resp.getCode(), Sdk.describe(resp));
        assertEquals(400, resp.getRawResponse().getStatusCode());
        ErrorPermissionViolation[] violations = resp.getError().getPermissionViolations();
        assertTrue(violations.length >= 1);
        assertEquals("action_scope_required", violations[0].getType());
        assertTrue(resp.getMsg().contains(violations[0].getSubject()), resp.getMsg());
    }

    @Test
    void aTenantTokenGivenInRequestOptionsIsSentAsGivenByAClientWithDisableTokenCache() throws Exception {
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(mock.url())
                .disableTokenCache().build();
        ListAttachmentResp ok = listAttachments(client,
                RequestOptions.newBuilder().tenantAccessToken(mock.tenantAccessToken()).build());
        assertEquals(0, ok.getCode(), Sdk.describe(ok));
        ListAttachmentResp bad = listAttachments(client,
                RequestOptions.newBuilder().tenantAccessToken("t-unknownunknownunknownunknownunknown1234").build());
        assertEquals(99991663, bad.getCode(), Sdk.describe(bad));
        assertTrue(mock.requests("auth.tenant_access_token").isEmpty());
    }

    @Test
    void aUserTokenInRequestOptionsActsAsThatUser() throws Exception {
        Client client = Sdk.client(mock);
        ListAttachmentResp resp = listAttachments(client,
                RequestOptions.newBuilder().userAccessToken(mock.userAccessToken()).build());
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        assertEquals("user:" + mock.userOpenId(), mock.requests("task.attachment.list").get(0).caller());
        assertNotEquals(0, mock.requests("task.attachment.list").get(0).logId().length());
    }

    @Test
    void theTypedTokenCallReturnsCode10003ForAWrongSecretAsHttp200() throws Exception {
        InternalTenantAccessTokenResp resp = Sdk.client(mock).auth().v3().tenantAccessToken().internal(
                InternalTenantAccessTokenReq.newBuilder().internalTenantAccessTokenReqBody(
                        InternalTenantAccessTokenReqBody.newBuilder().appId(mock.appId()).appSecret("nope").build())
                        .build());
        assertEquals(10003, resp.getCode(), Sdk.describe(resp));
        assertEquals(200, resp.getRawResponse().getStatusCode());
        assertTrue(!Sdk.body(resp).has("tenant_access_token"));
    }
}
