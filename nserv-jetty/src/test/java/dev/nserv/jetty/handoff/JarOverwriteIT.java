package dev.nserv.jetty.handoff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import dev.nserv.jetty.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A jar copied over the running one, in place (same inode, new bytes, as {@code cp} does): the running generation
 * keeps serving every code path, because it runs from a private copy, and a restart onto the new jar succeeds.
 */
class JarOverwriteIT
{
    @TempDir
    Path tmp;

    private final NservProcesses nserv = new NservProcesses();

    @AfterEach
    void stop()
    {
        nserv.saveOutput("JarOverwriteIT");
        nserv.close();
    }

    /** The same classes in a different layout: an extra first entry moves every offset in the file. */
    private static byte[] differentJar(Path jar) throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipFile in = new ZipFile(jar.toFile()); ZipOutputStream out = new ZipOutputStream(bytes))
        {
            out.putNextEntry(new ZipEntry("nserv-overwrite-marker.txt"));
            out.write("a newer build\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.closeEntry();
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements())
            {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry))
                {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void overwritingTheJarInPlaceBreaksNothingAndTheRestartRunsTheNewJar() throws Exception
    {
        Path jar = tmp.resolve("nserv.jar");
        Files.copy(nserv.jar, jar);
        Path socket = tmp.resolve("ctl.sock");
        nserv.start(Map.of(), List.of(nserv.java.toString(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
            "--host", "127.0.0.1", "--port", "0", "--control-socket", socket.toString(), "--state-dir", nserv.stateDir().toString()));
        int port = nserv.awaitPort("http");
        try (RawHttp http = new RawHttp(port))
        {
            assertThat(http.get("/").body()).contains("generation=1");
        }

        Object inode = Files.getAttribute(jar, "unix:ino");
        Files.write(jar, differentJar(jar));
        assertThat(Files.getAttribute(jar, "unix:ino")).as("written in place").isEqualTo(inode);

        // code paths the first generation had not used before the overwrite
        try (RawHttp http = new RawHttp(port))
        {
            RawHttp.Response slow = http.get("/slow?ms=10");
            assertThat(slow.status()).as(slow.body()).isEqualTo(200);
            RawHttp.Response stream = http.get("/stream?seconds=2");
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.body()).contains("line 2/2");
        }
        NservProcesses.CtlResult restart = nserv.ctl("--socket", socket.toString(), "restart");
        assertThat(restart.code).as(restart.toString()).isZero();
        assertThat(restart.out).contains("generation 2");
        await().atMost(Duration.ofSeconds(30)).until(() ->
        {
            try (RawHttp http = new RawHttp(port))
            {
                return http.get("/").body().contains("generation=2");
            }
        });
        assertThat(nserv.outputText()).doesNotContain("NoClassDefFoundError").doesNotContain("ClassNotFoundException");
    }
}
