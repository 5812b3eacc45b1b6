package dev.nserv.jetty.logging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.CustomRequestLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppendingRequestLogWriterTest
{
    @TempDir
    Path tmp;

    @Test
    void twoWritersOnOneFileNeverInterleavePartsOfLines() throws Exception
    {
        Path file = tmp.resolve("access.log");
        Files.writeString(file, "kept\n");
        // two writers stand for the two generations of a restart; lines longer than any 8 KiB buffer
        AppendingRequestLogWriter first = new AppendingRequestLogWriter(file.toString());
        AppendingRequestLogWriter second = new AppendingRequestLogWriter(file.toString());
        first.start();
        second.start();
        int perThread = 200;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            AppendingRequestLogWriter writer = t % 2 == 0 ? first : second;
            char fill = (char)('a' + t);
            threads.add(new Thread(() ->
            {
                for (int i = 0; i < perThread; i++)
                {
                    try
                    {
                        writer.write("<" + String.valueOf(fill).repeat(20_000 + i) + ">");
                    }
                    catch (Exception x)
                    {
                        throw new RuntimeException(x);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads)
            thread.join(60_000);
        first.stop();
        second.stop();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1 + 4 * perThread);
        assertThat(lines.get(0)).isEqualTo("kept");
        Pattern whole = Pattern.compile("<([a-d])\\1{19999,}>");
        for (String line : lines.subList(1, lines.size()))
            assertThat(whole.matcher(line).matches()).as("a whole line of one writer").isTrue();
    }

    @Test
    void badFilesAndFormatsFailWithTheValue()
    {
        Path missingDir = tmp.resolve("no/such/dir/access.log");
        AppendingRequestLogWriter writer = new AppendingRequestLogWriter(missingDir.toString());
        assertThatThrownBy(writer::start).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(missingDir.toString()).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> StandardStreams.checkWritable("--access-log", tmp))
            .hasMessage("--access-log " + tmp + " is a directory (give a file to append to)");
        assertThatThrownBy(() -> new AppendingRequestLogWriter(" ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> AccessLogs.checkFormat("%{client}a %{nope")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("access log format '%{client}a %{nope' is not a CustomRequestLog format");
        assertThatThrownBy(() -> AccessLogs.checkFormat("")).hasMessageContaining("empty");
        assertThat(AccessLogs.checkFormat(CustomRequestLog.NCSA_FORMAT)).isEqualTo(CustomRequestLog.NCSA_FORMAT);
    }
}
