#include "custody/ledger/checkpoint.h"

#include <gtest/gtest.h>

#include "custody/crypto/crypto.h"

namespace custody::ledger {
namespace {

TEST(CheckpointTest, SignOpenRoundTripAndTamper) {
  auto keys = crypto::Ed25519Generate();
  Checkpoint c{"example.org/log", 42, crypto::Sha256("x"), {}};
  auto note = SignNote(FormatCheckpoint(c), c.origin, keys.seed);
  ASSERT_TRUE(note.ok());
  auto key = ParseVerifierKey(FormatVerifierKey(c.origin, keys.public_key));
  ASSERT_TRUE(key.ok());
  auto opened = OpenCheckpoint(*note, *key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, c);
  // Flip every byte of the body in turn: never accepted.
  const size_t body_len = FormatCheckpoint(c).size();
  for (size_t i = 0; i < note->size(); ++i) {
    std::string bad = *note;
    bad[i] ^= (i < body_len ? 0x01 : 0x04);
    EXPECT_FALSE(OpenCheckpoint(bad, *key).ok()) << i;
  }
  // Another key's signature is not ours.
  auto other = crypto::Ed25519Generate();
  auto other_key = ParseVerifierKey(FormatVerifierKey(c.origin, other.public_key));
  EXPECT_EQ(OpenCheckpoint(*note, *other_key).status().code(), StatusCode::kDataLoss);
}

TEST(CheckpointTest, ParseErrorsNameTheLine) {
  auto r = ParseCheckpoint("o\nx\nAAAA\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checkpoint:2"), std::string::npos);
  EXPECT_FALSE(ParseCheckpoint("o\n1\n").ok());
  EXPECT_FALSE(ParseCheckpoint("o\n01\n" + std::string(44, 'A') + "\n").ok());
}

TEST(CheckpointTest, RejectsBadNames) {
  EXPECT_FALSE(ValidateNoteName("a b").ok());
  EXPECT_FALSE(ValidateNoteName("a+b").ok());
  EXPECT_FALSE(ValidateNoteName("").ok());
  EXPECT_TRUE(ValidateNoteName("custody.local/abc").ok());
}

}  // namespace
}  // namespace custody::ledger
