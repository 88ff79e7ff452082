#include "custody/store/vault.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "custody/store/catalog.h"
#include "custody/store/sql.h"
#include "custody/store/testing/catalog_backend_test.h"

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

// As ssh refuses a private key others may read: the message names the
// file, the mode found and the fix.
TEST_F(VaultTest, KeyFileAccessibleToOthersIsRefused) {
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    ASSERT_EQ(::chmod(key_.c_str(), mode), 0);
    auto r = Vault::Open(dir_, OpenOpts());
    ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied) << std::oct << mode;
    char want[8];
    std::snprintf(want, sizeof(want), "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(r.status().message(), "master key file " + key_ + " has mode " + want +
                                        ": group or others may access it; run `chmod 600 " + key_ + "`");
  }
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(key_.c_str(), mode), 0);
    EXPECT_TRUE(Vault::Open(dir_, OpenOpts()).ok()) << std::oct << mode;
  }
  // Without the key nothing reads the key file, so its mode does not matter.
  ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
  OpenOptions ro = OpenOpts();
  ro.without_key = true;
  EXPECT_TRUE(Vault::Open(dir_, ro).ok());
}

// However it is spelt (through "..", or a link to the vault), a key file
// inside the vault is refused, at init and at every open.
TEST_F(VaultTest, KeyFileInsideVaultIsRefusedHoweverSpelt) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(dir_.c_str(), (root_ + "/alias").c_str()), 0);
  for (const std::string& inside : {root_ + "/alias/master.key", root_ + "/keys/../vault/master.key",
                                    root_ + "/alias/keys/../master.key"}) {
    InitOptions o = Init();
    o.keys.key_file = inside;
    auto r = Vault::Create(dir_, o);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << inside;
    EXPECT_FALSE(Env::Default()->FileExists(dir_ + "/master.key"));
  }
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  // A key moved into the vault afterwards is refused at open.
  ASSERT_EQ(::rename(key_.c_str(), (dir_ + "/master.key").c_str()), 0);
  OpenOptions o = OpenOpts();
  o.keys.key_file = root_ + "/alias/master.key";
  auto r = Vault::Open(dir_, o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("must live outside the vault directory"), std::string::npos)
      << r.status().message();
}

// The key file is never written through a link or file planted at its path
// (an attacker's copy of the master key), and init then leaves no vault.
TEST_F(VaultTest, KeyCreationDoesNotFollowPlantedLinks) {
  ASSERT_EQ(::mkdir((root_ + "/keys").c_str(), 0700), 0);
  const std::string stolen = root_ + "/stolen";
  ASSERT_EQ(::symlink(stolen.c_str(), key_.c_str()), 0);
  auto r = Vault::Create(dir_, Init());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_NE(r.status().message().find("symbolic link"), std::string::npos) << r.status().message();
  EXPECT_FALSE(Env::Default()->FileExists(stolen));
  EXPECT_FALSE(Env::Default()->FileExists(dir_));
  ASSERT_EQ(::unlink(key_.c_str()), 0);

  // A stale temporary file of an interrupted init is removed; a link with a
  // temporary file's name is neither followed nor removed.
  const std::string stale = root_ + "/keys/.master.key.tmp-0123456789ab";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(stale, "old", 0600).ok());
  const std::string planted = root_ + "/keys/.master.key.tmp-ba9876543210";
  ASSERT_EQ(::symlink(stolen.c_str(), planted.c_str()), 0);
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  EXPECT_FALSE(Env::Default()->FileExists(stale));
  EXPECT_FALSE(Env::Default()->FileExists(stolen));
  struct stat st;
  ASSERT_EQ(::lstat(key_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(VaultTest, OpenRemovesStaleTempFilesOfAtomicWrites) {
  ASSERT_TRUE(Vault::Create(dir_, Init()).ok());
  const std::string in_keys = dir_ + "/keys/.mark.wrapped.tmp-0123456789ab";
  const std::string in_root = dir_ + "/.custody.toml.tmp-0123456789ab";
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(in_keys, "x", 0600).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(in_root, "x", 0600).ok());
  OpenOptions ro = OpenOpts();
  ro.without_key = true;
  ASSERT_TRUE(Vault::Open(dir_, ro).ok());  // read-only opens change nothing
  EXPECT_TRUE(Env::Default()->FileExists(in_keys));
  ASSERT_TRUE(Vault::Open(dir_, OpenOpts()).ok());
  EXPECT_FALSE(Env::Default()->FileExists(in_keys));
  EXPECT_FALSE(Env::Default()->FileExists(in_root));
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

// A vault on either catalog backend (testing/catalog_backend_test.h): the
// catalog it records is the one every later open uses.
class VaultCatalogTest : public testing::CatalogBackendTest {
 protected:
  InitOptions Init() const {
    InitOptions o;
    o.keys.key_file = dir() + "/keys/master.key";
    if (postgres()) o.catalog = location();
    return o;
  }
  OpenOptions OpenOpts() const {
    OpenOptions o;
    o.keys.key_file = dir() + "/keys/master.key";
    return o;
  }
  std::string Toml(const std::string& vault) const {
    return *Env::Default()->ReadFileToString(vault + "/custody.toml");
  }
};

TEST_P(VaultCatalogTest, RecordsItsCatalogAndReopensIt) {
  const std::string vault = dir() + "/vault";
  std::string id;
  {
    auto v = Vault::Create(vault, Init());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    id = (*v)->config().vault_id;
    EXPECT_EQ((*v)->catalog().dialect(), postgres() ? SqlDialect::kPostgres : SqlDialect::kSqlite);
    ASSERT_TRUE((*v)->catalog().GetOrCreateDataset("kept", FromUnixSeconds(1)).ok());
  }
  EXPECT_EQ(Env::Default()->FileExists(vault + "/catalog.db"), !postgres());
  EXPECT_EQ(Toml(vault).find("[catalog]") != std::string::npos, postgres());
  auto v = Vault::Open(vault, OpenOpts());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)->catalog_location(), postgres() ? location() : vault + "/catalog.db");
  EXPECT_TRUE((*v)->catalog().FindDataset("kept")->has_value());
  EXPECT_EQ(*(*v)->catalog().GetMeta(kCatalogVaultIdKey), id);
}

