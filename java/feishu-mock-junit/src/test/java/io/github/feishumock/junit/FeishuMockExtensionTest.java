package io.github.feishumock.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The extension as JUnit runs it, on sample classes run through the engine test kit (surefire
 * skips nested classes, so they run only here).
 */
class FeishuMockExtensionTest {
    static final List<String> URLS = new ArrayList<>();
    static final List<FeishuMock> HANDLES = new ArrayList<>();
    static final List<Integer> FAULTS_SEEN = new ArrayList<>();
    static final Function<String, String> REAL_ENV = FeishuMockExtension.env;

    @AfterEach
    void restore() {
        FeishuMockExtension.env = REAL_ENV;
        URLS.clear();
        HANDLES.clear();
        FAULTS_SEEN.clear();
    }

    private static EngineExecutionResults run(Class<?> sample) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute();
    }

    @FeishuMockSettings(args = "--no-rate-limits")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class InjectedAndReset {
        private final FeishuMock fromConstructor;

        InjectedAndReset(FeishuMock mock) {
            this.fromConstructor = mock;
        }

        @Test
        @Order(1)
        void first(FeishuMock mock) {
            assertSame(fromConstructor, mock);
            URLS.add(mock.url());
            HANDLES.add(mock);
            mock.failNext("drive.media.upload_all", 1061045);
            FAULTS_SEEN.add(mock.faults().size());
        }

        @Test
        @Order(2)
        void second(FeishuMock mock) {
            URLS.add(mock.url());
            FAULTS_SEEN.add(mock.faults().size());
        }
    }

    @Test
    void oneEmulatorServesTheClassIsResetBeforeEachTestAndIsStoppedAfterIt() {
        run(InjectedAndReset.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertEquals(2, URLS.size());
        assertEquals(URLS.get(0), URLS.get(1));
        assertEquals(List.of(1, 0), FAULTS_SEEN);
        assertTrue(HANDLES.get(0).logPath() != null);
        assertThrows(FeishuMockException.class,
                () -> ControlPlane.call("GET", URLS.get(0) + "/__mock/health", null, Duration.ofSeconds(2)));
    }

    @FeishuMockSettings
    static class Outer {
        @Test
        void outer(FeishuMock mock) {
            URLS.add(mock.url());
        }

        @Nested
        class Inner {
            @Test
            void inner(FeishuMock mock) {
                URLS.add(mock.url());
            }
        }
    }

    @Test
    void aNestedClassSharesItsEnclosingClasssEmulator() {
        run(Outer.class).testEvents().assertStatistics(s -> s.succeeded(2));
        assertEquals(2, URLS.size());
        assertEquals(URLS.get(0), URLS.get(1));
    }

    @FeishuMockSettings(world = "/nonexistent/feishu-mock-world.json")
    static class UnreadableWorld {
        @Test
        void never(FeishuMock mock) {
            URLS.add(mock.url());
        }
    }

    @Test
    void aClassWhoseEmulatorCannotStartFailsWithTheBinarysOwnMessageAndRunsNoTest() {
        EngineExecutionResults results = run(UnreadableWorld.class);
        results.testEvents().assertStatistics(s -> s.started(0));
        List<Event> failed = results.containerEvents().failed().list();
        assertEquals(1, failed.size());
        Throwable why = failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertTrue(why instanceof FeishuMockException, why.toString());
        assertTrue(why.getMessage().contains("feishu-mock: cannot load world /nonexistent/feishu-mock-world.json"),
                why.getMessage());
        assertTrue(URLS.isEmpty());
    }

    @FeishuMockSettings(resetBeforeEach = false, startupTimeoutSeconds = 1.5)
    static class UsesARunningEmulator {
        @Test
        void sees(FeishuMock mock) {
            URLS.add(mock.url());
            HANDLES.add(mock);
        }
    }

    @Test
    void feishuMockUrlUsesARunningEmulatorAndLeavesItRunning() {
        Emulator running = new Emulator(Emulator.findBinary(), List.of(), 10);
        String url = running.start();
        try {
            FeishuMockExtension.env = k -> k.equals("FEISHU_MOCK_URL") ? url : REAL_ENV.apply(k);
            run(UsesARunningEmulator.class).testEvents().assertStatistics(s -> s.succeeded(1));
            assertEquals(List.of(url), URLS);
            assertEquals(null, HANDLES.get(0).logPath());
            assertEquals("ok", new FeishuMock(url).health().get("status").getAsString());
        } finally {
            running.stop();
        }
    }

    @Test
    void feishuMockUrlWithNothingListeningFailsWithinTheStartupTimeout() {
        FeishuMockExtension.env = k -> k.equals("FEISHU_MOCK_URL") ? "http://127.0.0.1:9" : REAL_ENV.apply(k);
        long start = System.nanoTime();
        EngineExecutionResults results = run(UsesARunningEmulator.class);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 1400 && ms < 6000, ms + " ms");
        results.testEvents().assertStatistics(s -> s.started(0));
        Throwable why = results.containerEvents().failed().list().get(0)
                .getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertTrue(why.getMessage().startsWith("FEISHU_MOCK_URL: http://127.0.0.1:9/__mock/health not healthy"),
                why.getMessage());
    }

    @Test
    void theControlPlaneHelpersDriveTheEmulator() {
        Emulator emulator = new Emulator(Emulator.findBinary(), List.of(), 10);
        FeishuMock mock = new FeishuMock(emulator.start() + "/");
        try {
            assertTrue(!mock.url().endsWith("/"));
            assertEquals(List.of("1061045"), mock.errorHeader(1061045).get("X-Mock-Error-Code"));
            long before = mock.nowMs();
            assertTrue(mock.advanceClock(3600) >= before + 3_600_000L);
            mock.addToWorld("{\"drive\":{\"nodes\":[{\"token\":\"doxcnFromTheJUnitTest1\",\"type\":\"docx\"}]}}");
            FeishuMockException dup = assertThrows(FeishuMockException.class, () -> mock.addToWorld(
                    "{\"drive\":{\"nodes\":[{\"token\":\"doxcnFromTheJUnitTest1\",\"type\":\"docx\"}]}}"));
            assertTrue(dup.getMessage().contains("HTTP 400"), dup.getMessage());
            assertEquals(1, mock.failNext("task.attachment.upload", 1470500, 3).get("id").getAsInt());
            assertEquals(3, mock.faults().get(0).getAsJsonObject().get("times").getAsInt());
            mock.clearFaults();
            assertEquals(0, mock.faults().size());
            assertThrows(FeishuMockException.class, () -> mock.failNext("task.attachment.upload", 1061045));
            assertEquals(List.of(), mock.requests());
            assertEquals(List.of(), mock.files());
            mock.reset();
            assertTrue(mock.nowMs() < before + 3_600_000L);
        } finally {
            emulator.stop();
        }
    }
}
