// The dashboard of `custody serve`: static files (HTML, CSS, one JavaScript
// module, src/custody/serve/dashboard/) built into the binary by
// cmake/embed_files.cmake and served under /dashboard/ (docs/api.md,
// "Dashboard"). The pages call the read API with the admin's or auditor's
// token; the files themselves are public and hold no data.
// Thread-safety: constant data.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace custody::serve {

// One embedded file (the generated table; see cmake/embed_files.cmake).
struct EmbeddedFile {
  const char* name;            // "index.html"
  const unsigned char* bytes;  // `size` bytes, then a NUL
  size_t size;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

struct DashboardFile {
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// The file served at /dashboard/NAME ("" is index.html); nullopt when there
// is no such file.
std::optional<DashboardFile> FindDashboardFile(std::string_view name);

// The Content-Security-Policy of every dashboard response: only this
// origin's scripts, styles, images and API calls; no inline script, no
// framing.
inline constexpr std::string_view kDashboardCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace custody::serve
