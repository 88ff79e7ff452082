// Fuzzes ReadSegment and ReadContentIds (store/segment.h), the readers of a
// dataset version's sealed record segments. The fuzzer cannot forge the
// AEAD tag, so besides raw files the target seals what the fuzzer writes
// with the key, exactly as a writer holding the key would: a header with
// fuzzed fields (record count, payload size) around a payload the fuzzer
// chose (zstd-compressed here, or its own bytes as the compressed stream).
// Never crashes or over-allocates; what parses has `count` records and
// content ids.
//
// Input: byte 0 = mode (0 raw segment file, 1 sealed payload, 2 sealed
// payload with its true size, 3 sealed stream bytes, 4 raw content-id file,
// 5 sealed content-id list); then for 1-3: u32 first record id, u32 count,
// u32 payload size; then the bytes.
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/store/segment.h"
#include "custody/store/segment_format.h"
#include "fuzz_input.h"
#include "memory_env.h"
#include "seeds.h"

namespace {

namespace store = custody::store;

const custody::crypto::SecretBytes& Key() {
  static const auto* key = new custody::crypto::SecretBytes(
      custody::crypto::SecretBytes::FromBytes("fuzz segment data key, 32 bytes."));
  return *key;
}

constexpr int kSeq = 3;

std::string Sealed(std::string_view header, std::string_view body, const std::string& context) {
  std::string ad(header);
  ad += context;
  ad += ":seg:";
  ad += std::to_string(kSeq);
  auto sealed = custody::crypto::AeadSeal(Key(), body, ad);
  if (!sealed.ok()) std::abort();
  return std::string(header) + *sealed;
}

// A payload as SegmentWriter lays it out: lengths, content ids, records.
std::string Payload(const std::vector<std::string>& records) {
  std::string lengths, ids, bodies;
  for (const auto& r : records) {
    custody::PutVarint64(&lengths, r.size());
    const auto id = custody::crypto::Sha256(r);
    ids.append(reinterpret_cast<const char*>(id.data()), id.size());
    bodies += r;
  }
  return lengths + ids + bodies;
}

std::vector<std::string> MakeSeeds() {
  const std::string context = store::VersionContext(custody::DatasetId(7), 2);
  const std::vector<std::string> records = {R"({"q":"one","a":"1"})", R"({"q":"two"})", "{}",
                                            R"({"text":"a longer record, with \"quotes\""})",
                                            R"({"n":5})", R"({"q":"six"})"};
  std::vector<std::string> seeds;
  // Real files: the third segment (seq 3) of a version, and its content ids.
  custody::fuzz::MemoryEnv env;
  store::SegmentWriter writer(&env, "v2", "v2", Key(), context, 1000, 2);
  for (const auto& r : records) {
    const auto id = custody::crypto::Sha256(r);
    const std::string_view cid(reinterpret_cast<const char*>(id.data()), id.size());
    if (!writer.Add(r, cid, "words").ok()) std::abort();
  }
  if (!writer.Finish().ok()) std::abort();
  seeds.push_back(std::string(1, '\0') + env.Get("v2/seg-000003.cseg"));
  seeds.push_back(std::string(1, '\4') + env.Get(std::string("v2/") + store::kContentIdsFile));
  // Payloads the target seals: mode 2 (true size), counts right and wrong.
  for (uint32_t n : {0u, 1u, 6u}) {
    std::vector<std::string> some(records.begin(), records.begin() + n);
    std::string seed(1, '\2');
    for (uint32_t v : {1000u, n, 0u}) {
      for (int shift = 24; shift >= 0; shift -= 8) seed.push_back(static_cast<char>(v >> shift));
    }
    seeds.push_back(seed + Payload(some));
  }
  std::string ids(1, '\5');
  ids += std::string(64, 'c');
  seeds.push_back(ids);
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte() % 6;
  const std::string context = store::VersionContext(custody::DatasetId(7), 2);
  custody::fuzz::MemoryEnv env;
  const std::string path = "v2/seg-000003.cseg";
  if (mode == 4 || mode == 5) {
    const std::string_view bytes = in.Rest();
    if (mode == 4) {
      env.Put(std::string("v2/") + store::kContentIdsFile, bytes);
    } else {
      auto sealed = custody::crypto::AeadSeal(Key(), bytes, "cids:" + context);
      if (!sealed.ok()) std::abort();
      env.Put(std::string("v2/") + store::kContentIdsFile, *sealed);
    }
    auto ids = store::ReadContentIds(&env, "v2", Key(), context);
    if (ids.ok()) {
      for (const auto& id : *ids) {
        if (id.size() != store::kContentIdSize) std::abort();
      }
    }
    return 0;
  }
  if (mode == 0) {
    env.Put(path, in.Rest());
  } else {
    const uint32_t first = in.U32();
    const uint32_t count = in.U32();
    uint32_t payload_size = in.U32();
    const std::string_view bytes = in.Rest();
    std::string body;
    if (mode == 3) {
      body.assign(bytes);
    } else {
      body.resize(ZSTD_compressBound(bytes.size()));
      const size_t n = ZSTD_compress(body.data(), body.size(), bytes.data(), bytes.size(), 1);
      if (ZSTD_isError(n)) std::abort();
      body.resize(n);
      if (mode == 2) payload_size = static_cast<uint32_t>(bytes.size());
    }
    std::string header(store::kSegmentMagic, sizeof(store::kSegmentMagic));
    custody::PutFixed32(&header, store::kSegmentFormat);
    custody::PutFixed64(&header, first);
    custody::PutFixed32(&header, count);
    custody::PutFixed32(&header, payload_size);
    env.Put(path, Sealed(header, body, context));
  }
  auto seg = store::ReadSegment(&env, path, Key(), context, kSeq);
  if (seg.ok()) {
    if (seg->records.size() != seg->content_ids.size()) std::abort();
    for (const auto& id : seg->content_ids) {
      if (id.size() != store::kContentIdSize) std::abort();
    }
  }
  return 0;
}
