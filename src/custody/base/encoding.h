// Byte encodings used in custody's text formats: lowercase hex and standard
// base64 (RFC 4648, with padding).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);
void PutBigEndian64(std::string* dst, uint64_t v);
// Unsigned LEB128 varint.
void PutVarint64(std::string* dst, uint64_t v);
// Parses a varint from the front of `*in`, advancing it; false if malformed.
bool GetVarint64(std::string_view* in, uint64_t* v);

}  // namespace custody
