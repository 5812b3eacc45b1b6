package dev.nserv.jetty.supervise;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * The process calls the supervisor needs and the JDK does not offer: become a child subreaper, and reap one
 * given child (never {@code waitpid(-1)}: the JDK's own reaper waits for the processes it started). Linux only.
 */
interface Posix extends Library
{
    int PR_SET_CHILD_SUBREAPER = 36;
    int WNOHANG = 1;
    int ECHILD = 10;
    int ESRCH = 3;
    int SIGHUP = 1;
    int SIGTERM = 15;

    /** Loaded on first use. */
    Posix INSTANCE = Native.load("c", Posix.class);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;
}
