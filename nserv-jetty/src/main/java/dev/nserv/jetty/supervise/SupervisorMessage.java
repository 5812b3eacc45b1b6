package dev.nserv.jetty.supervise;

/**
 * One line a generation sends its supervisor: {@code SERVING pid=4321 generation=2} once it serves (a first start,
 * or after its predecessor committed), and {@code HANDED_OFF pid=4242 generation=1 successor=4321} once it committed
 * a successor, so the supervisor expects its exit. Unknown or malformed lines are refused with a message naming
 * them; the supervisor logs and ignores them.
 *
 * @param kind what happened
 * @param pid the sender
 * @param generation the sender's generation
 * @param successor the committed successor's pid, or -1
 */
public record SupervisorMessage(Kind kind, long pid, int generation, long successor)
{
    /** What a generation reports. */
    public enum Kind
    {
        /** The sender serves. */
        SERVING,
        /** The sender committed a successor and drains. */
        HANDED_OFF
    }

    /**
     * @param pid the sender
     * @param generation its generation
     * @return a SERVING message
     */
    public static SupervisorMessage serving(long pid, int generation)
    {
        return new SupervisorMessage(Kind.SERVING, pid, generation, -1);
    }

    /**
     * @param pid the sender
     * @param generation its generation
     * @param successor the committed successor's pid
     * @return a HANDED_OFF message
     */
    public static SupervisorMessage handedOff(long pid, int generation, long successor)
    {
        return new SupervisorMessage(Kind.HANDED_OFF, pid, generation, successor);
    }

    /**
     * @return the line, without a line end
     */
    public String line()
    {
        return kind + " pid=" + pid + " generation=" + generation + (kind == Kind.HANDED_OFF ? " successor=" + successor : "");
    }

    /**
     * @param line one line
     * @return the message
     * @throws IllegalArgumentException naming the line when it is not a message
     */
    public static SupervisorMessage parse(String line)
    {
        if (line == null)
            throw new IllegalArgumentException("no message");
        String[] words = line.trim().split(" +");
        Kind kind;
        try
        {
            kind = Kind.valueOf(words[0]);
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException("unknown message '" + line + "'");
        }
        long pid = -1;
        long successor = -1;
        int generation = -1;
        for (int i = 1; i < words.length; i++)
        {
            int eq = words[i].indexOf('=');
            if (eq <= 0)
                throw new IllegalArgumentException("malformed message '" + line + "'");
            String key = words[i].substring(0, eq);
            String value = words[i].substring(eq + 1);
            try
            {
                switch (key)
                {
                    case "pid" -> pid = Long.parseLong(value);
                    case "generation" -> generation = Integer.parseInt(value);
                    case "successor" -> successor = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown field '" + key + "' in message '" + line + "'");
                }
            }
            catch (NumberFormatException x)
            {
                throw new IllegalArgumentException("'" + value + "' is not a number in message '" + line + "'");
            }
        }
        if (pid <= 0 || generation < 1)
            throw new IllegalArgumentException("message '" + line + "' needs pid= and generation=");
        if (kind == Kind.HANDED_OFF && successor <= 0)
            throw new IllegalArgumentException("message '" + line + "' needs successor=");
        if (kind == Kind.SERVING && successor != -1)
            throw new IllegalArgumentException("unknown field 'successor' in message '" + line + "'");
        return new SupervisorMessage(kind, pid, generation, successor);
    }
}
