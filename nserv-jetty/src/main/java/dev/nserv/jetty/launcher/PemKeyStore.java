package dev.nserv.jetty.launcher;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds an in-memory PKCS#12 key store from a PEM certificate chain and an unencrypted PKCS#8 PEM private key
 * (RSA, EC or EdDSA), the pair most ACME clients write, so that HTTPS needs no keytool step.
 */
final class PemKeyStore
{
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private PemKeyStore()
    {
    }

    /**
     * @param certFile PEM file with the certificate chain, leaf first
     * @param keyFile PEM file with the private key in PKCS#8 form
     * @param password password to protect the key entry with inside the store
     * @return a key store with one entry named "nserv"
     * @throws IOException naming the file when it cannot be read or holds no usable block
     */
    static KeyStore load(Path certFile, Path keyFile, char[] password) throws IOException
    {
        List<Certificate> chain = new ArrayList<>();
        PrivateKey key;
        try
        {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(certFile))
            {
                if (block.type.equals("CERTIFICATE"))
                    chain.add(factory.generateCertificate(new ByteArrayInputStream(block.der)));
            }
            if (chain.isEmpty())
                throw new IOException("--cert " + certFile + " holds no '-----BEGIN CERTIFICATE-----' block");
            key = privateKey(keyFile);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("nserv", key, password, chain.toArray(new Certificate[0]));
            return store;
        }
        catch (GeneralSecurityException x)
        {
            throw new IOException("cannot use --cert " + certFile + " with --key " + keyFile + ": " + x.getMessage(), x);
        }
    }

    private static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException
    {
        for (Block block : blocks(keyFile))
        {
            if (block.type.equals("PRIVATE KEY"))
            {
                PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(block.der);
                for (String algorithm : new String[]{"RSA", "EC", "EdDSA", "RSASSA-PSS"})
                {
                    try
                    {
                        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                    }
                    catch (GeneralSecurityException ignored)
                    {
                        // try the next algorithm
                    }
                }
                throw new IOException("--key " + keyFile + ": the PKCS#8 key is not RSA, EC or EdDSA");
            }
            if (block.type.endsWith("PRIVATE KEY"))
                throw new IOException("--key " + keyFile + " holds a '" + block.type + "' block; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + keyFile);
        }
        throw new IOException("--key " + keyFile + " holds no '-----BEGIN PRIVATE KEY-----' block");
    }

    private static List<Block> blocks(Path file) throws IOException
    {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find())
        {
            try
            {
                blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(matcher.group(2))));
            }
            catch (IllegalArgumentException x)
            {
                throw new IOException(file + ": bad base64 in the '" + matcher.group(1) + "' block", x);
            }
        }
        return blocks;
    }

    private record Block(String type, byte[] der)
    {
    }
}
