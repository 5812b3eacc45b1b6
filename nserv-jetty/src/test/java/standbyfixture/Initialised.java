package standbyfixture;

/** A library class (outside dev.nserv) whose initialisation leaves a trace, for {@code StandbyGateTest}. */
public final class Initialised
{
    static
    {
        System.setProperty("standbyfixture.initialised", "yes");
    }

    private Initialised()
    {
    }
}