TEST_P(VaultCatalogTest, ACatalogOfAnotherVaultIsRefused) {
  const std::string first = dir() + "/first";
  InitOptions o = Init();
  ASSERT_TRUE(Vault::Create(first, o).ok());
  if (postgres()) {
    // A second vault may not share the first one's database; nothing of it
    // is written.
    o.keys.key_file = dir() + "/keys/second.key";
    auto second = Vault::Create(dir() + "/second", o);
    EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
    EXPECT_FALSE(Env::Default()->FileExists(dir() + "/second"));
    EXPECT_FALSE(Env::Default()->FileExists(dir() + "/keys/second.key"));
  }
  // The catalog belongs to a vault whose id custody.toml does not give.
  const std::string toml = Toml(first);
  const size_t at = toml.find("id = \"") + 6;
  std::string edited = toml;
  edited.replace(at, 16, "00000000000000ff");
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(first + "/custody.toml", edited).ok());
  OpenOptions without_key;
  without_key.without_key = true;
  auto v = Vault::Open(first, without_key);
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(v.status().message().find("belongs to vault"), std::string::npos)
      << v.status().message();
}

// PostgreSQL only: a SQLite catalog is a file, with no URI or password.
class VaultPostgresTest : public VaultCatalogTest {};

TEST_P(VaultPostgresTest, AUriWithAPasswordIsRefusedBeforeAnythingIsWritten) {
  InitOptions o = Init();
  o.catalog = "postgresql://ann:hunter2@/custody?host=" + dir();
  auto v = Vault::Create(dir() + "/vault", o);
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message().find("hunter2"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("~/.pgpass"), std::string::npos) << v.status().message();
  EXPECT_FALSE(Env::Default()->FileExists(dir() + "/vault"));
  EXPECT_FALSE(Env::Default()->FileExists(o.keys.key_file));
  // Nor does a custody.toml edited to hold one open.
  ASSERT_TRUE(Vault::Create(dir() + "/vault", Init()).ok());
  std::string toml = Toml(dir() + "/vault");
  const size_t uri = toml.find("postgresql:///");
  ASSERT_NE(uri, std::string::npos);
  toml.replace(uri, 14, "postgresql://ann:hunter2@/");
  ASSERT_TRUE(Env::Default()->WriteFileAtomically(dir() + "/vault/custody.toml", toml).ok());
  auto w = Vault::Open(dir() + "/vault", OpenOpts());
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.status().message().find("hunter2"), std::string::npos) << w.status().message();
}

CUSTODY_INSTANTIATE_FOR_CATALOG_BACKENDS(VaultCatalogTest);
INSTANTIATE_TEST_SUITE_P(Backends, VaultPostgresTest,
                         ::testing::Values(testing::TestBackend::kPostgres),
                         testing::TestBackendName);

}  // namespace
}  // namespace custody::store
