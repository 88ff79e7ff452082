#include "custody/base/hash.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

// Known answers of MurmurHash3's fmix64 (computed from its definition): a
// change here would silently change stored slot ids and sketch hashes.
TEST(HashTest, Fmix64KnownAnswers) {
  EXPECT_EQ(Fmix64(0), 0u);
  EXPECT_EQ(Fmix64(1), 0xb456bcfc34c2cb2cULL);
  EXPECT_EQ(Fmix64(0x0123456789abcdefULL), 0x87cbfbfe89022ceaULL);
  EXPECT_NE(Fmix64(2), Fmix64(3));
}

}  // namespace
}  // namespace custody
