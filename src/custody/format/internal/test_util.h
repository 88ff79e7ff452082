// Helpers for the format module's tests: temporary files, compression with
// the libraries' one-shot APIs (independent of the module's own writers) and
// reading a whole input.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "custody/base/env.h"
#include "custody/format/reader.h"

namespace custody::format::testing {

// One directory per test process, removed when the process exits.
inline const std::string& TempDirOfProcess() {
  struct Dir {
    std::string path = ::testing::TempDir() + "custody_format_" + std::to_string(::getpid());
    ~Dir() { (void)Env::Default()->RemoveTree(path); }
  };
  static const Dir dir;
  return dir.path;
}

inline std::string TempPath(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string& dir = TempDirOfProcess();
  EXPECT_TRUE(Env::Default()->CreateDirs(dir).ok());
  return dir + "/" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

inline std::string WriteTemp(const std::string& name, std::string_view content) {
  const std::string path = TempPath(name);
  EXPECT_TRUE(Env::Default()->WriteFileAtomically(path, content).ok());
  return path;
}

inline std::string Gzip(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string Zstd(std::string_view data, bool checksum = false) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

struct ReadAll {
  std::vector<Record> records;
  Status status;
  std::unique_ptr<RecordReader> reader;
};

// Reads every record of `path`; stops at the first error.
inline ReadAll ReadFile(const std::string& path, const ReadOptions& options = {}) {
  ReadAll all;
  auto reader = RecordReader::Open(Env::Default(), path, options);
  if (!reader.ok()) {
    all.status = reader.status();
    return all;
  }
  all.reader = std::move(*reader);
  Record rec;
  while (true) {
    auto more = all.reader->Next(&rec);
    if (!more.ok()) {
      all.status = more.status();
      break;
    }
    if (!*more) break;
    all.records.push_back(rec);
  }
  return all;
}

}  // namespace custody::format::testing
