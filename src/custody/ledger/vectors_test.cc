// Known-answer tests against ../shared/vectors: transparency-dev/merkle's
// inclusion and consistency vectors, and a checkpoint signed by Go's
// sumdb/note over a tree built by sumdb/tlog.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/ledger/checkpoint.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {
namespace {

namespace fs = std::filesystem;
const fs::path kVectors = fs::path(CUSTODY_SOURCE_DIR) / ".." / "shared" / "vectors";

nlohmann::json Load(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// Decodes a base64 hash; false if it is not exactly 32 bytes.
bool DecodeHash(const nlohmann::json& j, Hash* out) {
  if (!j.is_string()) return false;
  auto raw = Base64Decode(j.get<std::string>());
  if (!raw.ok() || raw->size() != 32) return false;
  *out = *crypto::DigestFromBytes(*raw);
  return true;
}

// Roots: transparency-dev's vectors use short placeholder roots ("don't
// care") where only equality matters; a root that is not 32 bytes is mapped
// to the SHA-256 of its bytes, which preserves equality.
bool DecodeRoot(const nlohmann::json& j, Hash* out) {
  if (!j.is_string()) return false;
  auto raw = Base64Decode(j.get<std::string>());
  if (!raw.ok()) return false;
  *out = raw->size() == 32 ? *crypto::DigestFromBytes(*raw) : crypto::Sha256(*raw);
  return true;
}

bool DecodeProof(const nlohmann::json& j, std::vector<Hash>* out) {
  if (j.is_null()) return true;
  for (const auto& h : j) {
    Hash d;
    if (!DecodeHash(h, &d)) return false;
    out->push_back(d);
  }
  return true;
}

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MerkleVectorsTest, Inclusion) {
  if (!fs::exists(kVectors / "merkle" / "inclusion")) GTEST_SKIP() << "no ../shared/vectors";
  int valid = 0, invalid = 0;
  for (const auto& path : JsonFiles(kVectors / "merkle" / "inclusion")) {
    SCOPED_TRACE(path.string());
    auto v = Load(path);
    const bool want_err = v.value("wantErr", false);
    Hash root, leaf;
    std::vector<Hash> proof;
    const bool decoded = DecodeRoot(v["root"], &root) && DecodeHash(v["leafHash"], &leaf) &&
                         DecodeProof(v["proof"], &proof) && v["leafIdx"].is_number_integer() &&
                         v["treeSize"].is_number_integer() && v["leafIdx"].get<int64_t>() >= 0 &&
                         v["treeSize"].get<int64_t>() >= 0;
    Status s = decoded ? VerifyInclusion(v["leafIdx"].get<uint64_t>(), v["treeSize"].get<uint64_t>(),
                                         leaf, proof, root)
                       : InvalidArgumentError("undecodable");
    EXPECT_EQ(s.ok(), !want_err) << s.ToString();
    (want_err ? invalid : valid)++;
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

TEST(MerkleVectorsTest, Consistency) {
  if (!fs::exists(kVectors / "merkle" / "consistency")) GTEST_SKIP() << "no ../shared/vectors";
  int valid = 0, invalid = 0;
  for (const auto& path : JsonFiles(kVectors / "merkle" / "consistency")) {
    SCOPED_TRACE(path.string());
    auto v = Load(path);
    const bool want_err = v.value("wantErr", false);
    Hash r1, r2;
    std::vector<Hash> proof;
    const bool decoded = DecodeRoot(v["root1"], &r1) && DecodeRoot(v["root2"], &r2) &&
                         DecodeProof(v["proof"], &proof) && v["size1"].get<int64_t>() >= 0 &&
                         v["size2"].get<int64_t>() >= 0;
    Status s = decoded ? VerifyConsistency(v["size1"].get<uint64_t>(), v["size2"].get<uint64_t>(),
                                           proof, r1, r2)
                       : InvalidArgumentError("undecodable");
    EXPECT_EQ(s.ok(), !want_err) << s.ToString();
    (want_err ? invalid : valid)++;
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

class SignedNoteVectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto path = kVectors / "signed-note-checkpoint.json";
    if (!fs::exists(path)) GTEST_SKIP() << "no ../shared/vectors/signed-note-checkpoint.json";
    v_ = Load(path);
    for (const auto& leaf : v_["leaf_data"]) tree_.AppendLeafHash(HashLeaf(leaf.get<std::string>()));
  }
  std::string B64(const Hash& h) { return Base64Encode(crypto::DigestBytes(h)); }
  nlohmann::json v_;
  MerkleTree tree_;
};

TEST_F(SignedNoteVectorTest, LeafHashesAndRoots) {
  for (size_t i = 0; i < v_["leaf_hashes"].size(); ++i) {
    EXPECT_EQ(B64(tree_.LeafHash(i)), v_["leaf_hashes"][i].get<std::string>());
  }
  for (auto& [size, root] : v_["roots_by_size"].items()) {
    EXPECT_EQ(B64(*tree_.RootAt(std::stoull(size))), root.get<std::string>()) << size;
  }
}

TEST_F(SignedNoteVectorTest, Proofs) {
  int checked = 0;
  for (const auto& p : v_["inclusion_proofs"]) {
    auto proof = tree_.InclusionProof(p["index"].get<uint64_t>(), p["tree_size"].get<uint64_t>());
    ASSERT_TRUE(proof.ok());
    std::vector<std::string> got;
    for (const auto& h : *proof) got.push_back(B64(h));
    std::vector<std::string> want;
    if (!p["proof"].is_null()) want = p["proof"].get<std::vector<std::string>>();
    EXPECT_EQ(got, want) << p.dump();
    ++checked;
  }
  for (const auto& p : v_["consistency_proofs"]) {
    auto proof = tree_.ConsistencyProof(p["size1"].get<uint64_t>(), p["size2"].get<uint64_t>());
    ASSERT_TRUE(proof.ok());
    std::vector<std::string> got;
    for (const auto& h : *proof) got.push_back(B64(h));
    std::vector<std::string> want;
    if (!p["proof"].is_null()) want = p["proof"].get<std::vector<std::string>>();
    EXPECT_EQ(got, want) << p.dump();
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST_F(SignedNoteVectorTest, SignedCheckpointByteForByte) {
  auto seed_raw = HexDecode(v_["ed25519_seed_hex"].get<std::string>());
  ASSERT_TRUE(seed_raw.ok());
  auto seed = crypto::SecretBytes::FromBytes(*seed_raw);
  const std::string body = v_["checkpoint_body"].get<std::string>();
  auto cp = ParseCheckpoint(body);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->root, tree_.Root());
  EXPECT_EQ(FormatCheckpoint(Checkpoint{cp->origin, tree_.size(), tree_.Root(), {}}), body);
  auto note = SignNote(body, cp->origin, seed);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(*note, v_["signed_checkpoint"].get<std::string>());

  auto pair = crypto::Ed25519FromSeed(seed);
  EXPECT_EQ(FormatVerifierKey(cp->origin, pair->public_key), v_["verifier_key"].get<std::string>());
  std::string name;
  auto parsed_seed = ParseSignerKey(v_["signer_key"].get<std::string>(), &name);
  ASSERT_TRUE(parsed_seed.ok()) << parsed_seed.status().ToString();
  EXPECT_TRUE(parsed_seed->Equals(seed));
  EXPECT_EQ(name, cp->origin);

  auto key = ParseVerifierKey(v_["verifier_key"].get<std::string>());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto opened = OpenCheckpoint(v_["signed_checkpoint"].get<std::string>(), *key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, *cp);
}

}  // namespace
}  // namespace custody::ledger
