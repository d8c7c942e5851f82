package io.github.feishumock.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting and stopping the binary: a URL once healthy, the binary's own words when not. */
class EmulatorTest {
    @TempDir
    Path dir;

    private static String bin() {
        return Emulator.findBinary();
    }

    @Test
    void startAnswersTheUrlOfTheListeningLineOnceHealthyAndStopEndsTheProcess() {
        Emulator emulator = new Emulator(bin(), List.of("--seed", "1"), 10);
        String url = emulator.start();
        try {
            assertTrue(url.matches("http://127\\.0\\.0\\.1:[0-9]+"), url);
            assertEquals("ok", new FeishuMock(url).health().get("status").getAsString());
        } finally {
            emulator.stop();
        }
        assertThrows(FeishuMockException.class,
                () -> ControlPlane.call("GET", url + "/__mock/health", null, Duration.ofSeconds(2)));
    }

    @Test
    void anUnreadableWorldFailsWithTheBinarysOwnMessageAndExitStatus() {
        Emulator emulator = new Emulator(bin(), List.of("--world", dir.resolve("missing.json").toString()), 10);
        FeishuMockException e = assertThrows(FeishuMockException.class, emulator::start);
        assertTrue(e.getMessage().startsWith("feishu-mock did not start ("), e.getMessage());
        assertTrue(e.getMessage().contains("exited with status 2"), e.getMessage());
        assertTrue(e.getMessage().contains("feishu-mock: cannot load world"), e.getMessage());
    }

    @Test
    void aBinaryThatNeverPrintsItsAddressFailsWithinTheStartupTimeout() throws Exception {
        Path silent = dir.resolve("silent");
        Files.writeString(silent, "#!/bin/sh\nexec sleep 30\n");
        Files.setPosixFilePermissions(silent, PosixFilePermissions.fromString("rwx------"));
        Emulator emulator = new Emulator(silent.toString(), List.of(), 1);
        long start = System.nanoTime();
        FeishuMockException e = assertThrows(FeishuMockException.class, emulator::start);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("no listening line within 1 s"), e.getMessage());
        assertTrue(ms >= 900 && ms < 5000, ms + " ms");
    }

    @Test
    void aMissingBinaryIsNamedInTheFailure() {
        String missing = dir.resolve("no-such-feishu-mock").toString();
        FeishuMockException e = assertThrows(FeishuMockException.class,
                () -> new Emulator(missing, List.of(), 5).start());
        assertTrue(e.getMessage().startsWith("cannot run " + missing), e.getMessage());
    }

    @Test
    void withoutFeishuMockBinTheBinaryIsLookedUpOnPath() throws Exception {
        Path exe = dir.resolve("feishu-mock");
        Files.writeString(exe, "#!/bin/sh\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
        assertEquals(exe.toString(), Emulator.findBinary(k -> k.equals("PATH") ? "/nonexistent:" + dir : null));
        FeishuMockException e = assertThrows(FeishuMockException.class,
                () -> Emulator.findBinary(k -> k.equals("PATH") ? "/nonexistent" : null));
        assertTrue(e.getMessage().contains("FEISHU_MOCK_BIN"), e.getMessage());
        assertEquals("/x/feishu-mock", Emulator.findBinary(k -> k.equals("FEISHU_MOCK_BIN") ? "/x/feishu-mock" : null));
    }
}
