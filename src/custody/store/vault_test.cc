#include "custody/store/vault.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "custody/store/catalog.h"

namespace custody::store {
namespace {

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custody_vault_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/vault";
    key_ = root_ + "/keys/master.key";
  }
  void TearDown() override { Env::Default()->RemoveTree(root_).IgnoreError(); }
  InitOptions Init() {
    InitOptions o;
    o.keys.key_file = key_;
    return o;
  }
  OpenOptions OpenOpts() {
    OpenOptions o;
    o.keys.key_file = key_;
    return o;
  }
  std::string root_, dir_, key_;
};

TEST_F(VaultTest, CreatesLayoutAndReopens) {
  auto v = Vault::Create(dir_, Init());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  for (const char* sub : {"keys", "records", "index", "log", "catalog.db", "custody.toml"}) {
    EXPECT_TRUE(Env::Default()->FileExists(dir_ + "/" + sub)) << sub;
  }
  struct stat st;
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string id = (*v)->config().vault_id;
  auto k1 = (*v)->CreateWrappedKey(KeyPurpose::Dataset(DatasetId(1)));
  ASSERT_TRUE(k1.ok());
  std::string pub = (*v)->log_public_key();
  v->reset();  // release the lock

  auto w = Vault::Open(dir_, OpenOpts());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->config().vault_id, id);
  EXPECT_EQ((*w)->log_public_key(), pub);
  auto k2 = (*w)->GetWrappedKey(KeyPurpose::Dataset(DatasetId(1)));
  ASSERT_TRUE(k2.ok());
  EXPECT_TRUE(k1->Equals(*k2));
  EXPECT_TRUE((*w)->LogSigningSeed().ok());
  auto schema = (*w)->catalog().SchemaVersion();
  EXPECT_EQ(*schema, kCatalogSchemaVersion);
}

TEST_F(VaultTest, RefusesKeyFileInsideVaultAndExistingVault) {
  InitOptions o = Init();
  o.keys.key_file = dir_ + "/master.key";
  EXPECT_EQ(Vault::Create(dir_, o).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  EXPECT_FALSE(Vault::Create(dir_, Init()).ok());
}

TEST_F(VaultTest, WrongKeyFileIsUnauthenticated) {
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  InitOptions other = Init();
  other.keys.key_file = root_ + "/other.key";
  ASSERT_TRUE(Vault::Create(root_ + "/vault2", other).ok());
  OpenOptions o = OpenOpts();
  o.keys.key_file = root_ + "/other.key";
  auto r = Vault::Open(dir_, o);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  o.keys.key_file = root_ + "/missing.key";
  EXPECT_EQ(Vault::Open(dir_, o).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(VaultTest, PassphraseSealedKey) {
  InitOptions o = Init();
  o.keys.passphrase = crypto::SecretBytes::FromBytes("correct horse battery staple");
  ASSERT_TRUE(Vault::Create(dir_, o).ok());
  std::string text = *Env::Default()->ReadFileToString(key_);
  EXPECT_NE(text.find("kind: argon2id"), std::string::npos);
  OpenOptions open = OpenOpts();
  EXPECT_EQ(Vault::Open(dir_, open).status().code(), StatusCode::kUnauthenticated);
  open.keys.passphrase = crypto::SecretBytes::FromBytes("wrong");
  auto bad = Vault::Open(dir_, open);
  EXPECT_EQ(bad.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(bad.status().message().find("wrong passphrase"), std::string::npos);
  open.keys.passphrase = crypto::SecretBytes::FromBytes("correct horse battery staple");
  EXPECT_TRUE(Vault::Open(dir_, open).ok());
}

TEST_F(VaultTest, DestroyedKeyIsGoneAndTamperedKeyIsDataLoss) {
  auto v = *Vault::Create(dir_, Init());
  ASSERT_TRUE(v->CreateWrappedKey(KeyPurpose::Dataset(DatasetId(7))).ok());
  ASSERT_TRUE(v->CreateWrappedKey(KeyPurpose::Dataset(DatasetId(8))).ok());
  ASSERT_TRUE(v->DestroyWrappedKey(KeyPurpose::Dataset(DatasetId(7))).ok());
  EXPECT_EQ(v->GetWrappedKey(KeyPurpose::Dataset(DatasetId(7))).status().code(), StatusCode::kNotFound);
  std::string path = dir_ + "/keys/dataset_8.wrapped";
  std::string data = *Env::Default()->ReadFileToString(path);
  data[30] ^= 1;
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(path, data).ok());
  EXPECT_EQ(v->GetWrappedKey(KeyPurpose::Dataset(DatasetId(8))).status().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, SecondWriterIsLockedOut) {
  auto v = Vault::Create(dir_, Init());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Vault::Open(dir_, OpenOpts()).status().code(), StatusCode::kUnavailable);
  OpenOptions ro = OpenOpts();
  ro.without_key = true;
  EXPECT_TRUE(Vault::Open(dir_, ro).ok());
}

}  // namespace
}  // namespace custody::store
