package dev.nserv.jetty.handoff;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import javax.management.MBeanException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.nserv.jetty.handoff.NservProcesses.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Roll back with the real nserv.jar: successors that exit at once, hang, or fail to deploy a WAR are ended, the
 * first generation keeps serving without failing a request, the trigger reports the cause, a second restart during a
 * restart is refused, and after all that a good successor still takes over.
 */
class RollbackIT
{
    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();
    private HttpLoad load;

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
            load.close();
        nserv.saveOutput("RollbackIT");
        nserv.close();
    }

    @Test
    void failedSuccessorsAreRolledBackAndTheFirstGenerationServesOn() throws Exception
    {
        Path socket = tmp.resolve("ctl.sock");
        Path mode = tmp.resolve("mode");
        Path badWebapps = Files.createDirectory(tmp.resolve("badwebapps"));
        Files.writeString(badWebapps.resolve("broken.war"), "this is not a zip file\n");
        Path script = tmp.resolve("successor.sh");
        Files.writeString(script, String.join("\n",
            "#!/bin/sh",
            "case \"$(cat " + mode + ")\" in",
            "  exit) echo 'successor says: boom'; exit 3 ;;",
            "  hang) echo 'successor says: hanging'; exec sleep 600 ;;",
            "  badwar) exec " + nserv.java + " -XX:TieredStopAtLevel=1 -jar " + nserv.jar + " --host 127.0.0.1 --port 0 --webapps " + badWebapps + " ;;",
            "  ok) exec " + nserv.java + " -XX:TieredStopAtLevel=1 -jar " + nserv.jar + " --host 127.0.0.1 --port 0 --control-socket " + socket + " ;;",
            "esac",
            ""));
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(),
            "--ready-timeout", "5s", "--successor-command", "/bin/sh " + script));
        int port = nserv.awaitPort("http");
        long firstPid = nserv.first().orElseThrow().pid();
        load = new HttpLoad(port, 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 50);
        long fdsBefore = NservProcesses.pipeAndUnixSocketFds(firstPid);
        int threadsBefore = NservProcesses.threads(firstPid);

        // 1. a successor that exits at once: ctl exits 1 and shows the cause and the successor's last words
        Files.writeString(mode, "exit");
        NservProcesses.CtlResult exit = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(exit.code).as(exit.toString()).isEqualTo(1);
        assertThat(exit.err).contains("exited with code 3 before it was ready").contains("generation 1 keeps serving").contains("successor says: boom");
        await().atMost(Duration.ofSeconds(10)).until(() -> nserv.outputText().contains("restart rolled back"));
        assertThat(nserv.outputText()).contains("| successor says: boom");

        // 2. a successor that hangs: a second restart meanwhile is refused, then the ready timeout rolls back
        Files.writeString(mode, "hang");
        CompletableFuture<NservProcesses.CtlResult> hanging = CompletableFuture.supplyAsync(() -> nserv.ctl("--socket", socket.toString(), "restart"));
        await().atMost(Duration.ofSeconds(10)).until(() -> field(nserv.ctl("--socket", socket.toString(), "status").out, "restart").startsWith("restart in progress"));
        NservProcesses.CtlResult second = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(second.code).isEqualTo(1);
        assertThat(second.err).contains("restart in progress");
        try (Jmx jmx = new Jmx(firstPid))
        {
            assertThat(jmx.attribute("restartInProgress")).isEqualTo(true);
            assertThatThrownBy(() -> jmx.invoke("restart")).isInstanceOf(MBeanException.class)
                .satisfies(x -> assertThat(((MBeanException)x).getTargetException().getMessage()).contains("restart in progress"));
        }
        NservProcesses.CtlResult hung = hanging.get();
        assertThat(hung.code).isEqualTo(1);
        assertThat(hung.err).contains("was not ready within 5000 ms").contains("successor says: hanging");

        // 3. a successor whose WAR fails to deploy, triggered over JMX: the exception names the cause
        Files.writeString(mode, "badwar");
        try (Jmx jmx = new Jmx(firstPid))
        {
            assertThatThrownBy(() -> jmx.invoke("restart")).isInstanceOf(MBeanException.class)
                .satisfies(x -> assertThat(((MBeanException)x).getTargetException().getMessage())
                    .contains("the successor failed to start").contains("webapp '/broken'").contains("failed to deploy"));
            assertThat(jmx.attribute("generation")).isEqualTo(1);
        }

        // the first generation served throughout, and nothing is left of the failed successors
        String status = nserv.ctl("--socket", socket.toString(), "status").out;
        assertThat(field(status, "generation")).isEqualTo("1");
        assertThat(field(status, "state")).isEqualTo("ready");
        assertThat(field(status, "restart")).isEqualTo("idle");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nserv.livePids()).containsExactly(firstPid));
        assertThat(ProcessHandle.of(firstPid).orElseThrow().descendants().count()).as("children of generation 1").isZero();
        assertThat(NservProcesses.pipeAndUnixSocketFds(firstPid)).as("pipe and Unix socket fds of generation 1 after three roll backs").isEqualTo(fdsBefore);
        // the JMX agent and the load add threads of their own; allow for them, not for several per roll back
        assertThat(NservProcesses.threads(firstPid)).as("threads of generation 1 after three roll backs").isLessThanOrEqualTo(threadsBefore + 20);

        // 4. a good successor still takes over
        Files.writeString(mode, "ok");
        NservProcesses.CtlResult ok = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(ok.code).as(ok.toString()).isZero();
        assertThat(ok.out).contains("generation 2");
        long before = load.ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > before + 50);
        load.close();
        System.out.printf("nserv roll back IT: %d requests ok, %d failed, %d kept-alive connections found closed before a request was written (not failures)%n",
            load.ok(), load.failed(), load.staleConnections());
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.servedBy()).hasSize(2);

        // 5. a stop during a restart wins: the restart is rolled back and nothing keeps running
        await().atMost(Duration.ofSeconds(60)).until(() -> field(nserv.ctl("--socket", socket.toString(), "status").out, "restart").equals("idle"));
        CompletableFuture<NservProcesses.CtlResult> restarting = CompletableFuture.supplyAsync(() -> nserv.ctl("--socket", socket.toString(), "restart"));
        await().atMost(Duration.ofSeconds(10)).until(() -> field(nserv.ctl("--socket", socket.toString(), "status").out, "restart").startsWith("restart in progress"));
        assertThat(nserv.ctl("--socket", socket.toString(), "stop").code).isZero();
        NservProcesses.CtlResult stopped = restarting.get();
        assertThat(stopped.code).as(stopped.toString()).isEqualTo(1);
        assertThat(stopped.err).contains("generation 2 is stopping");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(nserv.livePids()).isEmpty());
    }
}
