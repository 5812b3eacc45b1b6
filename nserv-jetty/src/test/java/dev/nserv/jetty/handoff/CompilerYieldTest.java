package dev.nserv.jetty.handoff;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link CompilerYield} against real threads of this JVM that carry a JIT compiler thread's name, shown to it
 * through a task directory of their own (lowering this JVM's real compiler would slow the rest of the build).
 */
class CompilerYieldTest
{
    @TempDir
    Path tasks;

    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private int compiler;

    @BeforeEach
    void mayLowerAgain()
    {
        // setting a raised nice value back is what the feature needs; without that privilege it never lowers
        assumeTrue(ThreadNice.canLowerAgain(0), "this process may set a nice value back (root or CAP_SYS_NICE)");
    }

    @AfterEach
    void end() throws Exception
    {
        done.countDown();
        for (Thread thread : threads)
            thread.join(10_000);
    }

    /** Starts a thread named as a C2 compiler thread and shows it in {@link #tasks}; it spins, or waits, until the end. */
    private int fakeCompiler(boolean spin) throws Exception
    {
        int tid = start(spin);
        Path task = Path.of("/proc/self/task/" + tid);
        Files.writeString(task.resolve("comm"), "C2 CompilerThre");
        Files.createSymbolicLink(tasks.resolve(Integer.toString(tid)), task);
        Files.createDirectory(tasks.resolve("not-a-thread"));
        return tid;
    }

    private int start(boolean spin) throws Exception
    {
        CountDownLatch started = new CountDownLatch(1);
        int[] tid = new int[1];
        Thread thread = new Thread(() ->
        {
            try
            {
                tid[0] = Integer.parseInt(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
            }
            catch (Exception x)
            {
                throw new IllegalStateException(x);
            }
            started.countDown();
            try
            {
                if (!spin)
                    done.await(60, TimeUnit.SECONDS);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (spin && done.getCount() > 0 && System.nanoTime() < end)
                    Thread.onSpinWait();
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
            }
        });
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        return tid[0];
    }

    private int nice()
    {
        return ThreadNice.nice(tasks, compiler);
    }

    /** A fake compiler thread, and a yield for {@code limit} that has lowered it. */
    private CompilerYield lowered(Duration limit, boolean spin) throws Exception
    {
        compiler = fakeCompiler(spin);
        CompilerYield yield = new CompilerYield(limit, tasks, nice -> true);
        assertThat(yield.start()).isTrue();
        assertThat(nice()).isEqualTo(CompilerYield.NICE);
        return yield;
    }

    @Test
    void aSuccessorsCompilerYieldsThenComesBackAtTheLimit() throws Exception
    {
        CompilerYield yield = lowered(Duration.ofSeconds(3), false);
        assertThat(yield.start()).as("once per generation").isFalse();
        // an idle compiler never looks saturated: it stays low until the limit
        await().atMost(Duration.ofSeconds(2)).during(Duration.ofSeconds(1)).until(() -> nice() == CompilerYield.NICE);
        await().atMost(Duration.ofSeconds(10)).until(() -> nice() == 0);
    }

    @Test
    void aSaturatedCpuBringsTheCompilerBackEarly() throws Exception
    {
        lowered(Duration.ofMinutes(5), true);
        // more spinning threads at nice 0 than cores: the compiler waits for a CPU far longer than it runs
        for (int i = 0; i <= Runtime.getRuntime().availableProcessors(); i++)
            start(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> nice() == 0);
    }

    @Test
    void aStopBringsTheCompilerBackAtOnce() throws Exception
    {
        CompilerYield yield = lowered(Duration.ofMinutes(5), false);
        yield.stopping(null);
        assertThat(nice()).isZero();
    }

    @Test
    void nothingIsLoweredWithoutTheRightToSetItBackOffOrOnAFirstStart() throws Exception
    {
        compiler = fakeCompiler(false);
        assertThat(new CompilerYield(Duration.ofSeconds(10), tasks, nice -> false).start()).as("may not set it back").isFalse();
        assertThat(new CompilerYield(Duration.ZERO, tasks, nice -> true).start()).as("off").isFalse();
        new CompilerYield(Duration.ofSeconds(10), tasks, nice -> true).beforeReady(new Handover(null, null));
        assertThat(nice()).as("a first start has no predecessor").isZero();
        assertThat(new CompilerYield(Duration.ofSeconds(10), tasks.resolve("none"), nice -> true).start()).as("no compiler threads").isFalse();
        assertThatThrownBy(() -> new CompilerYield(Duration.ofMillis(-1), tasks, nice -> true))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.001S");
    }

    @Test
    void theOptionIsBounded()
    {
        RestartOptions options = new RestartOptions();
        assertThat(options.getCompilerYield()).isEqualTo(Duration.ofSeconds(10));
        options.setCompilerYield(Duration.ZERO);
        assertThat(options.getCompilerYield()).isZero();
        assertThatThrownBy(() -> options.setCompilerYield(Duration.ofMinutes(11)))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("compilerYield must be 0 (off) to 10 minutes, was PT11M");
        assertThatThrownBy(() -> options.setCompilerYield(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
