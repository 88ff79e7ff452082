// Byte encodings used in custody's text formats: lowercase hex and standard
// base64 (RFC 4648, with padding).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/status.h"

namespace custody {

std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);
// Strict: rejects bad characters, bad padding and non-canonical trailing bits.
Result<std::string> Base64Decode(std::string_view b64);

// Little-endian and big-endian fixed-width integer encodings.
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
// Every value of `v`, as PutFixed32 / PutFixed64 each (one append).
void PutFixed32s(std::string* dst, std::span<const uint32_t> v);
void PutFixed64s(std::string* dst, std::span<const uint64_t> v);
// The same encodings written at `dst` (4 or 8 bytes); inline, for loops
// over many values.
inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
void PutBigEndian64(std::string* dst, uint64_t v);
// Unsigned LEB128 varint.
void PutVarint64(std::string* dst, uint64_t v);
// Parses a varint from the front of `*in`, advancing it; false if malformed.
bool GetVarint64(std::string_view* in, uint64_t* v);
void PutDouble(std::string* dst, double v);  // its IEEE 754 bits, as PutFixed64

// Reads fixed-width little-endian values off the front of a byte string.
// Each call returns false, and reads nothing, if too few bytes are left.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Double(double* v);
  // `n` bytes into `*v`.
  bool Bytes(size_t n, std::string* v);
  // `n` 8-byte values, refusing counts the bytes left cannot hold (before
  // allocating).
  bool U64s(size_t n, std::vector<uint64_t>* v);
  bool U32s(size_t n, std::vector<uint32_t>* v);
  size_t left() const { return in_.size(); }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace custody
