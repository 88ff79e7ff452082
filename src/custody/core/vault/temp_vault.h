// Test support: a fresh vault in a temporary directory (removed afterwards),
// with its master key file beside it, opened as a core::Custody.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "custody/core/vault/custody.h"

namespace custody::core::testing {

class TempVaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    store::InitOptions o;
    o.keys.key_file = key_file();
    auto c = Custody::Init(root_ + "/vault", o, "test");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custody_ = std::move(*c);
  }
  void TearDown() override {
    custody_.reset();
    Env::Default()->RemoveTree(root_).IgnoreError();
  }
  std::string key_file() const { return root_ + "/master.key"; }

  std::string root_;
  std::unique_ptr<Custody> custody_;
};

}  // namespace custody::core::testing
