package io.github.feishumock.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension: one feishu-mock emulator per test class.
 *
 * <p>Before the class's first test it runs the {@code feishu-mock} binary
 * ({@code $FEISHU_MOCK_BIN}, else PATH) as {@code serve --host 127.0.0.1 --port 0}, reads the
 * URL from its first stdout line and waits on {@code /__mock/health}, within
 * {@link FeishuMockSettings#startupTimeoutSeconds()}; after the class it stops the process.
 * With {@code FEISHU_MOCK_URL=http://host:port} it starts nothing and uses that emulator. When
 * the binary cannot start, the class fails at once with {@link FeishuMockException} holding the
 * binary's own message — never a hang.
 *
 * <p>It injects {@link FeishuMock} into constructors, lifecycle methods and tests, and resets the
 * emulator before each test unless {@link FeishuMockSettings#resetBeforeEach()} is false. A
 * {@code @Nested} class shares its enclosing class's emulator.
 */
public final class FeishuMockExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(FeishuMockExtension.class);
    private static final String KEY = "emulator";
    /** Where FEISHU_MOCK_URL and FEISHU_MOCK_BIN are read; the extension's own tests swap it. */
    static volatile Function<String, String> env = System::getenv;

    /** Built by JUnit through {@code @ExtendWith} or {@link FeishuMockSettings}. */
    public FeishuMockExtension() {
    }

    /** A started emulator (or the failure to start it), closed by JUnit with its context. */
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        final Emulator emulator;
        final FeishuMock mock;
        final FeishuMockException failure;

        Running(Emulator emulator, FeishuMock mock, FeishuMockException failure) {
            this.emulator = emulator;
            this.mock = mock;
            this.failure = failure;
        }

        FeishuMock get() {
            if (failure != null) {
                throw failure;
            }
            return mock;
        }

        @Override
        public void close() {
            if (emulator != null) {
                emulator.stop();
            }
        }
    }

    private static FeishuMockSettings settings(ExtensionContext context) {
        Optional<Class<?>> cls = context.getTestClass();
        while (cls.isPresent()) {
            Optional<FeishuMockSettings> s = AnnotationSupport.findAnnotation(cls.get(), FeishuMockSettings.class);
            if (s.isPresent()) {
                return s.get();
            }
            cls = Optional.ofNullable(cls.get().getEnclosingClass());
        }
        return Defaults.class.getAnnotation(FeishuMockSettings.class);
    }

    @FeishuMockSettings
    private static final class Defaults {
    }

    /** The context that owns the emulator: the outermost class context using this extension. */
    private static ExtensionContext owner(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getParent().isPresent() && c.getParent().get().getTestClass().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private static Running running(ExtensionContext context) {
        ExtensionContext owner = owner(context);
        return owner.getStore(NS).getOrComputeIfAbsent(KEY, k -> start(settings(owner)), Running.class);
    }

    private static Running start(FeishuMockSettings s) {
        String external = env.apply("FEISHU_MOCK_URL");
        long timeoutNanos = (long) (s.startupTimeoutSeconds() * 1e9);
        if (external != null && !external.isEmpty()) {
            FeishuMock mock = new FeishuMock(external);
            try {
                ControlPlane.waitHealthy(mock.url(), timeoutNanos);
            } catch (FeishuMockException e) {
                return new Running(null, null, new FeishuMockException("FEISHU_MOCK_URL: " + e.getMessage(), e));
            }
            return new Running(null, mock, null);
        }
        List<String> args = new ArrayList<>();
        if (!s.world().isEmpty()) {
            args.add("--world");
            args.add(s.world());
        }
        args.addAll(Arrays.asList(s.args()));
        Emulator emulator;
        try {
            emulator = new Emulator(Emulator.findBinary(env), args, s.startupTimeoutSeconds());
            String url = emulator.start();
            Path log = emulator.logPath();
            return new Running(emulator, new FeishuMock(url, log), null);
        } catch (FeishuMockException e) {
            return new Running(null, null, e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        running(context).get();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // The store closes the emulator with the owning class context; nothing else to do.
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        FeishuMock mock = running(context).get();
        if (settings(context).resetBeforeEach()) {
            mock.reset();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == FeishuMock.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return running(extensionContext).get();
    }
}
