package dev.nserv.jetty.handoff;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts successors from a dynamic class-data archive (AppCDS) that an earlier generation wrote when it exited,
 * so that a successor's JVM maps about 2,000 already parsed and verified classes (JDK, Jetty, nserv, the
 * launcher's private class loader) instead of loading them from the jar. On Java 25 and later, when the successor
 * runs the same JVM, it is the AOT cache instead ({@code -XX:AOTCacheOutput} at exit, {@code -XX:AOTCache} to use,
 * a {@code .aot} file; {@code -Dnserv.cds.aot=false} keeps the dynamic archive), with the same life cycle and checks.
 * (It is over 400 lines because a JVM given a damaged archive can crash: every step -- key, writer marker, check,
 * atomic promotion, checksum at each use -- is written out here in one place, each with its own failure that falls
 * back to a start without an archive.)
 * <p>
 * A generation's JVM writes the archive only when it exits, and only when {@code -XX:ArchiveClassesAtExit} was on
 * its own command line; so a successor is started with that option when no archive exists for its key, writes
 * it to a private {@code .part} name when it exits (after its own successor took over), and a later restart
 * checks the part with a child JVM ({@code -Xshare:on}, which refuses an archive that does not match the jar or the
 * JDK) and renames it into place. The final name carries the archive's size and CRC32C, which every use checks
 * again (a truncated archive crashes the JVM with SIGBUS even in {@code -Xshare:auto} mode, measured on 17.0.15):
 * an archive that does not match is deleted and rebuilt, never used. A {@code .writer} marker holds the pid of a
 * generation that will write a part, so that one writer per key is enough. Everything here is best effort: a
 * problem is logged and the successor starts without an archive.
 * <p>
 * The key hashes the java program (and this JVM's {@code java.home} and version when it is the same program), the
 * jar after {@code -jar} (path, size, modification time) and the deployed files; a change of any of them selects
 * another archive. Options go before {@code -jar} in this process's own command line; a
 * {@code --successor-command} gets them where it holds {@value #PLACEHOLDER}, and its environment always carries
 * them in {@value #ENV_OPTIONS} (e.g. for a wrapper script: {@code exec java $NSERV_CDS_OPTIONS -jar ...}).
 *
 * <pre>{@code
 * ClassDataArchives archives = new ClassDataArchives(Path.of("/run/user/1000/nserv-me/cds"), List.of(webappsDir));
 * ClassDataArchives.Plan plan = archives.plan(command, true);
 * Process p = start(plan.command());   // then: archives.started(plan, p.pid())
 * }</pre>
 */
public final class ClassDataArchives
{
    /** A {@code --successor-command} argument replaced by the class-data options (none, one or two arguments). */
    public static final String PLACEHOLDER = "{cds}";
    /** Environment variable of every successor: its class-data options, separated by spaces (may be empty). */
    public static final String ENV_OPTIONS = "NSERV_CDS_OPTIONS";
    /** The state directory's sub-directory, under the control directory, that holds the archives by default. */
    public static final String DEFAULT_SUBDIRECTORY = "cds";

    private static final Logger LOG = LoggerFactory.getLogger(ClassDataArchives.class);
    /**
     * System property: {@code false} makes a Java 25+ JVM use the dynamic archive instead of the AOT cache (for
     * comparing the two; the default is {@code true}).
     */
    public static final String AOT_PROPERTY = "nserv.cds.aot";
    /** The first JDK whose AOT cache can be written at a generation's exit in one step (JEP 514). */
    static final int AOT_FEATURE = 25;

    private static final String USE = "-XX:SharedArchiveFile=";
    private static final String WRITE = "-XX:ArchiveClassesAtExit=";
    private static final String AOT_USE = "-XX:AOTCache=";
    private static final String AOT_WRITE = "-XX:AOTCacheOutput=";
    /** The writer's JVM prints one warning per class it cannot archive (hundreds) at exit. */
    private static final String QUIET = "-Xlog:cds=off";
    private static final String AOT_QUIET = "-Xlog:aot=off,cds=off";
    private static final List<String> USER_CDS = List.of(USE, WRITE, "-XX:AOTCache", "-XX:AOTMode", "-XX:AOTConfiguration", "-XX:+AutoCreateSharedArchive", "-Xshare:");
    private static final Pattern FINAL = Pattern.compile("nserv-([0-9a-f]{16})-(\\d+)-([0-9a-f]{8})\\.(jsa|aot)");
    private static final Duration ORPHAN_AGE = Duration.ofHours(1);
    private static final Duration VALIDATE_TIMEOUT = Duration.ofSeconds(60);

    private final Path directory;
    private final List<Path> deployed;

    /**
     * @param directory the state directory for archives (created when missing)
     * @param deployed files or directories whose change should give a new archive (e.g. the webapps directory);
     * may be empty
     */
    public ClassDataArchives(Path directory, List<Path> deployed)
    {
        if (directory == null)
            throw new IllegalArgumentException("directory must not be null; disable archives instead");
        this.directory = directory.toAbsolutePath();
        this.deployed = List.copyOf(deployed);
    }

    /**
     * @return the state directory
     */
    public Path getDirectory()
    {
        return directory;
    }

    /**
     * What one successor launch uses.
     * @param command the command to run
     * @param options the class-data options in it (also for {@value #ENV_OPTIONS})
     * @param writer the part this successor will write at its exit, or {@code null}
     * @param description one line for the log
     */
    public record Plan(List<String> command, List<String> options, Path writer, String description)
    {
        /**
         * @return the options as one string for {@value #ENV_OPTIONS}
         */
        public String envValue()
        {
            return String.join(" ", options);
        }
    }

    /**
     * Decides the class-data options of a successor and puts them into its command.
     * @param command the successor command: this process's own command line or a {@code --successor-command}
     * @param ownCommand true for this process's own command line: earlier class-data options of ours are replaced
     * and new ones go before {@code -jar}; false: they go only where {@value #PLACEHOLDER} is
     * @return the plan; its command is {@code command} with the options in place (and no placeholder)
     */
    public Plan plan(List<String> command, boolean ownCommand)
    {
        List<String> cleaned = new ArrayList<>(command.size());
        for (int i = 0; i < command.size(); i++)
        {
            String arg = command.get(i);
            if (ownCommand && isOurs(arg))
                continue;
            if (ownCommand && (arg.equals(QUIET) || arg.equals(AOT_QUIET)) && i + 1 < command.size() && isOurs(command.get(i + 1)))
                continue;
            cleaned.add(arg);
        }
        int placeholder = cleaned.indexOf(PLACEHOLDER);
        int at = placeholder >= 0 ? placeholder : ownCommand ? cleaned.indexOf("-jar") : -1;
        if (placeholder >= 0)
            cleaned.removeIf(PLACEHOLDER::equals);
        int jarIndex = cleaned.indexOf("-jar");
        String why = null;
        if (at <= 0)
            why = ownCommand ? "the command has no -jar" : "the successor command has no " + PLACEHOLDER;
        else if (jarIndex < 0 || jarIndex + 1 >= cleaned.size())
            why = "the command has no -jar JAR";
        else if (cleaned.stream().anyMatch(a -> USER_CDS.stream().anyMatch(a::startsWith)))
            why = "the command sets class-data sharing options of its own";
        if (why != null)
            return new Plan(List.copyOf(cleaned), List.of(), null, "no class-data archive: " + why);
        try
        {
            Path jar = Path.of(cleaned.get(jarIndex + 1));
            boolean aot = aotCache(cleaned.get(0));
            String key = key(cleaned.get(0), jar, aot);
            Files.createDirectories(directory);
            boolean pending = promoteParts(key, cleaned.get(0), cleaned.get(jarIndex + 1), aot);
            Optional<Path> archive = usableArchive(key);
            List<String> options;
            Path writer = null;
            String description;
            if (archive.isPresent())
            {
                options = List.of((aot ? AOT_USE : USE) + archive.get());
                description = "starts from class-data archive " + archive.get();
            }
            else if (pending)
            {
                options = List.of();
                description = "no class-data archive yet: a previous generation writes one for key " + key + " when it exits";
            }
            else
            {
                writer = directory.resolve("nserv-" + key + "." + UUID.randomUUID().toString().substring(0, 8) + ".part");
                options = aot ? List.of(AOT_QUIET, AOT_WRITE + writer) : List.of(QUIET, WRITE + writer);
                description = "no class-data archive for key " + key + ": it writes " + writer + " when it exits";
            }
            List<String> result = new ArrayList<>(cleaned);
            result.addAll(at, options);
            return new Plan(List.copyOf(result), options, writer, description);
        }
        catch (IOException | RuntimeException x)
        {
            LOG.warn("restart: no class-data archive for the successor: {}", x.toString());
            return new Plan(List.copyOf(cleaned), List.of(), null, "no class-data archive: " + x.getMessage());
        }
    }

    /**
     * Records the process that will write the plan's part, so that no other launch starts a second writer.
     * @param plan the plan the successor was started with
     * @param pid the successor's pid
     */
    public void started(Plan plan, long pid)
    {
        if (plan.writer() == null)
            return;
        try
        {
            Path marker = marker(plan.writer());
            Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(pid));
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException x)
        {
            LOG.warn("restart: cannot record the class-data archive writer pid {}: {}", pid, x.toString());
        }
    }

    private boolean isOurs(String arg)
    {
        for (String prefix : List.of(USE, WRITE, AOT_USE, AOT_WRITE))
        {
            if (arg.startsWith(prefix) && Path.of(arg.substring(prefix.length())).toAbsolutePath().startsWith(directory))
                return true;
        }
        return false;
    }

    /**
     * Java 25's AOT cache (JEP 483, written at exit in one step by JEP 514's {@code -XX:AOTCacheOutput}) when the
     * successor runs this very JVM and it is Java 25 or later; the dynamic archive otherwise (another java program's
     * version is not known here, and the dynamic archive works on every JDK from 17 on).
     */
    static boolean aotCache(String program)
    {
        if (Runtime.version().feature() < AOT_FEATURE || !Boolean.parseBoolean(System.getProperty(AOT_PROPERTY, "true")))
            return false;
        Path ownJava = Path.of(System.getProperty("java.home"), "bin", "java");
        return program.equals("java") || realOrSelf(Path.of(program)).equals(realOrSelf(ownJava));
    }

    private String key(String program, Path jar, boolean aot) throws IOException
    {
        StringBuilder material = new StringBuilder(aot ? "nserv-aot-1\n" : "nserv-cds-1\n");
        Path java = Path.of(program);
        Path ownJava = Path.of(System.getProperty("java.home"), "bin", "java");
        material.append(realOrSelf(java)).append('\n');
        if (realOrSelf(java).equals(realOrSelf(ownJava)) || program.equals("java"))
            material.append(System.getProperty("java.home")).append(' ').append(System.getProperty("java.vm.version")).append('\n');
        else
            stamp(material, java);
        stamp(material, jar);
        for (Path path : deployed)
        {
            stamp(material, path);
            if (Files.isDirectory(path))
            {
                try (Stream<Path> entries = Files.list(path))
                {
                    for (Path entry : entries.sorted().toList())
                        stamp(material, entry);
                }
            }
        }
        try
        {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }

    private static Path realOrSelf(Path path)
    {
        try
        {
            return path.toRealPath();
        }
        catch (IOException x)
        {
            return path.toAbsolutePath();
        }
    }

    private static void stamp(StringBuilder material, Path path) throws IOException
    {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        material.append(path.toAbsolutePath()).append(' ').append(attributes.size()).append(' ')
            .append(attributes.lastModifiedTime().toMillis()).append('\n');
    }

    /**
     * Validates and renames the parts of exited writers; removes what is broken or left over.
     * @return true when a writer for this key is still running
     */
    private boolean promoteParts(String key, String program, String jarArg, boolean aot) throws IOException
    {
        boolean pending = false;
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(directory, "nserv-" + key + ".*.part.writer"))
        {
            for (Path marker : markers)
            {
                if (writerAlive(marker))
                {
                    pending = true;
                    continue;
                }
                Path part = marker.resolveSibling(marker.getFileName().toString().replaceFirst("\\.writer$", ""));
                if (Files.isRegularFile(part))
                    promote(key, part, program, jarArg, aot);
                Files.deleteIfExists(marker);
            }
        }
        // parts whose marker is gone (a launch that could not record its writer) and old files of other keys
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, "nserv-*.{part,tmp,log,config}"))
        {
            Instant limit = Instant.now().minus(ORPHAN_AGE);
            for (Path file : leftovers)
            {
                if (!Files.exists(marker(file)) && Files.getLastModifiedTime(file).toInstant().isBefore(limit))
                    Files.deleteIfExists(file);
            }
        }
        return pending;
    }

    private static Path marker(Path part)
    {
        return part.resolveSibling(part.getFileName() + ".writer");
    }

    private static boolean writerAlive(Path marker)
    {
        try
        {
            long pid = Long.parseLong(Files.readString(marker).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (IOException | NumberFormatException x)
        {
            return false;
        }
    }

    private void promote(String key, Path part, String program, String jarArg, boolean aot) throws IOException
    {
        String problem = validate(part, program, jarArg, aot);
        if (problem != null)
        {
            LOG.warn("restart: class-data archive {} is not usable ({}): deleted", part, problem);
            Files.deleteIfExists(part);
            return;
        }
        long size = Files.size(part);
        Path target = directory.resolve("nserv-" + key + "-" + size + "-" + crc(part) + (aot ? ".aot" : ".jsa"));
        // a rename in one directory is atomic: a reader sees no archive or a whole one
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("restart: class-data archive {} is ready ({} bytes)", target, size);
    }

    /**
     * @return null when a JVM of the same program and jar maps the archive with -Xshare:on (the AOT cache with
     * -XX:AOTMode=on, which likewise refuses to start without it), else why not
     */
    private String validate(Path part, String program, String jarArg, boolean aot)
    {
        Path java = program.endsWith("/java") || program.equals("java") ? Path.of(program) : Path.of(System.getProperty("java.home"), "bin", "java");
        Path errorFile = part.resolveSibling(part.getFileName() + ".log");
        List<String> mapIt = aot ? List.of("-XX:AOTMode=on", AOT_USE + part) : List.of("-Xshare:on", USE + part);
        List<String> check = new ArrayList<>(List.of(java.toString()));
        check.addAll(mapIt);
        check.addAll(List.of("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorFile, "-cp", jarArg, "-version"));
        ProcessBuilder builder = new ProcessBuilder(check);
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        try
        {
            Process process = builder.start();
            byte[] output;
            try (InputStream in = process.getInputStream())
            {
                output = in.readNBytes(4096);
            }
            if (!process.waitFor(VALIDATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly().waitFor();
                return "the check did not finish in " + VALIDATE_TIMEOUT.toSeconds() + " s";
            }
            int code = process.exitValue();
            if (code == 0)
                return null;
            String text = new String(output, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            return java + " " + mapIt.get(0) + " exited with code " + code + (text.isEmpty() ? "" : ": " + text);
        }
        catch (IOException x)
        {
            return "cannot run " + java + ": " + x.getMessage();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        finally
        {
            try
            {
                Files.deleteIfExists(errorFile);
            }
            catch (IOException x)
            {
                LOG.debug("cannot delete {}", errorFile, x);
            }
        }
    }

    /** @return the newest archive of the key whose size and checksum match its name; deletes those that do not */
    private Optional<Path> usableArchive(String key) throws IOException
    {
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> archives = Files.newDirectoryStream(directory, "nserv-" + key + "-*.{jsa,aot}"))
        {
            archives.forEach(candidates::add);
        }
        candidates.sort(Comparator.comparing(ClassDataArchives::modified).reversed());
        for (Path archive : candidates)
        {
            Matcher m = FINAL.matcher(archive.getFileName().toString());
            String problem;
            if (!m.matches())
                problem = "unexpected name";
            else if (Files.size(archive) != Long.parseLong(m.group(2)))
                problem = "size " + Files.size(archive) + " instead of " + m.group(2);
            else if (!crc(archive).equals(m.group(3)))
                problem = "its checksum does not match";
            else
                return Optional.of(archive);
            LOG.warn("restart: class-data archive {} is damaged ({}): deleted, the successor starts without it", archive, problem);
            Files.deleteIfExists(archive);
        }
        return Optional.empty();
    }

    private static Instant modified(Path path)
    {
        try
        {
            return Files.getLastModifiedTime(path).toInstant();
        }
        catch (IOException x)
        {
            return Instant.EPOCH;
        }
    }

    private static String crc(Path file) throws IOException
    {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file))
        {
            int read;
            while ((read = in.read(buffer)) >= 0)
                crc.update(buffer, 0, read);
        }
        return String.format("%08x", crc.getValue());
    }
}
