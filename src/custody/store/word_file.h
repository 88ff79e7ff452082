// Word files: per record segment, each record's words for exact
// verification (an opaque entry per record, written by the sketch module's
// AppendRecordWords), sealed in small blocks so that reading one record
// opens about 1 KiB (format: word_file_format.h, docs/formats/words.md).
// Thread-safety: WriteWordFile is a function; a WordFileReader is immutable
// after Open and safe for concurrent ReadBlock calls with distinct blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/env.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::store {

// "words-NNNNNN.cwrd", the word file beside segment `seq`.
std::string WordFileName(int seq);

// Writes the word file of segment `seq` (records first_record_id ..
// first_record_id + entry count - 1; `entries` concatenated, `lengths` one
// per record) to `path` and fsyncs it. Returns the bytes written.
Result<int64_t> WriteWordFile(Env* env, const std::string& path, const crypto::SecretBytes& key,
                              const std::string& context, int seq, uint64_t first_record_id,
                              std::string_view entries, const std::vector<uint32_t>& lengths);

// One decrypted block: the entries of records first .. first + size() - 1
// (indexes within the segment).
class WordBlock {
 public:
  uint32_t first() const { return first_; }
  uint32_t size() const { return static_cast<uint32_t>(ends_.size()); }
  // Entry of the record at segment index `index` (first() <= index < first() + size()).
  std::string_view Entry(uint32_t index) const;

 private:
  friend class WordFileReader;
  uint32_t first_ = 0;
  uint32_t base_ = 0;  // where the first entry starts in plain_
  std::string plain_;
  std::vector<uint32_t> ends_;  // end offsets into plain_
  std::string sealed_;          // read buffer, reused
};

class WordFileReader {
 public:
  // Opens the word file of segment `seq` and authenticates its header and
  // block index. `key` must outlive the reader. kNotFound if the file does
  // not exist; kDataLoss (naming the file) if it was tampered with,
  // truncated, or belongs to another dataset, version or segment.
  static Result<std::unique_ptr<WordFileReader>> Open(Env* env, const std::string& path,
                                                      const crypto::SecretBytes& key,
                                                      const std::string& context, int seq);

  uint64_t first_record_id() const { return first_record_id_; }
  uint32_t count() const { return count_; }
  size_t block_count() const { return blocks_.size(); }
  // The block holding segment index `index` (< count()).
  size_t BlockOf(uint32_t index) const;
  // Reads and opens block `b` into `*out` (its buffers are reused).
  // kDataLoss if the block fails authentication or is malformed.
  Status ReadBlock(size_t b, WordBlock* out) const;

 private:
  struct Block {
    uint32_t first;
    uint32_t sealed_size;
    uint64_t offset;
  };
  WordFileReader() = default;

  std::string path_;
  std::string header_;
  std::string ad_prefix_;  // header || context || ":words:<seq>"
  const crypto::SecretBytes* key_ = nullptr;
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t first_record_id_ = 0;
  uint32_t count_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace custody::store
