// Record content ids and text-field selection; see record_fields.h.
#include "custody/core/vault/record_fields.h"

#include <sodium.h>

#include "custody/crypto/crypto.h"

namespace custody::core {

bool FieldUnder(std::string_view name, std::string_view f) {
  return name == f ||
         (name.size() > f.size() && name.compare(0, f.size(), f) == 0 && name[f.size()] == '.');
}

bool TextFieldSelected(const std::vector<std::string>& fields, std::string_view name) {
  if (fields.empty()) return true;
  for (const auto& f : fields) {
    if (FieldUnder(name, f)) return true;
  }
  return false;
}

std::string ContentId(std::string_view canonical) {
  crypto::EnsureSodium();
  std::string out(32, '\0');
  // Fails only for an output size out of range (32 is in range): a bug.
  CUSTODY_CHECK(crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                   reinterpret_cast<const unsigned char*>(canonical.data()),
                                   canonical.size(), nullptr, 0) == 0);
  return out;
}

}  // namespace custody::core
