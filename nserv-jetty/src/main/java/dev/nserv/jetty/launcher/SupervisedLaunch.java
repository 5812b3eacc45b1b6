package dev.nserv.jetty.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.nserv.jetty.ctl.ControlPaths;
import dev.nserv.jetty.handoff.ExternalHandoff;
import dev.nserv.jetty.supervise.Supervisor;
import dev.nserv.jetty.supervise.SupervisorSettings;

/**
 * {@code --supervise}: turns the flags into {@link SupervisorSettings} and runs the {@link Supervisor} in this
 * process, which then loads no Jetty server class. Every generation runs this process's own command line without
 * {@code --supervise} and {@code --pid-file} (the supervisor owns the pid file).
 */
final class SupervisedLaunch
{
    /** Margin on top of a generation's drain for its exit after SIGTERM, before the supervisor kills it. */
    static final Duration STOP_MARGIN = Duration.ofSeconds(15);

    private SupervisedLaunch()
    {
    }

    static int run(LauncherOptions options, PrintStream out, PrintStream err)
    {
        SupervisorSettings settings = new SupervisorSettings();
        try
        {
            settings.addListener(new SupervisorSettings.Listener(ServerAssembler.HTTP, options.host, options.port));
            if (options.httpsPort != null)
                settings.addListener(new SupervisorSettings.Listener(ServerAssembler.HTTPS, options.host, options.httpsPort));
            settings.command(generationCommand(ExternalHandoff.currentCommand()));
            Path directory = options.controlSocket != null ? options.controlSocket.toAbsolutePath().getParent() : ControlPaths.defaultDirectory();
            ControlPaths.ensurePrivateDirectory(directory);
            settings.directory(directory);
            settings.pidFile(options.pidFile);
            settings.readyTimeout(options.readyTimeout);
            settings.stopTimeout(options.drainTimeout.plus(options.preDrainDelay).plus(STOP_MARGIN));
        }
        catch (IOException | RuntimeException x)
        {
            err.println("nserv: error: --supervise: " + x.getMessage());
            return Main.EXIT_START_FAILED;
        }
        return new Supervisor(settings, out).run();
    }

    /**
     * @param command the supervisor's command line
     * @return the same without {@code --supervise} and {@code --pid-file FILE}
     */
    static List<String> generationCommand(List<String> command)
    {
        List<String> result = new ArrayList<>();
        for (int i = 0; i < command.size(); i++)
        {
            String arg = command.get(i);
            if (arg.equals("--supervise") || arg.startsWith("--pid-file="))
                continue;
            if (arg.equals("--pid-file"))
            {
                i++;
                continue;
            }
            result.add(arg);
        }
        return result;
    }
}
