#include "custody/crypto/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "custody/base/encoding.h"

namespace custody::crypto {
namespace {

TEST(CryptoTest, ShortPrfIsSipHashX24LittleEndian) {
  auto key = SecretBytes::FromBytes(std::string("0123456789abcdef"));
  unsigned char ref[crypto_shorthash_siphashx24_BYTES];
  const std::string msg = "sym and some record bytes";
  crypto_shorthash_siphashx24(ref, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                              key.data());
  ShortPrfOut o = ShortPrf(key, msg);
  uint64_t lo = 0, hi = 0;
  for (int i = 7; i >= 0; --i) lo = (lo << 8) | ref[i], hi = (hi << 8) | ref[8 + i];
  EXPECT_EQ(o.lo, lo);
  EXPECT_EQ(o.hi, hi);
  EXPECT_NE(ShortPrf(key, msg + "x").lo, o.lo);
  EXPECT_NE(ShortPrf(SecretBytes::FromBytes(std::string("0123456789abcdeF")), msg).lo, o.lo);
}

TEST(CryptoTest, Sha256KnownAnswers) {
  EXPECT_EQ(DigestHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Sha256("abc"));
}

// RFC 4231, test cases 2 (a short key) and 6 (a key longer than a block).
TEST(CryptoTest, HmacSha256Rfc4231KnownAnswers) {
  EXPECT_EQ(HexEncode(HmacSha256(SecretBytes::FromBytes("Jefe"), "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(SecretBytes::FromBytes(std::string(131, '\xaa')),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CryptoTest, Ed25519Rfc8032Test1) {
  auto seed = SecretBytes::FromBytes(
      *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  auto kp = Ed25519FromSeed(seed);
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(HexEncode(kp->public_key),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = Ed25519Sign(seed, "");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(HexEncode(*sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(kp->public_key, "", *sig));
  EXPECT_FALSE(Ed25519Verify(kp->public_key, "x", *sig));
}

TEST(CryptoTest, AeadRoundTripAndTamper) {
  auto key = SecretBytes::Random(32);
  auto sealed = AeadSeal(key, "record text", "segment-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("record text"), std::string::npos);
  EXPECT_EQ(*AeadOpen(key, *sealed, "segment-1"), "record text");
  EXPECT_EQ(AeadOpen(key, *sealed, "segment-2").status().code(), StatusCode::kDataLoss);
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 1;
    EXPECT_EQ(AeadOpen(key, bad, "segment-1").status().code(), StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(AeadOpen(SecretBytes::Random(32), *sealed, "segment-1").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(key, sealed->substr(0, 10), "").status().code(), StatusCode::kDataLoss);
  // AeadOpenTo: the same result into a reused buffer, the same refusals.
  std::string reused = "longer leftover contents";
  ASSERT_TRUE(AeadOpenTo(key, *sealed, "segment-1", &reused).ok());
  EXPECT_EQ(reused, "record text");
  EXPECT_EQ(AeadOpenTo(key, *sealed, "segment-2", &reused).code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpenTo(key, sealed->substr(0, 10), "", &reused).code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadSeal(SecretBytes::Random(16), "x", "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CryptoTest, Argon2idIsDeterministicPerSalt) {
  Argon2Params p{1, 8 << 20};
  std::string salt(16, 's');
  auto a = Argon2idDerive("correct horse", salt, p);
  auto b = Argon2idDerive("correct horse", salt, p);
  auto c = Argon2idDerive("wrong horse", salt, p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(a->Equals(*b));
  EXPECT_FALSE(a->Equals(*c));
}

TEST(CryptoTest, PrfIsKeyedAndDeterministic) {
  auto k1 = SecretBytes::FromBytes(std::string(32, 'k'));
  auto k2 = SecretBytes::FromBytes(std::string(32, 'j'));
  EXPECT_EQ(Prf(k1, "x"), Prf(k1, "x"));
  EXPECT_NE(Prf(k1, "x"), Prf(k2, "x"));
  EXPECT_NE(Prf64(k1, "x"), Prf64(k1, "y"));
  EXPECT_FALSE(DeriveKey(k1, "a").Equals(DeriveKey(k1, "b")));
}

TEST(CryptoTest, SealedBoxOpensOnlyWithRightKey) {
  auto alice = X25519Generate();
  auto mallory = X25519Generate();
  EXPECT_EQ(*X25519PublicFromSecret(alice.secret_key), alice.public_key);
  auto box = SealToPublicKey(alice.public_key, "release");
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(*OpenSealed(alice, *box), "release");
  EXPECT_EQ(OpenSealed(mallory, *box).status().code(), StatusCode::kDataLoss);
  std::string bad = *box;
  bad.back() ^= 0x80;
  EXPECT_EQ(OpenSealed(alice, bad).status().code(), StatusCode::kDataLoss);
}

// The points of small order on Curve25519 and its twist, as u-coordinates
// (little-endian), including non-canonical encodings (u >= p, top bit set):
// a release sealed to one of them is readable by anyone.
TEST(CryptoTest, X25519SmallOrderKeysAreRefused) {
  const char* small_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p (= 0)
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1 (= 1)
      "0000000000000000000000000000000000000000000000000000000000000080",  // 0, top bit set
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",  // order 8, top bit
  };
  for (const char* hex : small_order) {
    const std::string key = *HexDecode(hex);
    Status s = CheckX25519PublicKey(key);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << hex;
    EXPECT_EQ(SealToPublicKey(key, "release").status().code(), StatusCode::kInvalidArgument) << hex;
  }
  EXPECT_EQ(CheckX25519PublicKey(std::string(32, '\0')).message(),
            "X25519 public key is all zeros (not a key)");
  EXPECT_NE(CheckX25519PublicKey(*HexDecode(small_order[2])).message().find("small order"),
            std::string::npos);
  EXPECT_EQ(CheckX25519PublicKey(std::string(31, 'k')).code(), StatusCode::kInvalidArgument);
  for (int i = 0; i < 16; ++i) {
    EXPECT_TRUE(CheckX25519PublicKey(X25519Generate().public_key).ok());
  }
  // RFC 7748 section 6.1: Alice's public key.
  EXPECT_TRUE(CheckX25519PublicKey(
                  *HexDecode("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
                  .ok());
}

}  // namespace
}  // namespace custody::crypto
