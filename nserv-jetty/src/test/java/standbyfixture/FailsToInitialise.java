package standbyfixture;

/** A library class whose static initialiser throws, for {@code StandbyGateTest}. */
public final class FailsToInitialise
{
    static final int VALUE = Integer.parseInt("not a number");

    private FailsToInitialise()
    {
    }
}
