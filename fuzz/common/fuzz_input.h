// FuzzInput: takes structured values (option bits, lengths, parts) off the
// front of a fuzz input, so one input drives a parser's options as well as
// its bytes. Every accessor is total: past the end it returns zeros or "".
// Thread-safety: a value; one per input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace custody::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte (0 at the end).
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // The next two bytes, big-endian.
  uint16_t U16() { return static_cast<uint16_t>((Byte() << 8) | Byte()); }
  // The next four bytes, big-endian.
  uint32_t U32() { return (uint32_t{U16()} << 16) | U16(); }
  // Up to `n` bytes.
  std::string_view Take(size_t n) {
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  // Bytes up to the next occurrence of `sep` (which is consumed), or the rest.
  std::string_view Part(std::string_view sep) {
    const size_t at = rest_.find(sep);
    if (at == std::string_view::npos) return Rest();
    const std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at + sep.size());
    return out;
  }
  // Everything left.
  std::string_view Rest() {
    const std::string_view out = rest_;
    rest_ = {};
    return out;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace custody::fuzz
