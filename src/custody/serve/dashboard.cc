#include "custody/serve/dashboard.h"

namespace custody::serve {

namespace {

std::string_view ContentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

std::optional<DashboardFile> FindDashboardFile(std::string_view name) {
  if (name.empty()) name = "index.html";
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    const EmbeddedFile& f = kEmbeddedFiles[i];
    if (name == f.name) {
      return DashboardFile{ContentTypeOf(name),
                           std::string_view(reinterpret_cast<const char*>(f.bytes), f.size)};
    }
  }
  return std::nullopt;
}

}  // namespace custody::serve
