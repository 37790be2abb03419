using System;
using System.Security.Cryptography;

namespace GroupWriteback.Native
{
    /// <summary>
    /// PEM text (RFC 7468) of DER data: PemEncoding.Write on .NET; on .NET
    /// Framework, which has no PemEncoding, the same text written here
    /// (64-character lines, "\n" line ends, no final line end), as a char
    /// array the caller can clear.
    /// </summary>
    internal static class Pem
    {
        internal static char[] Write(string label, byte[] data)
        {
#if NETFRAMEWORK
            int base64Length = (data.Length + 2) / 3 * 4;
            char[] base64 = new char[base64Length];
            try
            {
                Convert.ToBase64CharArray(data, 0, data.Length, base64, 0);
                string begin = "-----BEGIN " + label + "-----\n";
                string end = "-----END " + label + "-----";
                int lines = (base64Length + 63) / 64;
                char[] pem = new char[begin.Length + base64Length + lines + end.Length];
                int at = 0;
                begin.CopyTo(0, pem, at, begin.Length);
                at += begin.Length;
                for (int i = 0; i < base64Length; i += 64)
                {
                    int n = Math.Min(64, base64Length - i);
                    Array.Copy(base64, i, pem, at, n);
                    at += n;
                    pem[at++] = '\n';
                }
                end.CopyTo(0, pem, at, end.Length);
                return pem;
            }
            finally
            {
                Array.Clear(base64, 0, base64.Length);
            }
#else
            return PemEncoding.Write(label, data);
#endif
        }
    }

#if NETFRAMEWORK
    /// <summary>
    /// An RSA private key as PKCS#8 PrivateKeyInfo DER (RFC 5208, with the
    /// RSAPrivateKey of RFC 8017), which .NET Framework cannot export: the
    /// same bytes as RSA.ExportPkcs8PrivateKey on .NET. Integers are written
    /// in minimal DER form (leading zeros of the parameters dropped, a zero
    /// put before a set high bit), as strict parsers require.
    /// </summary>
    internal static class Pkcs8
    {
        // SEQUENCE { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL }
        private static readonly byte[] RsaAlgorithm =
        {
            0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00,
        };

        internal static byte[] FromRsaParameters(RSAParameters p)
        {
            byte[][] parts = { new byte[] { 0 }, p.Modulus, p.Exponent, p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ };
            int keyContent = 0;
            foreach (byte[] part in parts)
            {
                if (part == null || part.Length == 0) throw new CryptographicException("The RSA key has no private parameters.");
                keyContent += IntegerLength(part);
            }
            int keyLength = TagLength(keyContent);
            int infoContent = 3 + RsaAlgorithm.Length + TagLength(keyLength);
            byte[] der = new byte[TagLength(infoContent)];
            int at = 0;
            at = Header(der, at, 0x30, infoContent);
            at = Integer(der, at, new byte[] { 0 });
            Array.Copy(RsaAlgorithm, 0, der, at, RsaAlgorithm.Length);
            at += RsaAlgorithm.Length;
            at = Header(der, at, 0x04, keyLength);
            at = Header(der, at, 0x30, keyContent);
            foreach (byte[] part in parts) at = Integer(der, at, part);
            if (at != der.Length) throw new CryptographicException("PKCS#8 encoding error.");
            return der;
        }

        /// <summary>The length of a tag, its length octets and <paramref name="content"/> octets.</summary>
        private static int TagLength(int content)
        {
            return 1 + LengthOctets(content) + content;
        }

        private static int LengthOctets(int length)
        {
            if (length < 0x80) return 1;
            if (length <= 0xFF) return 2;
            if (length <= 0xFFFF) return 3;
            return 4;
        }

        private static int Header(byte[] der, int at, byte tag, int length)
        {
            der[at++] = tag;
            int n = LengthOctets(length);
            if (n == 1)
            {
                der[at++] = (byte)length;
                return at;
            }
            der[at++] = (byte)(0x80 | (n - 1));
            for (int shift = 8 * (n - 2); shift >= 0; shift -= 8) der[at++] = (byte)(length >> shift);
            return at;
        }

        /// <summary>The first octet to write of an unsigned big-endian number (leading zeros dropped, one kept for zero).</summary>
        private static int Start(byte[] value)
        {
            int start = 0;
            while (start < value.Length - 1 && value[start] == 0) start++;
            return start;
        }

        private static int IntegerContent(byte[] value)
        {
            int start = Start(value);
            return value.Length - start + ((value[start] & 0x80) != 0 ? 1 : 0);
        }

        private static int IntegerLength(byte[] value)
        {
            return TagLength(IntegerContent(value));
        }

        private static int Integer(byte[] der, int at, byte[] value)
        {
            at = Header(der, at, 0x02, IntegerContent(value));
            int start = Start(value);
            if ((value[start] & 0x80) != 0) der[at++] = 0;
            Array.Copy(value, start, der, at, value.Length - start);
            return at + value.Length - start;
        }
    }
#endif
}
