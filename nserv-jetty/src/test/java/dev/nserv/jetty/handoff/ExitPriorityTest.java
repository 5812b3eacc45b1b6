package dev.nserv.jetty.handoff;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExitPriorityTest
{
    private static int nice(long tid)
    {
        return ThreadNice.nice(Path.of("/proc/self/task"), (int)tid);
    }

    private static long tidOfCurrentThread() throws Exception
    {
        return Long.parseLong(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
    }

    @Test
    void lowersEveryThreadItIsShown() throws Exception
    {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        long[] tid = new long[1];
        Thread thread = new Thread(() ->
        {
            try
            {
                tid[0] = tidOfCurrentThread();
                started.countDown();
                done.await(30, TimeUnit.SECONDS);
            }
            catch (Exception x)
            {
                throw new IllegalStateException(x);
            }
        });
        thread.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(nice(tid[0])).isZero();

        // only the one thread: lowering this test JVM's other threads would slow the rest of the build
        Path tasks = Files.createTempDirectory("tasks");
        Files.createDirectory(tasks.resolve(Long.toString(tid[0])));
        Files.createDirectory(tasks.resolve("not-a-thread"));
        assertThat(ExitPriority.lower(tasks)).isEqualTo(1);
        assertThat(nice(tid[0])).isEqualTo(ExitPriority.NICE);
        done.countDown();
        thread.join(10_000);
        Files.delete(tasks.resolve(Long.toString(tid[0])));
        Files.delete(tasks.resolve("not-a-thread"));
        Files.delete(tasks);
    }

    @Test
    void onlyAHandedOffGenerationIsLowered() throws Exception
    {
        ExitPriority priority = new ExitPriority();
        priority.stopped(null);
        assertThat(nice(tidOfCurrentThread())).as("stopped without a handoff").isZero();
        priority.handedOff(null);
        priority.rolledBack(null, "the successor failed");
        priority.stopped(null);
        assertThat(nice(tidOfCurrentThread())).as("stopped after a roll back").isZero();
        assertThat(ExitPriority.lower(Path.of("/no/such/dir"))).isZero();
    }
}
