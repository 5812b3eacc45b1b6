package dev.nserv.jetty.session;

import java.nio.charset.StandardCharsets;

/**
 * Makes stored sessions undeserializable the way a new version of a webapp does: by changing the
 * serialVersionUID that the Java serialization stream records for a class.
 */
final class SerializedClasses
{
    private SerializedClasses()
    {
    }

    /**
     * @return a copy of {@code stream} in which {@code type}'s serialVersionUID differs
     * @throws IllegalArgumentException if the stream does not describe the class
     */
    static byte[] changeSerialVersionUid(byte[] stream, Class<?> type)
    {
        byte[] name = type.getName().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + name.length + 8 <= stream.length; i++)
        {
            if (matches(stream, i, name))
            {
                byte[] copy = stream.clone();
                // the class descriptor's name is followed by its 8-byte serialVersionUID
                copy[i + name.length + 7] ^= 0x5a;
                return copy;
            }
        }
        throw new IllegalArgumentException("no class descriptor of " + type.getName() + " in the stream");
    }

    private static boolean matches(byte[] stream, int at, byte[] name)
    {
        for (int j = 0; j < name.length; j++)
        {
            if (stream[at + j] != name[j])
                return false;
        }
        return true;
    }
}
