// Fuzzes ParseEvent (ledger/event.h), the reader of every custody log entry,
// and the SIEM exports built on it (ExportJsonl, ExportOcsf). Never crashes
// or throws; an entry that parses is exactly the canonical serialization of
// the event it parses to.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "custody/ledger/event.h"
#include "custody/ledger/log_export.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view entry(reinterpret_cast<const char*>(data), size);
  auto event = custody::ledger::ParseEvent(entry);
  if (event.ok()) {
    auto again = custody::ledger::SerializeEvent(*event);
    if (!again.ok() || *again != entry) std::abort();
  }
  auto jsonl = custody::ledger::ExportJsonl("custody.example/log", 7, entry);
  if (jsonl.ok()) (void)jsonl->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto ocsf = custody::ledger::ExportOcsf("custody.example/log", 7, entry);
  if (ocsf.ok()) (void)ocsf->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
