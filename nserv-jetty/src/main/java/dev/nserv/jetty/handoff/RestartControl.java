package dev.nserv.jetty.handoff;

import java.util.List;

/**
 * What a front end ({@code ctl}, a supervisor) needs of the restart: trigger one, and read its state. Implemented by
 * {@link Restarter}; a small interface so that such front ends depend on this and not on the restart machinery.
 */
public interface RestartControl
{
    /**
     * Restarts: returns once the successor serves and this generation drains.
     * @return a summary for the operator
     * @throws RestartFailedException when the successor failed and this generation keeps serving
     * @throws IllegalStateException when a restart is in progress or not possible now
     */
    String restartOrFail() throws RestartFailedException;

    /**
     * @return the restart state, one line
     */
    String getState();

    /**
     * @return the outcome of the last restart attempt
     */
    String getLastResult();

    /**
     * @return one line per listener: connector, address, socket inode, origin
     */
    List<String> getListeners();
}
