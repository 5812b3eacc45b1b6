package dev.nserv.jetty.handoff;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Successors start from a class-data archive that an earlier generation wrote at its exit; a damaged archive is
 * not used (it would crash the JVM) and the restart still succeeds.
 */
class ClassDataArchiveIT
{
    private static final Pattern SUCCESSOR = Pattern.compile("generation (\\d+) \\(pid (\\d+)\\) ready");
    /** The successors run this test's JVM: Java 25 and later use the AOT cache, Java 17-24 the dynamic archive. */
    private static final boolean AOT = Runtime.version().feature() >= 25;
    private static final String WRITE_OPTION = AOT ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=";
    private static final String USE_OPTION = AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";
    private static final String EXTENSION = AOT ? ".aot" : ".jsa";

    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();

    @AfterEach
    void stop()
    {
        nserv.saveOutput("ClassDataArchiveIT");
        nserv.close();
    }

    private long restart(Path socket, int port, int generation)
    {
        // the invariant refuses a restart while the previous generation still drains (here: writes its archive as it
        // exits, about 2 s of CPU), so wait for it as an operator would
        await().atMost(Duration.ofSeconds(60)).until(() -> !NservProcesses.field(nserv.ctl("--socket", socket.toString(), "status").out, "restart").startsWith("waiting"));
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        Matcher m = SUCCESSOR.matcher(restart.out);
        assertThat(m.find()).as(restart.out).isTrue();
        assertThat(m.group(1)).isEqualTo(Integer.toString(generation));
        await().atMost(Duration.ofSeconds(30)).until(() ->
        {
            try (RawHttp http = new RawHttp(port))
            {
                RawHttp.Response response = http.get("/");
                return response.status() == 200 && response.body().contains("generation=" + generation);
            }
        });
        return Long.parseLong(m.group(2));
    }

    private static List<Path> files(Path dir, String glob) throws Exception
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName())).toList();
        }
    }

    private static void awaitExit(long pid)
    {
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void anArchiveIsWrittenThenUsedAndADamagedOneIsReplaced() throws Exception
    {
        Path cds = tmp.resolve("cds");
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(), "--cds-dir", cds.toString()));
        int port = nserv.awaitPort("http");

        // generation 2 writes the archive when it exits, i.e. after generation 3 took over
        long second = restart(socket, port, 2);
        assertThat(nserv.outputText()).contains(WRITE_OPTION + cds);
        restart(socket, port, 3);
        awaitExit(second);
        assertThat(files(cds, "*.part")).as("written by generation 2 at its exit").hasSize(1);

        // the next restart checks and renames it, and generation 4 maps it
        long fourth = restart(socket, port, 4);
        List<Path> archives = files(cds, "*" + EXTENSION);
        assertThat(archives).hasSize(1);
        Path archive = archives.get(0);
        assertThat(nserv.outputText()).contains("generation 4 starts from class-data archive " + archive).contains(USE_OPTION + archive);
        assertThat(Files.readString(Path.of("/proc/" + fourth + "/maps"))).as("generation 4 maps the archive").contains(archive.toString());

        // damaged by replacing it (writing into the file in place would crash generation 4, which maps it)
        byte[] garbage = new byte[(int)Files.size(archive)];
        new Random(7).nextBytes(garbage);
        Path replacement = tmp.resolve("garbage.jsa");
        Files.write(replacement, garbage);
        Files.move(replacement, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        restart(socket, port, 5);
        assertThat(nserv.outputText()).contains("class-data archive " + archive + " is damaged").contains("generation 5 no class-data archive");
        assertThat(archive).doesNotExist();
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void aTruncatedPartIsNotUsed() throws Exception
    {
        Path cds = tmp.resolve("cds");
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), nserv.nserv("--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(), "--cds-dir", cds.toString()));
        int port = nserv.awaitPort("http");
        long second = restart(socket, port, 2);
        restart(socket, port, 3);
        awaitExit(second);
        Path part = files(cds, "*.part").get(0);
        // keeps the header, loses the end: mapped without a check, this crashes the JVM with SIGBUS
        part.toFile().setWritable(true);
        try (var channel = java.nio.channels.FileChannel.open(part, java.nio.file.StandardOpenOption.WRITE))
        {
            channel.truncate(channel.size() / 2);
        }
        restart(socket, port, 4);
        assertThat(nserv.outputText()).contains("class-data archive " + part + " is not usable").contains("generation 4 no class-data archive");
        assertThat(files(cds, "*" + EXTENSION)).isEmpty();
    }
}
