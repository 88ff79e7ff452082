// Test fixture for parties, releases and exposure: a fresh vault with a fake
// clock, a generated dataset of gsm8k-like records (names, nouns, numbers,
// <<...>> annotations), and helpers to add partners, members and grants.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <string>

#include "custody/base/clock.h"
#include "custody/core/ingest/ingest.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"

namespace custody::core::testing {

inline std::string GeneratedRecords(size_t n) {
  static const char* names[] = {"Natalia", "James", "Betty", "Julie", "Tom", "Maria", "Kenji", "Olivia"};
  static const char* items[] = {"apples", "tulips", "carrots", "cherries", "daisies", "plums"};
  std::string out;
  uint64_t s = 99;
  auto next = [&]() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  };
  for (size_t i = 0; i < n; ++i) {
    std::string nm = names[next() % 8], nm2 = names[next() % 8], it = items[next() % 6];
    int a = 2 + next() % 90, b = 2 + next() % 9;
    std::string q = nm + " picked " + std::to_string(a) + " " + it + " on Monday and " + std::to_string(b) +
                    " times as many on Tuesday. " + nm + " does not keep any for " + nm2 +
                    ", who is not hungry. How many " + it + " did " + nm + " pick? (case " +
                    std::to_string(i) + ")";
    std::string ans = "On Tuesday, " + nm + " picked " + std::to_string(a) + " * " + std::to_string(b) +
                      " = <<" + std::to_string(a) + "*" + std::to_string(b) + "=" + std::to_string(a * b) +
                      ">>" + std::to_string(a * b) + " " + it + ".\\n#### " + std::to_string(a + a * b);
    out += "{\"question\":\"" + q + "\",\"answer\":\"" + ans + "\",\"n\":" + std::to_string(i) + "}\n";
  }
  return out;
}

class ReleaseTest : public ::testing::Test {
 protected:
  static constexpr Time kStart = FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

  void SetUp() override {
    char tmpl[] = "/tmp/custody_release_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    store::InitOptions o;
    o.keys.key_file = root_ + "/master.key";
    o.clock = &clock_;
    auto c = Custody::Init(root_ + "/vault", o, "test");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custody_ = std::move(*c);
  }
  void TearDown() override {
    custody_.reset();
    Env::Default()->RemoveTree(root_).IgnoreError();
  }
  void IngestGenerated(size_t n, const std::string& dataset = "math",
                       std::vector<std::string> fields = {"question", "answer"}) {
    std::string p = root_ + "/" + dataset + ".jsonl";
    std::ofstream(p, std::ios::binary) << GeneratedRecords(n);
    IngestOptions o;
    o.dataset = dataset;
    o.files = {p};
    o.fields = std::move(fields);
    auto r = Ingest(*custody_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    first_id_ = r->first_record_id;
  }
  Member AddPartnerAndMember(const std::string& partner, const std::string& member) {
    if (!FindPartner(*custody_, partner).ok()) {
      EXPECT_TRUE(AddPartner(*custody_, {partner, "c@" + partner, "K-1", ""}).ok());
    }
    auto kp = crypto::X25519Generate();
    keys_[member] = kp.secret_key.Clone();
    auto m = AddMember(*custody_, {partner, member, member + "@" + partner + ".example", kp.public_key});
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }
  GrantId AddGrantFor(const std::string& partner, Selection sel = {}, std::string member = "",
                      int64_t days = 30) {
    GrantSpec g;
    g.partner = partner;
    g.member = member;
    g.dataset = "math";
    g.selection = std::move(sel);
    g.expires_at = clock_.Now() + std::chrono::days(days);
    g.purpose = "labeling";
    auto r = AddGrant(*custody_, g);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : GrantId();
  }
  Result<ReleaseResult> DoRelease(GrantId grant, const std::string& member, const std::string& out,
                                  bool encrypt = false,
                                  format::OutputFormat f = format::OutputFormat::kJsonl) {
    ReleaseOptions o;
    o.grant_id = grant;
    o.member = member;
    o.out = root_ + "/" + out;
    o.encrypt = encrypt;
    o.format = f;
    return Release(*custody_, o);
  }
  uint64_t LogSize() { return custody_->log().size(); }

  FakeClock clock_{kStart};
  std::string root_;
  std::unique_ptr<Custody> custody_;
  uint64_t first_id_ = 0;
  std::map<std::string, crypto::SecretBytes> keys_;
};

}  // namespace custody::core::testing
