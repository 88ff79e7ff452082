// Fuzzes the sketch index reader (sketch/internal/index_file.h, ParseIndex)
// through Matcher::FromBuffers, then matches records against whatever it
// accepted, so the lookups run over validated but hostile tables. The
// file's checksum and key check are not secrets: the target can set them
// (as anyone can), so the section and table checks are reached.
// Never crashes; no lookup reads outside the file.
//
// Input: byte 0 = bit 0 set the checksums (format 4: every block's and the
// block table's) and key check, bit 1 also the trailer magic; the rest is the index file. Seeds (CUSTODY_FUZZ_WRITE_SEEDS,
// common/seeds.h) are indexes IndexBuilder made with this target's key.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "custody/crypto/secret_bytes.h"
#include "custody/sketch/index_builder.h"
#include "custody/sketch/index_format.h"
#include "custody/sketch/matcher.h"
#include "custody/sketch/sketcher.h"
#include "fuzz_input.h"
#include "seeds.h"

namespace {

namespace sketch = custody::sketch;

const custody::crypto::SecretBytes& Key() {
  static const auto* key = new custody::crypto::SecretBytes(
      custody::crypto::SecretBytes::FromBytes("fuzz sketch index key, 32 bytes!"));
  return *key;
}

uint64_t KeyCheck() {
  static const uint64_t check = [] {
    auto s = sketch::Sketcher::Create(Key(), sketch::SketchParams{});
    if (!s.ok()) std::abort();
    return (*s)->key_check();
  }();
  return check;
}

const std::vector<std::string>& Texts() {
  static const auto* texts = new std::vector<std::string>{
      "The quick brown fox jumps over the lazy dog while the farmer sleeps in the barn.",
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
      "clips in May. How many clips did Natalia sell altogether in April and May?",
      "alice@example.com called the support line on Tuesday about invoice 1182.",
      "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of "
      "babysitting. How much did she earn?",
      "short",
      "Un texte en français avec des accents : élève, garçon, déjà vu.",
  };
  return *texts;
}

std::vector<std::string> MakeSeeds() {
  std::vector<std::string> seeds;
  for (size_t n : {size_t{1}, size_t{3}, Texts().size()}) {
    for (bool explicit_ids : {false, true}) {
      sketch::IndexBuilderOptions opts;
      opts.label = "fuzz@v" + std::to_string(n);
      auto builder = sketch::IndexBuilder::Create(Key(), opts);
      if (!builder.ok()) std::abort();
      for (size_t i = 0; i < n; ++i) {
        std::string_view field = Texts()[i];
        const uint64_t id = explicit_ids ? 100 + 7 * i : 1 + i;
        if (!(*builder)->Add(id, std::span<const std::string_view>(&field, 1)).ok()) std::abort();
      }
      auto file = (*builder)->Serialize();
      if (!file.ok()) std::abort();
      seeds.push_back(std::string(1, '\0') + *file);
    }
  }
  return seeds;
}

// Sets the checksums as a writer would: with a format-4 header whose block
// fields fit the file, every block's checksum and the trailer's checksum of
// the block table; otherwise the trailer's checksum of the whole body.
void SetChecksums(std::string* file) {
  const size_t body = file->size() - sketch::kIndexTrailerSize;
  uint32_t version = 0, log2 = 0;
  uint64_t data = 0;
  std::memcpy(&version, file->data() + sketch::kOffVersion, 4);
  std::memcpy(&log2, file->data() + sketch::kOffBlockLog2, 4);
  std::memcpy(&data, file->data() + sketch::kOffDataBytes, 8);
  size_t table = 0;
  if (version >= 4 && log2 >= sketch::kIndexBlockLog2Min && log2 <= sketch::kIndexBlockLog2Max &&
      data >= sketch::kIndexHeaderSize && data <= body) {
    const uint64_t block = uint64_t{1} << log2;
    const uint64_t blocks = data / block + (data % block != 0);
    if (body - data == blocks * 8) {
      for (uint64_t i = 0; i < blocks; ++i) {
        const uint64_t begin = i * block;
        const uint64_t len = data - begin < block ? data - begin : block;
        const uint64_t sum = XXH3_64bits(file->data() + begin, len);
        std::memcpy(file->data() + data + i * 8, &sum, 8);
      }
      table = data;
    }
  }
  const uint64_t sum = XXH3_64bits(file->data() + table, body - table);
  std::memcpy(file->data() + body, &sum, 8);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  std::string file(in.Rest());
  const size_t min = sketch::kIndexHeaderSize + sketch::kIndexTrailerSize;
  if ((flags & 1) && file.size() >= min) {
    if (flags & 2) std::memcpy(file.data() + file.size() - 8, sketch::kIndexTrailerMagic, 8);
    const uint64_t check = KeyCheck();
    std::memcpy(file.data() + sketch::kOffKeyCheck, &check, 8);
    SetChecksums(&file);
  }
  auto matcher = sketch::Matcher::FromBuffers({file}, Key());
  if (!matcher.ok()) return 0;
  for (const auto& text : Texts()) {
    std::string_view field = text;
    const sketch::Matcher::Fields fields(&field, 1);
    (void)(*matcher)->Match(fields);
    for (const auto& r : (*matcher)->Candidates(fields, 4)) {
      if (r.index != 0) std::abort();
    }
  }
  (void)(*matcher)->label(0);
  return 0;
}
