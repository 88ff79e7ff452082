#include "custody/base/encoding.h"

#include <bit>

#include <cstring>

namespace custody {

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

static int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return InvalidArgumentError("hex: odd length " + std::to_string(hex.size()));
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexVal(hex[i]), lo = HexVal(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("hex: invalid character at offset " + std::to_string(i));
    }
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = p[i] << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = p[i] << 16 | p[i + 1] << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return InvalidArgumentError("base64: length " + std::to_string(in.size()) +
                                " is not a multiple of 4");
  }
  int8_t table[256];
  std::memset(table, -1, sizeof(table));
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kB64[i])] = static_cast<int8_t>(i);
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int pad = 0;
    uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=') {
        if (i + 4 != in.size() || j < 2) return InvalidArgumentError("base64: misplaced '='");
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad > 0) return InvalidArgumentError("base64: data after '='");
      int8_t d = table[static_cast<unsigned char>(c)];
      if (d < 0) {
        return InvalidArgumentError("base64: invalid character at offset " + std::to_string(i + j));
      }
      v = v << 6 | static_cast<uint32_t>(d);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 255);
    if (pad < 1) out += static_cast<char>(v & 255);
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
      return InvalidArgumentError("base64: non-canonical trailing bits");
    }
  }
  return out;
}

void PutFixed32(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 4);
}
void PutFixed64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 8);
}
void PutFixed32s(std::string* dst, std::span<const uint32_t> v) {
  const size_t at = dst->size();
  dst->resize(at + 4 * v.size());
  char* out = dst->data() + at;
  if constexpr (std::endian::native == std::endian::little) {
    if (!v.empty()) std::memcpy(out, v.data(), 4 * v.size());
  } else {
    for (size_t i = 0; i < v.size(); ++i) EncodeFixed32(out + 4 * i, v[i]);
  }
}
void PutFixed64s(std::string* dst, std::span<const uint64_t> v) {
  const size_t at = dst->size();
  dst->resize(at + 8 * v.size());
  char* out = dst->data() + at;
  if constexpr (std::endian::native == std::endian::little) {
    if (!v.empty()) std::memcpy(out, v.data(), 8 * v.size());
  } else {
    for (size_t i = 0; i < v.size(); ++i) EncodeFixed64(out + 8 * i, v[i]);
  }
}
void PutDouble(std::string* dst, double v) { PutFixed64(dst, std::bit_cast<uint64_t>(v)); }

bool ByteReader::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}
bool ByteReader::U32(uint32_t* v) {
  if (in_.size() < 4) return false;
  *v = DecodeFixed32(in_.data());
  in_.remove_prefix(4);
  return true;
}
bool ByteReader::U64(uint64_t* v) {
  if (in_.size() < 8) return false;
  *v = DecodeFixed64(in_.data());
  in_.remove_prefix(8);
  return true;
}
bool ByteReader::Double(double* v) {
  uint64_t bits = 0;
  if (!U64(&bits)) return false;
  *v = std::bit_cast<double>(bits);
  return true;
}
bool ByteReader::Bytes(size_t n, std::string* v) {
  if (in_.size() < n) return false;
  v->assign(in_.data(), n);
  in_.remove_prefix(n);
  return true;
}
bool ByteReader::U32s(size_t n, std::vector<uint32_t>* v) {
  if (n > in_.size() / 4) return false;
  v->resize(n);
  if constexpr (std::endian::native == std::endian::little) {
    if (n > 0) std::memcpy(v->data(), in_.data(), 4 * n);
  } else {
    for (size_t i = 0; i < n; ++i) (*v)[i] = DecodeFixed32(in_.data() + 4 * i);
  }
  in_.remove_prefix(4 * n);
  return true;
}
bool ByteReader::U64s(size_t n, std::vector<uint64_t>* v) {
  if (n > in_.size() / 8) return false;
  v->resize(n);
  if constexpr (std::endian::native == std::endian::little) {
    if (n > 0) std::memcpy(v->data(), in_.data(), 8 * n);
  } else {
    for (size_t i = 0; i < n; ++i) (*v)[i] = DecodeFixed64(in_.data() + 8 * i);
  }
  in_.remove_prefix(8 * n);
  return true;
}

void PutBigEndian64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  dst->append(b, 8);
}
void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 128) {
    *dst += static_cast<char>((v & 127) | 128);
    v >>= 7;
  }
  *dst += static_cast<char>(v);
}
bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    uint64_t byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= (byte & 127) << shift;
    if (byte < 128) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace custody
